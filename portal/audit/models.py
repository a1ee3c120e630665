"""Append-only, hash-chained audit trail: who did what to whose data, never the data itself."""
from peewee import CharField, DateTimeField, IntegerField, TextField

from portal.db import BaseModel, utcnow


class AuditEvent(BaseModel):
    at = DateTimeField(default=utcnow, index=True)
    actor_id = IntegerField(null=True)       # User id; not a foreign key: the trail outlives users
    actor_role = CharField(max_length=16, default="anonymous")
    action = CharField(max_length=64, index=True)  # e.g. "booking.created"
    person_id = IntegerField(null=True, index=True)  # pseudonymous once the person is erased
    details = TextField(default="{}")        # JSON of ids and counts only
    prev_hash = CharField(max_length=64)
    hash = CharField(max_length=64, unique=True)
