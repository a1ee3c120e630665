"""Staff pages for customers, agreements, contact persons and sharing (/staff/customers), and
the page a customer's contact person opens from the e-mailed link (/shared/...)."""
import io
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from portal.auth.guard import public, staff_only
from portal.customers import actions, sharing
from portal.customers.forms import (
    AgreementEndForm,
    AgreementForm,
    ContactForm,
    CustomerForm,
    ShareForm,
)
from portal.customers.models import Customer, CustomerAgreement, CustomerContact, Disclosure
from portal.documents.actions import read_document
from portal.extensions import limiter
from portal.mail.limits import TooManyMails
from portal.people.models import Person
from portal.staff import record as records
from portal.storage import StorageError
from portal.verification import actions as verification
from portal.verification.forms import CodeForm
from portal.web.forms import EmptyForm
from portal.web.links import kept_token, leave_token_url
from portal.web.render import render

bp = Blueprint("customers", __name__, url_prefix="/staff/customers")
shared_bp = Blueprint("shared", __name__, url_prefix="/shared")


@bp.app_context_processor
def customer_labels():
    return {"customer_status_labels": actions.STATUS_LABELS,
            "disclosure_revoked_why": sharing.REVOKED_WHY,
            "category_labels": sharing.category_labels}


# --- Customers -----------------------------------------------------------------------------------

@bp.route("")
@staff_only
def customers():
    """List the business customers, with whether an agreement is in force."""
    today = actions.today_in_oslo()
    found = [(c, actions.status(c, today)) for c in actions.customers()]
    return render("customers/list.html", customers=found)


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new():
    """Register a business customer with its first agreement."""
    form = CustomerForm()
    if not form.is_submitted():
        return render("customers/new.html", form=CustomerForm(formdata=None))
    if form.validate():
        try:
            customer = actions.create_customer(form.name.data, form.org_number.data,
                                               form.starts_on.data, form.ends_on.data,
                                               form.signed_by.data, current_user)
        except actions.CustomerProblem as problem:
            form.org_number.errors = [problem.message]
        else:
            flash(_("%(name)s is registered.", name=customer.name), "success")
            return redirect(url_for("customers.customer", customer_id=customer.id), 303)
    return render("customers/new.html", form=form, status=400)


def _customer_or_404(customer_id):
    return get_object_or_404(Customer, Customer.id == customer_id)


def _detail(customer, status=200, **forms):
    """The customer's page; `forms` replaces forms that came back with errors."""
    contacts = list(actions.contacts_of(customer))
    agreements = list(actions.agreements_of(customer))
    forms.setdefault("agreement_form", AgreementForm(formdata=None).offer(contacts))
    forms.setdefault("contact_form", ContactForm(formdata=None))
    end_forms = forms.pop("end_forms", {})
    for agreement in agreements:
        end_forms.setdefault(agreement.id, AgreementEndForm(formdata=None, obj=agreement,
                                                            prefix=f"a{agreement.id}"))
    return render("customers/detail.html", status=status, customer=customer,
                  state=actions.status(customer), contacts=contacts, agreements=agreements,
                  keeps_details=actions.keeps_details(customer), end_forms=end_forms,
                  shares=sharing.lines(sharing.to_customer(customer)), empty=EmptyForm(),
                  **forms)


@bp.route("/<int:customer_id>")
@staff_only
def customer(customer_id):
    """Show a customer: its agreements, contact persons and what was shared with it."""
    return _detail(_customer_or_404(customer_id))


@bp.route("/<int:customer_id>/agreements", methods=["POST"])
@staff_only
def add_agreement(customer_id):
    """Register another agreement with a customer."""
    customer = _customer_or_404(customer_id)
    form = AgreementForm().offer(actions.contacts_of(customer))
    if form.validate():
        try:
            actions.add_agreement(customer, form.starts_on.data, form.ends_on.data,
                                  form.signed_by.data, int(form.signer.data or 0) or None,
                                  current_user)
        except actions.CustomerProblem as problem:
            form.signer.errors = [problem.message]
        else:
            flash(_("The agreement is registered."), "success")
            return redirect(url_for("customers.customer", customer_id=customer.id,
                                    _anchor="agreements"), 303)
    return _detail(customer, status=400, agreement_form=form)


@bp.route("/<int:customer_id>/agreements/<int:agreement_id>", methods=["POST"])
@staff_only
def change_agreement(customer_id, agreement_id):
    """Change an agreement's dates: end it early, or extend it."""
    customer = _customer_or_404(customer_id)
    agreement = get_object_or_404(CustomerAgreement, (CustomerAgreement.id == agreement_id)
                                  & (CustomerAgreement.customer == customer.id))
    form = AgreementEndForm(prefix=f"a{agreement.id}")
    if form.validate():
        actions.change_agreement(agreement, form.starts_on.data, form.ends_on.data, current_user)
        flash(_("The agreement's dates are changed."), "success")
        return redirect(url_for("customers.customer", customer_id=customer.id,
                                _anchor="agreements"), 303)
    return _detail(customer, status=400, end_forms={agreement.id: form})


