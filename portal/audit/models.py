"""Append-only, hash-chained audit trail: who did what to whose data, never the data itself.

An event is written unsealed (no chain fields) in the transaction of the change it records, so
that writers never wait on each other; the sealing job (portal/audit/actions.py: seal) gives
each committed event its place in the chain (`seq`), the hash of the event before it and its
own hash, one sealer at a time.
"""
from peewee import CharField, DateTimeField, IntegerField, TextField

from portal.db import BaseModel, utcnow


class AuditEvent(BaseModel):
    at = DateTimeField(default=utcnow, index=True)
    actor_id = IntegerField(null=True)       # User id; not a foreign key: the trail outlives users
    actor_role = CharField(max_length=16, default="anonymous")
    action = CharField(max_length=64, index=True)  # e.g. "booking.created"
    person_id = IntegerField(null=True, index=True)  # pseudonymous once the person is erased
    details = TextField(default="{}")        # JSON of ids and counts only
    # The chain, filled in by the sealing job; null while the event waits to be sealed.
    seq = IntegerField(null=True, unique=True)  # its place in the chain: 1, 2, 3, ...
    prev_hash = CharField(max_length=64, null=True)
    hash = CharField(max_length=64, null=True, unique=True)

    @property
    def sealed(self):
        return self.seq is not None
