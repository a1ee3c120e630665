"""Legal holds: what the agency must keep of one person, why and until when, and what a hold
kept, restricted, when the person's data was erased while it stood."""
import json

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from portal.db import BaseModel, utcnow


class LegalHold(BaseModel):
    """A hold on one person's data: the catalog categories it covers (`covers`, JSON keys), the
    reason (shown to the person), and the last day it stands (`ends_on`, an Oslo date).

    `person_id` is not a foreign key: a hold outlives the Person when their data is erased while
    it stands; then `tombstone` and `email_hash` (the tombstone's keyed hash of the address)
    say whose it was, and the hold no longer stands for anyone living (SQLite may give the
    erased person's id to someone new). `version` grows with every change, so that of two
    administrators acting at once only the first one acts.
    """
    person_id = IntegerField(index=True)
    reason = TextField()
    covers = TextField()
    ends_on = DateField(index=True)
    placed_by = IntegerField(null=True)   # administrator's User id; outlives the login
    placed_at = DateTimeField(default=utcnow)
    changed_at = DateTimeField(null=True)
    ended_at = DateTimeField(null=True, index=True)
    ended_by = IntegerField(null=True)    # None when it ended by itself
    version = IntegerField(default=0)
    tombstone = IntegerField(null=True)
    email_hash = CharField(max_length=64, default="", index=True)

    @property
    def categories(self):
        """The catalog keys the hold covers."""
        try:
            keys = json.loads(self.covers or "[]")
        except ValueError:
            return []
        return [k for k in keys if isinstance(k, str)]

    @property
    def erased(self):
        return self.tombstone is not None


class HeldData(BaseModel):
    """One item of a held category that an erasure kept: the fields as the person's export
    wrote them, and the stored file it names. Out of every live table: staff search, sharing
    and every feature's pages never see it; it goes when its hold ends."""
    hold = ForeignKeyField(LegalHold, backref="kept", on_delete="CASCADE")
    person_id = IntegerField(index=True)
    category = CharField(max_length=40)
    model = CharField(max_length=40)
    row_id = IntegerField()
    fields = TextField()
    storage_id = CharField(max_length=64, null=True)
    kept_at = DateTimeField(default=utcnow)
