"""Asking about one's data (publicly with a code, or from the account), following a request,
downloading a copy, and the staff steps in the queue."""
import time

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from portal import storage
from portal.auth import actions as auth_actions
from portal.auth.guard import public, roles, staff_only
from portal.corrections import actions as corrections
from portal.corrections.forms import CorrectionInput
from portal.extensions import limiter
from portal.mail.limits import TooManyMails
from portal.people import registry
from portal.people.actions import current_person, own_or_404
from portal.people.models import Person
from portal.requests import actions, deadlines, staff_queue
from portal.requests.forms import (
    KIND_LABELS,
    AddressForm,
    AskForm,
    DenyForm,
    DoneForm,
    ExtendForm,
    PublicAskForm,
    StepForm,
)
from portal.requests.models import BUILDING, QUEUED, READY, PrivacyRequest
from portal.staff.queue import safe_back
from portal.verification import actions as verification
from portal.verification.forms import CodeForm
from portal.web.forms import EmptyForm
from portal.web.render import render, wants_fragment
from portal.web.views import safe_next

bp = Blueprint("requests", __name__)

WAITING = "privacy_request"    # session: the token of this browser's request waiting for a code
PROVING = "privacy_proving"    # session: {email, challenge, next} while a code is on its way
PROVEN = "privacy_proven"      # session: {email, until}: an address proven by a code just now
PROVEN_MINUTES = 30


def _limit():
    return current_app.config.get("PRIVACY_REQUEST_LIMIT", "10 per hour")


def _locale():
    return str(get_locale() or "nb")


@bp.app_context_processor
def request_helpers():
    return {"request_kind_labels": KIND_LABELS, "request_status_labels": actions.STATUS_LABELS,
            "request_steps": actions.steps, "request_days_left": deadlines.days_left,
            "request_urgency": deadlines.urgency,
            "request_proposals": corrections.proposals_of,
            "request_statements": corrections.statements_of}


def _public_corrections(formdata=None):
    """The correction part of the public form: every field, as nobody is known yet."""
    return CorrectionInput(corrections.offered(account=False), formdata)


def _account_corrections(person, formdata=None):
    """The correction part of the account's form: what the person cannot change themself and
    that we hold, and a statement beside each evaluation staff wrote."""
    from portal.candidates.models import Evaluation
    found = [f for f in corrections.offered(account=True)
             if corrections.current_row(f, person) is not None]
    evaluations = list(Evaluation.select().where(Evaluation.person == person.id)
                       .order_by(Evaluation.held_on.desc(nulls="LAST"), Evaluation.id.desc()))
    return CorrectionInput(found, formdata, person=person, evaluations=evaluations,
                           self_service=[f for f in corrections.fields() if f.self_service])


def _proposed(form):
    """The checked values of a correction, {key: Checked}; nothing for other kinds."""
    return form.corrections.values if form.kind.data == "correction" else None


def _proven_email():
    """The address this browser proved with a code in the last PROVEN_MINUTES, or None."""
    proven = session.get(PROVEN)
    if isinstance(proven, dict) and isinstance(proven.get("until"), (int, float)) \
            and proven["until"] > time.time() and isinstance(proven.get("email"), str):
        return proven["email"]
    return None


def _prove(email):
    session[PROVEN] = {"email": email, "until": time.time() + PROVEN_MINUTES * 60}


# --- Asking without an account ---------------------------------------------------------------

def _new_page(form, status=200, problem=None):
    return render("requests/new.html", form=form, status=status, problem=problem)