@bp.route("/<int:customer_id>/contacts", methods=["POST"])
@staff_only
def add_contact(customer_id):
    """Add a contact person to a customer."""
    customer = _customer_or_404(customer_id)
    form = ContactForm()
    if form.validate():
        try:
            actions.add_contact(customer, form.values(), current_user)
        except actions.CustomerProblem as problem:
            form.email.errors = [problem.message]
        else:
            flash(_("%(name)s is added.", name=form.name.data), "success")
            return redirect(url_for("customers.customer", customer_id=customer.id,
                                    _anchor="contacts"), 303)
    return _detail(customer, status=400, contact_form=form)


def _contact_or_404(customer, contact_id):
    return get_object_or_404(CustomerContact, (CustomerContact.id == contact_id)
                             & (CustomerContact.customer == customer.id))


@bp.route("/<int:customer_id>/contacts/<int:contact_id>", methods=["GET", "POST"])
@staff_only
def contact(customer_id, contact_id):
    """Show and change a contact person's details."""
    customer = _customer_or_404(customer_id)
    person = _contact_or_404(customer, contact_id)
    form = ContactForm(obj=person)
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            try:
                changed = actions.change_contact(person, form.values(), current_user)
            except actions.CustomerProblem as problem:
                form.email.errors = [problem.message]
            else:
                flash(_("Saved.") if changed else _("Nothing was changed."), "success")
                return redirect(url_for("customers.customer", customer_id=customer.id,
                                        _anchor="contacts"), 303)
    return render("customers/contact.html", status=status, customer=customer, contact=person,
                  form=form, keeps_details=actions.keeps_details(customer), empty=EmptyForm())


