"""The person the portal holds data about: booking-stage fields and the stage reached."""
from peewee import CharField, DateTimeField, TextField

from portal import catalog
from portal.db import BaseModel, utcnow


class Person(BaseModel):
    """A data subject. Booking-stage fields only; candidate-stage data lives in the profile."""
    name = CharField(max_length=200)
    street = CharField(max_length=200, default="")
    postal_code = CharField(max_length=20, default="")
    place = CharField(max_length=100, default="")
    country = CharField(max_length=2, default="NO")
    email = CharField(max_length=254, unique=True)  # stored lower-case
    phone = CharField(max_length=32, default="")  # E.164
    stage = CharField(max_length=16, default=catalog.BOOKING)
    locale = CharField(max_length=5, default="nb")
    last_contact_at = DateTimeField(default=utcnow, index=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    @property
    def is_candidate(self):
        return self.stage == catalog.CANDIDATE

    def touch(self):
        """Record contact now and save it: the retention clock starts again."""
        self.last_contact_at = self.updated_at = utcnow()
        Person.update(last_contact_at=self.last_contact_at, updated_at=self.updated_at).where(
            Person.id == self.id).execute()


class Tombstone(BaseModel):
    """What is left of an erased person: proof of the erasure, and no identity.

    `email_hash` is a keyed hash of the address (ERASURE_HASH purpose), so that the agency can
    answer "did you erase me?" and erase again anyone restored from a backup older than this.
    `redis_pending` holds the keyed names of Redis keys still to remove when Redis was down at
    erasure; the next run of `finish_erasures` removes them and empties it.
    """
    erased_at = DateTimeField(default=utcnow)
    reason = CharField(max_length=200)  # e.g. "request 12", "retention: after_last_contact"
    email_hash = CharField(max_length=64, index=True)
    redis_pending = TextField(default="")


class PendingFileDeletion(BaseModel):
    """A stored file whose row is gone, to remove after commit; left here by a crash until the
    next run (portal/people/registry.py finish_erasures). A random storage id, nothing else."""
    storage_id = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
