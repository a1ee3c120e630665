"""Write, seal and verify the audit trail.

`record()` writes an event in the transaction of the change it records and takes no lock, so
a hundred staff reading records at once never wait on each other. `seal()` (every minute from
`rq cron`, and on demand before the chain is checked or the log is shown) gives each committed
event, in id order, its place in the chain (`seq`), the hash of the event before it and its
own hash; one sealer at a time, under a PostgreSQL advisory lock (SQLite has one writer anyway).
An event that commits after a later one was sealed simply gets the next place: the chain's
order is `seq`, not `id`. `check_chain()` walks the sealed events in `seq` order and reports
the first broken link.
"""
import hashlib
import json
import logging
from dataclasses import dataclass

from flask import has_request_context
from flask_login import current_user

from portal.audit.models import AuditEvent
from portal.db import db, is_postgres, prepared_insert, utcnow

GENESIS = "0" * 64
SEAL_LOCK = 4242  # the PostgreSQL advisory lock only sealers take
SEAL_BATCH = 500  # events sealed per transaction

log = logging.getLogger(__name__)


def _digest(prev_hash, event):
    # The same fields and format as before sealing existed: chains written then still hold.
    payload = json.dumps([prev_hash, event.at.isoformat(), event.actor_id, event.actor_role,
                          event.action, event.person_id, event.details], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _postgres():
    return is_postgres()


_new_event = prepared_insert(AuditEvent)  # on every booking and record view: SQL built once


def record(action, person=None, actor=None, **details):
    """Append an audit event; call inside the transaction of the change it records.

    No lock and no read of the chain: the event is sealed into the chain after it commits.
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    return _new_event(
        at=utcnow(), actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else "anonymous", action=action,
        person_id=person.id if person is not None and not isinstance(person, int) else person,
        details=json.dumps(details, sort_keys=True, default=str))


def seal():
    """Chain every committed event that waits, in id order; returns how many were sealed."""
    total = 0
    while True:
        with db.atomic():
            if _postgres():
                # Sealers only: record() never takes it. Ends with the transaction.
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (SEAL_LOCK,))
            waiting = list(AuditEvent.select().where(AuditEvent.seq.is_null())
                           .order_by(AuditEvent.id).limit(SEAL_BATCH))
            if not waiting:
                return total
            tail = (AuditEvent.select(AuditEvent.seq, AuditEvent.hash)
                    .where(AuditEvent.seq.is_null(False)).order_by(AuditEvent.seq.desc()).first())
            prev, seq = (tail.hash, tail.seq) if tail else (GENESIS, 0)
            for event in waiting:
                seq += 1
                digest = _digest(prev, event)
                AuditEvent.update(seq=seq, prev_hash=prev, hash=digest).where(
                    AuditEvent.id == event.id).execute()
                prev = digest
            total += len(waiting)
        # The end of the chain, in the log: kept elsewhere, it shows events removed from the end.
        log.info("audit chain sealed up to place %s, hash %s", seq, prev)
        if len(waiting) < SEAL_BATCH:
            return total


@dataclass(frozen=True)
class ChainCheck:
    """What `check_chain()` found: how many links held, and the first that did not."""
    checked: int
    unsealed: int
    last_seq: int = 0        # the end of the chain (when it holds)
    last_hash: str = GENESIS
    broken_id: int = None    # the id of the first event whose link does not hold
    broken_seq: int = None   # its place in the chain
    reason: str = None       # "missing", "relinked" or "changed"

    @property
    def holds(self):
        return self.broken_id is None


REASONS = {
    "missing": "events before it in the chain are missing",
    "relinked": "it does not follow the event before it (that one was changed, or this link was)",
    "changed": "its contents were changed after it was sealed",
}


def check_chain(seal_first=True):
    """Walk the sealed events in chain order; the first broken link, if any, is reported."""
    if seal_first:
        seal()
    prev, expected, checked = GENESIS, 1, 0
    sealed = AuditEvent.select().where(AuditEvent.seq.is_null(False)).order_by(AuditEvent.seq)
    for event in sealed.iterator():
        reason = ("missing" if event.seq != expected else
                  "relinked" if event.prev_hash != prev else
                  "changed" if _digest(prev, event) != event.hash else None)
        if reason:
            return ChainCheck(checked, _unsealed(), broken_id=event.id, broken_seq=event.seq,
                              reason=reason)
        prev, expected, checked = event.hash, expected + 1, checked + 1
    return ChainCheck(checked, _unsealed(), last_seq=expected - 1, last_hash=prev)


def _unsealed():
    return AuditEvent.select().where(AuditEvent.seq.is_null()).count()


def verify_chain():
    """Seal what waits, then return the id of the first event whose link does not hold, or None."""
    return check_chain().broken_id


ROLES = ("anonymous", "candidate", "staff", "admin")


def events(action=None, person_id=None, actor_id=None, actor_role=None, since=None, until=None):
    """The events matching every filter given (times naive UTC, `until` exclusive), newest first."""
    query = AuditEvent.select().order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if person_id is not None:
        query = query.where(AuditEvent.person_id == person_id)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if actor_role:
        query = query.where(AuditEvent.actor_role == actor_role)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return query


def actions_in_use():
    """Every action the trail holds, for the viewer's filter."""
    return [row.action for row in AuditEvent.select(AuditEvent.action).distinct()
            .order_by(AuditEvent.action)]
