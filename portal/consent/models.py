"""Consent given or withdrawn, one append-only row per decision."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField

from portal.db import BaseModel, utcnow
from portal.people.models import Person


class Consent(BaseModel):
    person = ForeignKeyField(Person, backref="consents", on_delete="CASCADE")
    purpose = CharField(max_length=64)  # a key of catalog.CONSENT_PURPOSES
    given = BooleanField()              # False: withdrawn (or refused)
    policy_version = CharField(max_length=20)  # the policy text shown when deciding
    at = DateTimeField(default=utcnow)
    how = CharField(max_length=64)      # e.g. "account page"

    class Meta:
        indexes = ((("person", "purpose", "at"), False),)
