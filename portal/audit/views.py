"""The audit log for administrators: filters, keyset paging, and a check of the chain."""
import json
from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from portal.audit import actions
from portal.audit.forms import ROLE_LABELS, AuditFilterForm
from portal.audit.models import AuditEvent
from portal.auth.guard import roles
from portal.auth.models import User
from portal.web.formats import OSLO
from portal.web.forms import EmptyForm
from portal.web.render import render

bp = Blueprint("audit", __name__, url_prefix="/staff/admin/audit")

PAGE = 50


def _utc(day):
    """Midnight in Oslo at the start of `day`, as naive UTC (how times are stored)."""
    return datetime.combine(day, time(0), tzinfo=OSLO).astimezone(UTC).replace(tzinfo=None)


def _details(event):
    try:
        details = json.loads(event.details or "{}")
    except ValueError:
        return [("details", event.details)]
    return sorted(details.items()) if isinstance(details, dict) else [("details", event.details)]


def _actors(events):
    """E-mail addresses of the staff and administrators who acted, by user id."""
    ids = {e.actor_id for e in events if e.actor_id and e.actor_role in ("staff", "admin")}
    if not ids:
        return {}
    return {u.id: u.email for u in User.select(User.id, User.email).where(User.id.in_(ids))}


@bp.route("")
@roles("admin")
def log():
    """Show the audit trail, newest first, filtered, fifty events a page."""
    actions.seal()  # events that wait for the sealing job are shown with their place
    form = AuditFilterForm(request.args)
    form.action.choices += [SelectChoice(a, a) for a in actions.actions_in_use()]
    found, more = [], False
    if form.validate():
        query = actions.events(
            action=form.action.data or None, person_id=form.person.data,
            actor_id=form.actor.data, actor_role=form.role.data or None,
            since=_utc(form.since.data) if form.since.data else None,
            until=_utc(form.until.data + timedelta(days=1)) if form.until.data else None)
        before = form.before_id()
        if before is not None:
            query = query.where(AuditEvent.id < before)
        found = list(query.limit(PAGE + 1))
        more, found = len(found) > PAGE, found[:PAGE]
    filters = {k: v for k, v in request.args.items()
               if k in ("action", "person", "actor", "role", "since", "until") and v}
    return render("audit/log.html", form=form, events=found, details=_details,
                  actors=_actors(found), roles=ROLE_LABELS, check_form=EmptyForm(),
                  older=url_for("audit.log", **filters, before=found[-1].id) if more else None,
                  newest=url_for("audit.log", **filters) if form.before_id() else None,
                  status=400 if form.errors else 200)


@bp.route("/check", methods=["POST"])
@roles("admin")
def check():
    """Seal what waits and check every link of the chain; say what was found."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("audit.log"))
    result = actions.check_chain()
    if result.holds:
        flash(_("The chain holds: all %(n)s sealed events are unchanged and in order.",
                n=result.checked), "success")
    else:
        flash(_("The chain is broken at event %(id)s (place %(seq)s in the chain): %(reason)s",
                id=result.broken_id, seq=result.broken_seq, reason=_reason(result.reason)), "error")
    return redirect(url_for("audit.log"))


def _reason(key):
    return {
        "missing": _("events before it are missing."),
        "relinked": _("it does not follow the event before it; that one or this link was changed."),
        "changed": _("its contents were changed after it was sealed."),
    }[key]
