"""Administrators' pages for legal holds: the list, placing one on a person, changing and
ending one (in place with htmx; plain posts without JavaScript)."""
from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from portal.auth.guard import roles
from portal.holds import actions
from portal.holds.forms import ChangeHoldForm, EndHoldForm, HoldForm
from portal.holds.models import LegalHold
from portal.people.models import Person
from portal.web.render import render, wants_fragment

bp = Blueprint("holds", __name__, url_prefix="/staff/holds")


@bp.app_context_processor
def hold_helpers():
    return {"hold_labels": actions.labels, "hold_standing": actions.is_standing,
            "hold_people": actions.people_of, "hold_kept": actions.kept_counts}


@bp.route("")
@roles("admin")
def overview():
    """List every legal hold: standing ones by their end, then ended ones."""
    holds = actions.all_holds()
    return render("holds/holds.html", holds=holds, people=actions.people_of(holds),
                  kept=actions.kept_counts(holds), soon=actions.ENDING_SOON_DAYS,
                  today=actions.today_in_oslo())


@bp.route("/new/<int:person_id>", methods=["GET", "POST"])
@roles("admin")
def place(person_id):
    """Place a hold on a person: a reason, its last day, the categories it keeps."""
    person = get_object_or_404(Person, Person.id == person_id)
    form = HoldForm()
    if not form.is_submitted():
        return render("holds/new.html", person=person, form=HoldForm(formdata=None),
                      standing=[h for h in actions.holds_of(person) if actions.is_standing(h)])
    problem = None
    if form.validate():
        try:
            hold = actions.place(person, form.reason.data, form.ends_on.data,
                                 form.categories.data, current_user)
        except actions.HoldProblem as refused:
            problem = refused.message
        else:
            flash(_("The hold is placed. It is in the audit log, and the person sees it on "
                    "their page."), "success")
            return redirect(url_for("holds.hold", hold_id=hold.id), 303)
    return render("holds/new.html", status=400, person=person, form=form, problem=problem,
                  standing=[h for h in actions.holds_of(person) if actions.is_standing(h)])


def _hold_page(hold, form=None, status=200, notice=None, problem=None):
    """The hold with its change and end forms; only the card for htmx (2xx, so it is swapped)."""
    hold = LegalHold.get_or_none(LegalHold.id == hold.id) or hold
    if form is None:
        form = ChangeHoldForm(formdata=None, obj=hold, categories=hold.categories)
    person = actions.people_of([hold]).get(hold.person_id)
    status = 200 if wants_fragment() else status
    return render("holds/hold.html", fragment="hold", status=status, hold=hold, person=person,
                  form=form, kept=actions.kept_counts([hold]).get(hold.id, 0), notice=notice,
                  problem=problem, standing=actions.is_standing(hold),
                  gone=LegalHold.get_or_none(LegalHold.id == hold.id) is None)


def _hold_or_404(hold_id):
    return get_object_or_404(LegalHold, LegalHold.id == hold_id)


@bp.route("/<int:hold_id>", methods=["GET", "POST"])
@roles("admin")
def hold(hold_id):
    """Show a hold, or change its reason, end or categories."""
    found = _hold_or_404(hold_id)
    form = ChangeHoldForm()
    if not form.is_submitted():
        return _hold_page(found)
    if not form.validate():
        if "version" in form.errors or "csrf_token" in form.errors:
            return _hold_page(found, status=409, problem=actions.HoldProblem("changed").message)
        return _hold_page(found, form=form, status=400)
    try:
        changed = actions.change(found, form.version.data, form.reason.data, form.ends_on.data,
                                 form.categories.data, current_user)
    except actions.HoldProblem as refused:
        return _hold_page(found, status=409, problem=refused.message)
    notice = (_("Changed. The change is in the audit log.") if changed.version != found.version
              else _("Nothing was changed."))
    if not wants_fragment():
        flash(notice, "success")
        return redirect(url_for("holds.hold", hold_id=found.id), 303)
    return _hold_page(changed, notice=notice)


@bp.route("/<int:hold_id>/end", methods=["POST"])
@roles("admin")
def end(hold_id):
    """End a hold before its time."""
    found = _hold_or_404(hold_id)
    form = EndHoldForm()
    if not form.validate():
        return _hold_page(found, status=409, problem=actions.HoldProblem("changed").message)
    try:
        actions.end(found, form.version.data, current_user)
    except actions.HoldProblem as refused:
        return _hold_page(found, status=409, problem=refused.message)
    notice = (_("The hold has ended, and what it kept of the erased person is erased now.")
              if found.erased else _("The hold has ended. It is in the audit log."))
    if not wants_fragment():
        flash(notice, "success")
        if found.erased:
            return redirect(url_for("holds.overview"), 303)
        return redirect(url_for("holds.hold", hold_id=found.id), 303)
    return _hold_page(found, notice=notice)