@bp.route("/<int:customer_id>/contacts/<int:contact_id>/remove", methods=["POST"])
@staff_only
def remove_contact(customer_id, contact_id):
    """Remove a contact person who no longer works with us."""
    customer = _customer_or_404(customer_id)
    person = _contact_or_404(customer, contact_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    actions.remove_contact(person, current_user)
    flash(_("%(name)s is removed.", name=person.name), "success")
    return redirect(url_for("customers.customer", customer_id=customer.id, _anchor="contacts"), 303)


# --- Sharing -------------------------------------------------------------------------------------

def _share_form(person, formdata=None):
    recipients = [(c.id, f"{c.customer.name}: {c.name}" + (f", {c.title}" if c.title else ""))
                  for c in sharing.recipients_offered()]
    labels = {"cv": _("CV"), "photo": _("Profile photo"), "certificate": _("Certificate")}
    documents = [(d.id, f"{labels.get(d.kind, d.kind)}: {d.filename}")
                 for d in sharing.shareable_documents(person)]
    return ShareForm(formdata=formdata).offer(
        recipients, [(c.key, c.label) for c in sharing.offered_categories()], documents)


def _share_page(person, form, status=200, problem=None):
    return render("customers/share.html", status=status, person=person, form=form,
                  problem=problem, consent=sharing.consent_of(person),
                  days=sharing.LINK_DAYS)


@bp.route("/share/<int:person_id>", methods=["GET", "POST"])
@staff_only
def share(person_id):
    """Choose whom to share a candidate with, and what; share it (with their consent only)."""
    if request.method == "GET":
        # The form shows what the candidate holds: an opening of their record, for matching.
        person = records.open_record(person_id, "matching", current_user)
        if person is None:
            abort(404)
        form = _share_form(person)
        if request.args.get("contact", "").isdigit():
            form.contact.data = request.args["contact"]
        return _share_page(person, form)
    person = get_object_or_404(Person, Person.id == person_id)
    form = _share_form(person, request.form)
    if not form.validate():
        return _share_page(person, form, 400)
    contact_id, categories, documents = form.chosen()
    try:
        disclosure = sharing.share(person, contact_id, categories, documents, current_user)
    except sharing.ShareProblem as problem:
        return _share_page(person, form, 409 if problem.code == "no_consent" else 400,
                           problem=problem.message)
    flash(_("Shared with %(contact)s at %(customer)s: they get an e-mail with a link that works "
            "for %(days)s days, opened with a code sent to their address.",
            contact=disclosure.contact.name, customer=disclosure.customer.name,
            days=sharing.LINK_DAYS), "success")
    return redirect(url_for("customers.customer", customer_id=disclosure.customer_id,
                            _anchor="shares"), 303)


@bp.route("/disclosures")
@staff_only
def disclosures():
    """Every share, newest first, with whether its link is open; links can be closed here."""
    return render("customers/disclosures.html", shares=sharing.lines(sharing.every_disclosure()),
                  empty=EmptyForm())


@bp.route("/disclosures/<int:disclosure_id>/revoke", methods=["POST"])
@staff_only
def revoke(disclosure_id):
    """Close a share's link at once."""
    disclosure = get_object_or_404(Disclosure, Disclosure.id == disclosure_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if sharing.revoke(disclosure, current_user):
        flash(_("The link is closed: it shows nothing any more."), "success")
    else:
        flash(_("This link was closed already."), "info")
    back = request.form.get("back")
    if back == "customer":
        return redirect(url_for("customers.customer", customer_id=disclosure.customer_id,
                                _anchor="shares"), 303)
    return redirect(url_for("customers.disclosures"), 303)


# --- The customer's page ---------------------------------------------------------------------------

LINKS = "shared"              # the purpose links are kept under in the session (portal/web/links)
PROVEN = "shared_proven"      # session: {disclosure id: until (epoch seconds)}
CODES = "shared_codes"        # session: {disclosure id: the challenge of the code sent}
PROVEN_MINUTES = 30


def _limit():
    return current_app.config.get("SHARED_LINK_LIMIT", "20 per hour")


def _session_map(key):
    value = session.get(key)
    return dict(value) if isinstance(value, dict) else {}


def _proven(disclosure):
    until = _session_map(PROVEN).get(str(disclosure.id))
    return isinstance(until, (int, float)) and until > time.time()


def _link_problem(problem):
    return render("customers/shared/problem.html", status=problem.status, message=problem.message)


def _opened_link(token, handle):
    """(disclosure, handle, response): the open disclosure of a link, or a response to return
    (the problem, or the 303 that takes the token out of the address)."""
    token = token or kept_token(LINKS, handle)
    if not token:
        return None, handle, _link_problem(sharing.LinkProblem("not_here"))
    try:
        disclosure = sharing.disclosure_of(token)
    except sharing.LinkProblem as problem:
        return None, handle, _link_problem(problem)
    handle, response = leave_token_url(LINKS, token, handle)
    return disclosure, handle, response


def _code_page(disclosure, handle, form=None, status=200, problem=None, sent=False):
    waiting = str(disclosure.id) in _session_map(CODES)
    return render("customers/shared/code.html", status=status, handle=handle, waiting=waiting,
                  form=form or CodeForm(formdata=None), problem=problem, sent=sent,
                  minutes=verification.CODE_MINUTES)


@shared_bp.route("/<token>", methods=["GET", "POST"])
@shared_bp.route("/link/<handle>", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
def page(token=None, handle=None):
    """What was shared, to the contact person who proves the address with a code; else the
    code step. A forwarded link shows nothing."""
    disclosure, handle, response = _opened_link(token, handle)
    if response is not None:
        return response
    if request.method == "POST":
        form = CodeForm()
        challenge = _session_map(CODES).get(str(disclosure.id))
        if not form.validate():
            return _code_page(disclosure, handle, form, 422)
        if not challenge:
            return _code_page(disclosure, handle, form, 422,
                              problem=_("Ask for a code first: we send it to the address "
                                        "this link was sent to."))
        try:
            sharing.prove(disclosure, challenge, form.code.data)
        except (verification.CodeProblem, sharing.LinkProblem) as problem:
            form.code.data = ""
            return _code_page(disclosure, handle, form, 422, problem=problem.message)
        codes = _session_map(CODES)
        codes.pop(str(disclosure.id), None)
        session[CODES] = codes
        proven = _session_map(PROVEN)
        proven[str(disclosure.id)] = time.time() + PROVEN_MINUTES * 60
        session[PROVEN] = proven
        return redirect(url_for("shared.page", handle=handle), 303)
    if not _proven(disclosure):
        return _code_page(disclosure, handle)
    sharing.opened(disclosure)
    return render("customers/shared/page.html", shared=sharing.shown(disclosure), handle=handle)


@shared_bp.route("/link/<handle>/code", methods=["POST"])
@public
@limiter.limit(_limit)
def send_code(handle):
    """E-mail a code to the address the link was sent to."""
    disclosure, handle, response = _opened_link(None, handle)
    if response is not None:
        return response
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        challenge = sharing.send_code(disclosure, str(get_locale() or "nb"))
    except (verification.TooManyCodes, TooManyMails) as problem:
        return _code_page(disclosure, handle, status=429, problem=problem.message)
    codes = _session_map(CODES)
    codes[str(disclosure.id)] = challenge.token
    session[CODES] = codes
    return _code_page(disclosure, handle, sent=True)


@shared_bp.route("/link/<handle>/documents/<int:document_id>")
@public
def document(handle, document_id):
    """A shared document, as an attachment, to the contact person who proved the address."""
    disclosure, handle, response = _opened_link(None, handle)
    if response is not None:
        return response
    if not _proven(disclosure):
        return redirect(url_for("shared.page", handle=handle), 303)
    found = sharing.shared_document(disclosure, document_id)
    if found is None:
        abort(404)
    try:
        data = read_document(found)
    except StorageError:
        abort(404)
    sharing.opened(disclosure, document=found)
    response = send_file(io.BytesIO(data), mimetype=found.content_type, as_attachment=True,
                         download_name=found.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response