@bp.route("/privacy/requests/new", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
def new():
    """Ask about one's data without an account: name, e-mail, what, proven by a code."""
    if request.method == "GET":
        kind = request.args.get("kind")
        return _new_page(PublicAskForm(formdata=None, kind=kind if kind in KIND_LABELS else None,
                                       corrections=_public_corrections()))
    form = PublicAskForm(corrections=_public_corrections(request.form))
    if form.is_robot:
        form.website.errors = [_("Leave this field empty.")]
        return _new_page(form, status=422)
    if not form.validate():
        return _new_page(form, status=422)
    try:
        asked = actions.ask_publicly(form.kind.data, form.name.data, form.email.data,
                                     form.details.data, _locale(), request.remote_addr,
                                     replaces=session.get(WAITING), proposals=_proposed(form))
    except (actions.RequestProblem, verification.TooManyCodes, TooManyMails) as problem:
        return _new_page(form, status=429, problem=problem.message)
    session.pop(PROVING, None)
    session[WAITING] = asked.token
    return redirect(url_for("requests.code"), 303)


def _code_page(email, form, status=200, problem=None, sent_again=False, asking=False):
    return render("requests/code.html", status=status, form=form, email=email, problem=problem,
                  sent_again=sent_again, asking=asking, minutes=verification.CODE_MINUTES)


def _gone():
    return _new_page(PublicAskForm(formdata=None, corrections=_public_corrections()), status=410,
                     problem=actions.RequestProblem("gone").message)


def _proving():
    proving = session.get(PROVING)
    if isinstance(proving, dict) and isinstance(proving.get("challenge"), str):
        return proving
    return None


@bp.route("/privacy/requests/code", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
def code():
    """Take the code sent to the address: it confirms a request, or opens one's requests."""
    asked, proving = actions.waiting(session.get(WAITING)), _proving()
    if asked is None and proving is None:
        return _gone() if request.method == "POST" else redirect(url_for("requests.new"))
    email = asked.email if asked else proving["email"]
    form = CodeForm()
    if request.method == "GET":
        return _code_page(email, CodeForm(formdata=None), asking=asked is not None)
    if not form.validate():
        return _code_page(email, form, status=422, asking=asked is not None)
    try:
        if asked is not None:
            result = actions.confirm(asked, form.code.data)
        else:
            result = verification.check(proving["challenge"], form.code.data, actions.PURPOSE)
    except verification.CodeProblem as problem:
        form.code.data = ""
        return _code_page(email, form, status=422, problem=problem, asking=asked is not None)
    except actions.RequestProblem as problem:
        session.pop(WAITING, None)
        if problem.code == "full":  # the open request it joins holds as much as it can
            return _new_page(PublicAskForm(formdata=None, corrections=_public_corrections()),
                             status=429, problem=problem.message)
        return _gone()  # the same code sent twice at once: the first one counted
    session.pop(WAITING, None)
    session.pop(PROVING, None)
    _prove(result.email)
    if asked is None:
        return redirect(safe_next(proving.get("next"), url_for("requests.mine")))
    if getattr(result, "joined", False):
        flash(_("You already had a request like this with us: we added this one to it."), "info")
    else:
        flash(_("Thank you. Your request is confirmed, and we answer it by e-mail by "
                "%(date)s at the latest.", date=_when(result.due_on)), "success")
    return redirect(url_for("requests.mine"))


def _when(day):
    from portal.web.formats import format_when
    return format_when(day, "date")


@bp.route("/privacy/requests/code/new", methods=["POST"])
@public
@limiter.limit(_limit)
def new_code():
    """Send a new code to the address this browser is proving."""
    asked, proving = actions.waiting(session.get(WAITING)), _proving()
    if asked is None and proving is None:
        return _gone()
    email = asked.email if asked else proving["email"]
    if not EmptyForm().validate_on_submit():
        return _code_page(email, CodeForm(formdata=None), status=400, asking=asked is not None)
    try:
        if asked is not None:
            actions.new_code(asked)
        else:
            challenge = verification.start(email, actions.PURPOSE, _locale())
            session[PROVING] = dict(proving, challenge=challenge.token)
    except (verification.TooManyCodes, TooManyMails) as problem:
        return _code_page(email, CodeForm(formdata=None), status=429, problem=problem,
                          asking=asked is not None)
    return _code_page(email, CodeForm(formdata=None), sent_again=True, asking=asked is not None)


@bp.route("/privacy/requests", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
def mine():
    """Show the requests of the address this browser proved; else send a code to prove it."""
    proven = _proven_email()
    if request.method == "POST":
        form = AddressForm()
        if not form.validate():
            return render("requests/mine.html", form=form, status=422, proven=None)
        try:
            challenge = verification.start(form.email.data, actions.PURPOSE, _locale())
        except (verification.TooManyCodes, TooManyMails) as problem:
            return render("requests/mine.html", form=form, status=429, proven=None,
                          problem=problem.message)
        session.pop(WAITING, None)
        session[PROVING] = {"email": form.email.data, "challenge": challenge.token,
                            "next": safe_next(form.next.data, "")}
        return redirect(url_for("requests.code"), 303)
    form = AddressForm(formdata=None, next=request.args.get("next", ""))
    found = list(actions.requests_of(email=proven)) if proven else []
    return render("requests/mine.html", form=form, proven=proven, found=found,
                  exports={r.id: actions.export_of(r) for r in found},
                  download_url=_download_url, empty=EmptyForm())


@bp.route("/privacy/requests/<int:request_id>/withdraw", methods=["POST"])
@public
@limiter.limit(_limit)
def withdraw_proven(request_id):
    """Withdraw an erasure request asked from the address this browser proved."""
    proven = _proven_email()
    asked = actions.requests_of(email=proven).where(PrivacyRequest.id == request_id).first() \
        if proven else None
    if asked is None or not EmptyForm().validate_on_submit():
        return redirect(url_for("requests.mine"), 303)
    _withdraw(asked)
    return redirect(url_for("requests.mine"), 303)


def _withdraw(asked):
    try:
        actions.withdraw(asked)
    except actions.RequestProblem as problem:
        flash(problem.message, "error")
    else:
        flash(_("Your erasure request is withdrawn. We keep your data as before."), "success")


def _download_url(export):
    """The download link of a released copy still to be had, else None."""
    if export is None or export.status != READY or export.released_at is None \
            or export.is_expired:
        return None
    return url_for("requests.download", token=actions.download_token(export))


# --- Downloading a copy ----------------------------------------------------------------------

def _link_problem(problem):
    return render("requests/link_problem.html", status=problem.status, message=problem.message)


@bp.route("/privacy/exports/<token>")
@public
def download(token):
    """Send a released copy to its owner: logged in again, or with a fresh code."""
    try:
        export = actions.export_from_token(token)
    except actions.LinkProblem as problem:
        return _link_problem(problem)
    user = current_user if current_user.is_authenticated else None
    proven = _proven_email()
    by_code = bool(proven) and actions.owns(export, proven_email=proven)
    if user is not None and (user.is_staff or user.person is None):
        return _link_problem(actions.LinkProblem("not_yours"))
    if user is not None:
        if not actions.owns(export, person=user.person):
            return _link_problem(actions.LinkProblem("not_yours"))
        if not (auth_actions.is_fresh(user) or by_code):
            return render("requests/identify.html", form=AddressForm(formdata=None),
                          next=request.path, logged_in=True)
        return _send(export, user)
    if by_code:
        return _send(export, None)
    if proven:
        return _link_problem(actions.LinkProblem("not_yours"))
    return render("requests/identify.html", form=AddressForm(formdata=None, next=request.path),
                  next=request.path, logged_in=False)


def _send(export, user):
    try:
        chunks = storage.stream(export.storage_id)
    except storage.StorageError:
        return _link_problem(actions.LinkProblem("expired"))
    actions.mark_downloaded(export, user)
    response = Response(chunks, mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="ressursbasen-data-{export.request_id}.zip"')
    response.headers["Content-Length"] = str(export.size)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Asking from the account -------------------------------------------------------------------

REAUTH = "privacy_reauth"  # session: the challenge of a code that re-authenticates


def _account_page(person, form, status=200, problem=None):
    fresh = auth_actions.is_fresh(current_user)
    return render("requests/account.html", status=status, person=person, form=form, fresh=fresh,
                  problem=problem, found=list(actions.requests_of(person=person)),
                  empty=EmptyForm(),
                  self_service=[f for f in corrections.fields() if f.self_service])


def _account_key():
    return f"account-{current_user.get_id()}"


@bp.route("/account/requests", methods=["GET", "POST"])
@roles("candidate")
@limiter.limit(_limit, methods=["POST"], key_func=_account_key)
def account():
    """List one's requests, and ask a new one after confirming it is you."""
    person = current_person()
    if request.method == "GET":
        kind = request.args.get("kind")
        return _account_page(person, AskForm(formdata=None,
                                             kind=kind if kind in KIND_LABELS else None,
                                             corrections=_account_corrections(person)))
    form = AskForm(corrections=_account_corrections(person, request.form))
    if not auth_actions.is_fresh(current_user):
        return _account_page(person, form, status=403, problem=_(
            "Confirm it is you first, with your password or a code to your e-mail address. "
            "Nothing was sent."))
    if not form.validate():
        return _account_page(person, form, status=422)
    statements = form.corrections.statement_texts if form.kind.data == "correction" else None
    try:
        asked = actions.ask_as_candidate(person, form.kind.data, form.details.data, _locale(),
                                         proposals=_proposed(form), statements=statements)
    except actions.RequestProblem as problem:
        return _account_page(person, form, status=429, problem=problem.message)
    except registry.NotRectifiable as refused:
        return _account_page(person, form, status=422, problem=str(refused.message))
    if asked.joined:
        flash(_("You already had a request like this with us: we added this one to it."), "info")
    else:
        flash(_("Your request is received. We answer it by %(date)s at the latest.",
                date=_when(asked.due_on)), "success")
    return redirect(url_for("requests.detail", request_id=asked.id), 303)


@bp.route("/account/requests/code/send", methods=["POST"])
@roles("candidate")
def account_send_code():
    """E-mail a code to the account's address: giving it confirms it is you."""
    current_person()
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("requests.account"))
    try:
        challenge = verification.start(current_user.email, actions.PURPOSE, _locale())
    except (verification.TooManyCodes, TooManyMails) as problem:
        flash(problem.message, "error")
        return redirect(url_for("requests.account"))
    session[REAUTH] = challenge.token
    return redirect(url_for("requests.account_code"), 303)


@bp.route("/account/requests/code", methods=["GET", "POST"])
@roles("candidate")
def account_code():
    """Take the code sent to the account's address, and confirm it is you for 10 minutes."""
    current_person()
    token = session.get(REAUTH)
    if not isinstance(token, str):
        return redirect(url_for("requests.account"))
    form = CodeForm()
    page = dict(email=current_user.email, minutes=verification.CODE_MINUTES, account=True)
    if request.method == "GET":
        return render("requests/code.html", form=CodeForm(formdata=None), **page)
    if not form.validate():
        return render("requests/code.html", form=form, status=422, **page)
    try:
        challenge = verification.check(token, form.code.data, actions.PURPOSE)
        if challenge.email != current_user.email.lower():  # the account's address changed
            raise verification.CodeProblem("unknown")
    except verification.CodeProblem as problem:
        form.code.data = ""
        return render("requests/code.html", form=form, status=422, problem=problem, **page)
    session.pop(REAUTH, None)
    auth_actions.mark_fresh(current_user)
    flash(_("Thank you, it is you. You can ask now."), "success")
    return redirect(url_for("requests.account"))


def _own_request(request_id):
    return own_or_404(PrivacyRequest, request_id, current_person())


def _detail_context(asked):
    export = actions.export_of(asked)
    polling = export is not None and export.status in (QUEUED, BUILDING) and asked.is_open
    return dict(req=asked, export=export, polling=polling, download=_download_url(export),
                empty=EmptyForm())


@bp.route("/account/requests/<int:request_id>")
@roles("candidate")
def detail(request_id):
    """Show one of one's requests: where it stands, its due date, and its copy."""
    return render("requests/detail.html", **_detail_context(_own_request(request_id)))


@bp.route("/account/requests/<int:request_id>/withdraw", methods=["POST"])
@roles("candidate")
def withdraw(request_id):
    """Withdraw one's erasure request, until staff approve it."""
    asked = _own_request(request_id)
    if EmptyForm().validate_on_submit():
        _withdraw(asked)
    return redirect(url_for("requests.detail", request_id=asked.id), 303)


@bp.route("/account/requests/<int:request_id>/progress")
@roles("candidate")
def progress(request_id):
    """How far the copy has come (polled); 286 stops the polling once there is no more to wait for."""
    context = _detail_context(_own_request(request_id))
    status = 286 if wants_fragment() and not context["polling"] else 200
    return render("requests/detail.html", fragment="progress", status=status, **context)


# --- Staff steps in the queue -------------------------------------------------------------------

def _row(asked, notice=None, problem=None, errors=None, action=None):
    """The request's row for htmx to swap in; without JavaScript, back to the queue's page the
    form came from, with the message (htmx swaps only 2xx answers, so a refusal is a 200 with
    its message here)."""
    back = safe_back(request.form.get("back"))
    if wants_fragment():
        return render("requests/_staff_row.html", item=staff_queue.item_of(asked), notice=notice,
                      problem=problem, errors=errors or {}, action=action, back=back)
    flash(problem or notice or " ".join(e for es in (errors or {}).values() for e in es),
          "error" if problem or errors else "success")
    return redirect(f"{back}#request-{asked.id}", 303)


def _staff_step(request_id, form_class, action, step, done):
    asked = get_object_or_404(PrivacyRequest, PrivacyRequest.id == request_id)
    form = form_class()
    if not form.validate():
        errors = {k: [str(e) for e in v] for k, v in form.errors.items()}
        if "version" in errors or "csrf_token" in errors:
            return _row(asked, problem=actions.RequestProblem("changed").message, action=action)
        return _row(asked, errors=errors, action=action)
    try:
        asked = step(asked, form)
    except actions.RequestProblem as problem:
        return _row(PrivacyRequest.get_by_id(asked.id), problem=problem.message, action=action)
    return _row(asked, notice=done)


@bp.route("/staff/requests/<int:request_id>/start", methods=["POST"])
@staff_only
def start(request_id):
    """Take a request on: in progress."""
    return _staff_step(request_id, StepForm, "start", lambda r, f: actions.start(
        r, current_user, f.version.data), _("Taken on: the person has been told."))


@bp.route("/staff/requests/<int:request_id>/extend", methods=["POST"])
@staff_only
def extend(request_id):
    """Extend the due date, with a reason e-mailed to the person."""
    return _staff_step(request_id, ExtendForm, "extend", lambda r, f: actions.extend(
        r, current_user, f.version.data, int(f.months.data), f.reason.data),
        _("Extended: the person has been told why, and the new due date."))


@bp.route("/staff/requests/<int:request_id>/deny", methods=["POST"])
@staff_only
def deny(request_id):
    """Deny a request, with a reason the person sees."""
    return _staff_step(request_id, DenyForm, "deny", lambda r, f: actions.deny(
        r, current_user, f.version.data, f.reason.data),
        _("Denied: the person has been told why."))


@bp.route("/staff/requests/<int:request_id>/done", methods=["POST"])
@staff_only
def done(request_id):
    """Mark a request done, with an optional message to the person."""
    return _staff_step(request_id, DoneForm, "done", lambda r, f: actions.finish(
        r, current_user, f.version.data, f.message.data), _("Done: the person has been told."))


@bp.route("/staff/requests/<int:request_id>/release", methods=["POST"])
@staff_only
def release(request_id):
    """Approve and release the copy of an access request proven by a code only."""
    return _staff_step(request_id, StepForm, "release", lambda r, f: actions.release(
        r, current_user, f.version.data),
        _("Released: the person has a download link for five days."))



# --- Erasure: what it removes and keeps, and approving it --------------------------------------

def _erasure_page(asked, status=200, problem=None, done=None):
    """The erasure preview with its approve button, or what was done; the section alone for
    htmx (2xx, so that it is swapped in)."""
    person = Person.get_or_none(Person.id == asked.person_id) if asked.person_id else None
    preview = _preview(asked) if asked.email and not done else None
    if preview is None and not (done or problem) and asked.email and asked.person_id is None:
        problem = actions.RequestProblem("not_by_address").message
    status = 200 if wants_fragment() else status
    return render("requests/erasure.html", fragment="erasure", status=status, r=asked,
                  person=person, preview=preview, problem=problem, done=done)


def _preview(asked):
    """What erasing the request's subject does now: a Person, or whoever is known only by the
    request's address (a contact person, a reference)."""
    person = Person.get_or_none(Person.id == asked.person_id) if asked.person_id else None
    if asked.person_id and person is None:
        return None  # erased meanwhile
    subject = actions.subject_of(asked)
    if person is None and subject.person is not None:
        return None  # the address is a candidate's now: not this request's to erase
    return registry.erasure_preview(person, subject=subject)


@bp.route("/staff/requests/<int:request_id>/erasure")
@staff_only
def erasure(request_id):
    """Show exactly what approving an erasure request removes, what stays and why."""
    asked = PrivacyRequest.get_or_none(PrivacyRequest.id == request_id)
    if asked is None:
        return _erasure_gone(request_id)
    if asked.kind != "erasure":
        abort(404)
    return _erasure_page(asked)


def _erasure_gone(request_id):
    """A request that no longer exists: say whether this request's erasure took it."""
    tombstone = actions._erased_by(request_id)
    problem = (actions.RequestProblem("approved_already", tombstone=tombstone.id) if tombstone
               else actions.RequestProblem("request_gone"))
    gone = PrivacyRequest(id=request_id, kind="erasure", status="done")
    return _erasure_page(gone, status=410 if tombstone is None else 409,
                         problem=problem.message)


@bp.route("/staff/requests/<int:request_id>/erase", methods=["POST"])
@staff_only
def erase(request_id):
    """Approve an erasure request: the person is erased now, and told."""
    asked = PrivacyRequest.get_or_none(PrivacyRequest.id == request_id)
    if asked is None:
        return _erasure_gone(request_id)
    if asked.kind != "erasure":
        abort(404)
    form = StepForm()
    if not form.validate():
        return _erasure_page(asked, status=409, problem=actions.RequestProblem("changed").message)
    before = _preview(asked)
    try:
        tombstone = actions.approve_erasure(asked, current_user, form.version.data)
    except actions.RequestProblem as problem:
        current = PrivacyRequest.get_or_none(PrivacyRequest.id == request_id)
        return _erasure_page(current or asked, status=409, problem=problem.message)
    done = {"tombstone": tombstone.id, "held": before.of("hold") if before else [],
            "holds": before.holds if before else []}
    if not wants_fragment():
        flash(_("Erased (erasure number %(id)s). The person gets a confirmation, and then we no "
                "longer hold their address.", id=tombstone.id), "success")
        return redirect(url_for("staff.queue"), 303)
    return _erasure_page(asked, done=done)
