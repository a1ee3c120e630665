"""Staff review a correction: each proposed value beside what is held, accepted or refused with
a reason; the statements the person added. Opening it opens the person's record (kept and
audited, for handling a privacy request)."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from portal.auth.guard import staff_only
from portal.candidates.overview import evaluation_title
from portal.corrections import actions
from portal.corrections.forms import DecisionForm
from portal.people.models import Person
from portal.requests import actions as requests
from portal.requests.models import PrivacyRequest
from portal.staff import record as records
from portal.web.render import render, wants_fragment

bp = Blueprint("corrections", __name__)


@bp.app_context_processor
def correction_helpers():
    return {"evaluation_title": evaluation_title}


def _correction_or_404(request_id):
    asked = get_object_or_404(PrivacyRequest, PrivacyRequest.id == request_id)
    if asked.kind != "correction":
        abort(404)
    return asked


def _page(asked, form=None, status=200, errors=None, chosen=None, problem=None, notice=None):
    """The review, or (for htmx) its section; a refusal is a 200 there so that it is swapped."""
    person = Person.get_or_none(Person.id == asked.person_id) if asked.person_id else None
    status = 200 if wants_fragment() else status
    return render("corrections/review.html", fragment="review", status=status, r=asked,
                  person=person, outcomes=actions.proposals_of(asked, person),
                  statements=actions.statements_of(asked),
                  form=form or DecisionForm(formdata=None, version=asked.version),
                  errors=errors or {}, chosen=chosen or {}, problem=problem, notice=notice)


@bp.route("/staff/requests/<int:request_id>/correction")
@staff_only
def review(request_id):
    """Show a correction: each proposed value beside what is held now, to accept or refuse."""
    asked = _correction_or_404(request_id)
    if asked.person_id is not None and asked.is_open:
        records.open_record(asked.person_id, "privacy_request", current_user)
    return _page(asked)


@bp.route("/staff/requests/<int:request_id>/correction", methods=["POST"])
@staff_only
def decide(request_id):
    """Accept or refuse each proposed value (with a reason), apply the accepted ones, and tell
    the person the outcome per value."""
    asked = _correction_or_404(request_id)
    form = DecisionForm()
    outcomes = actions.proposals_of(asked)
    decisions, errors = form.decisions(outcomes, request.form)
    chosen = {i: d for i, d in decisions.items()}
    if not form.validate():
        if "version" in form.errors or "csrf_token" in form.errors:
            return _page(asked, status=409, problem=requests.RequestProblem("changed").message)
        return _page(asked, form=form, status=400, errors=errors, chosen=chosen)
    if errors:
        return _page(asked, form=form, status=400, errors=errors, chosen=chosen)
    try:
        actions.decide(asked, current_user, form.version.data, decisions, form.message.data)
    except requests.RequestProblem as problem:
        return _page(PrivacyRequest.get_by_id(asked.id), status=409, problem=problem.message)
    except actions.CorrectionProblem as refused:
        return _page(asked, form=form, status=400, errors=refused.problems, chosen=chosen)
    notice = _("Decided: the accepted values are corrected, and the person has been told the "
               "outcome of each.")
    if not wants_fragment():
        flash(notice, "success")
        return redirect(url_for("staff.queue"), 303)
    return _page(PrivacyRequest.get_by_id(asked.id), notice=notice)
