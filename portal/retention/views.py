"""The "keep my data" link of a retention notice, and the staff retention page."""
import json
from datetime import timedelta

from flask import Blueprint

from portal.auth.guard import public, staff_only
from portal.retention import actions
from portal.web.forms import EmptyForm
from portal.web.links import kept_token, leave_token_url
from portal.web.render import render

bp = Blueprint("retention", __name__)


@bp.route("/keep/<token>", methods=["GET", "POST"])
@bp.route("/keep/link/<handle>", methods=["GET", "POST"])
@public
def keep(token=None, handle=None):
    """Ask, then keep the person's data: new contact, a new date."""
    token = token or kept_token("keep", handle) or ""
    form = EmptyForm()
    try:
        if form.validate_on_submit():
            person, last_day = actions.keep(token)
            return render("retention/kept.html", last_day=last_day)
        actions.person_of_keep_link(token)
    except actions.KeepLinkProblem as problem:
        return render("retention/keep.html", problem=problem, form=None, status=404)
    handle, response = leave_token_url("keep", token, handle)
    if response is not None:
        return response
    return render("retention/keep.html", form=form, handle=handle, problem=None)


@bp.route("/staff/retention")
@staff_only
def overview():
    """Recent runs, and what falls due in the next 30 and 90 days."""
    today = actions.today_in_oslo()
    ahead = [(days, actions.preview(today + timedelta(days=days))) for days in (30, 90)]
    runs = [(run, json.loads(run.counts), json.loads(run.errors)) for run in actions.recent_runs()]
    return render("retention/staff.html", runs=runs, ahead=ahead, today=today,
                  timedelta=timedelta, rule_labels=actions.labels())
