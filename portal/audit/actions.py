"""Write and verify the audit trail."""
import hashlib
import json

from flask import has_request_context
from flask_login import current_user

from portal.audit.models import AuditEvent
from portal.db import db, is_postgres, utcnow

GENESIS = "0" * 64


def _digest(prev_hash, event):
    payload = json.dumps([prev_hash, event.at.isoformat(), event.actor_id, event.actor_role,
                          event.action, event.person_id, event.details], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def record(action, person=None, actor=None, **details):
    """Append an audit event; call inside the transaction of the change it records."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if is_postgres():
        # One writer at a time extends the chain; the lock ends with the transaction.
        db.execute_sql("SELECT pg_advisory_xact_lock(4242)")
    last = AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).first()
    event = AuditEvent(
        at=utcnow(), actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else "anonymous", action=action,
        person_id=person.id if person is not None and not isinstance(person, int) else person,
        details=json.dumps(details, sort_keys=True, default=str),
        prev_hash=last.hash if last else GENESIS)
    event.hash = _digest(event.prev_hash, event)
    event.save()
    return event


def verify_chain():
    """Return the id of the first event whose hash does not hold, or None if all hold."""
    prev = GENESIS
    for event in AuditEvent.select().order_by(AuditEvent.id).iterator():
        if event.prev_hash != prev or _digest(prev, event) != event.hash:
            return event.id
        prev = event.hash
    return None
