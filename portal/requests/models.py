"""Privacy requests (access, correction, erasure, a question) and the copies made for access."""
from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from portal.db import BaseModel, utcnow
from portal.people.models import Person
from portal.verification.models import Challenge

KINDS = ("access", "correction", "erasure", "question")
RECEIVED, VERIFIED, IN_PROGRESS, DONE, DENIED = "received", "verified", "in_progress", "done", "denied"
WITHDRAWN = "withdrawn"  # an erasure the person took back before staff approved it
STATUSES = (RECEIVED, VERIFIED, IN_PROGRESS, DONE, DENIED, WITHDRAWN)
OPEN = (VERIFIED, IN_PROGRESS)
CLOSED = (DONE, DENIED, WITHDRAWN)


class PrivacyRequest(BaseModel):
    """One request about one person's data, from receipt to its answer.

    A request asked on the public page is `received` with what was typed until the code sent to
    the address is given (then `verified`), and deleted after 24 hours without it. `version`
    grows with every step, so that of two staff acting at once only the first one acts.
    """
    token = CharField(max_length=64, unique=True)  # random; names an unproven request in a session
    kind = CharField(max_length=16)
    status = CharField(max_length=16, default=RECEIVED, index=True)
    person = ForeignKeyField(Person, null=True, backref="privacy_requests", on_delete="SET NULL")
    name = CharField(max_length=200)
    email = CharField(max_length=254, index=True)  # lower-case
    details = TextField(default="")  # what they want; for a correction, the values proposed
    locale = CharField(max_length=5, default="nb")
    challenge = ForeignKeyField(Challenge, null=True, on_delete="SET NULL")
    ip_key = CharField(max_length=64, default="", index=True)  # keyed hash: requests per network
    received_at = DateTimeField(default=utcnow, index=True)
    verified_at = DateTimeField(null=True)
    verified_how = CharField(max_length=16, default="")  # account | code
    started_at = DateTimeField(null=True)
    first_due_on = DateField()
    due_on = DateField(index=True)
    extended_at = DateTimeField(null=True)
    extension_reason = TextField(default="")
    closed_at = DateTimeField(null=True, index=True)
    answer = TextField(default="")  # the reason of a denial, or what staff wrote when done
    nothing_held = BooleanField(default=False)
    decided_by = IntegerField(null=True)  # staff User id; not a foreign key: outlives the login
    # Who handles it (staff User id, like decided_by) and since when: the staff queue's
    # "assign to me". Changing it is a step too (`version`), so two staff cannot both take it.
    assignee = IntegerField(null=True, index=True)
    assigned_at = DateTimeField(null=True)
    version = IntegerField(default=0)
    updated_at = DateTimeField(default=utcnow)

    @property
    def is_open(self):
        return self.status in OPEN


QUEUED, BUILDING, READY, FAILED, EXPIRED = "queued", "building", "ready", "failed", "expired"


class AccessExport(BaseModel):
    """The copy of a person's data made for an access request: a zip in the encrypted store.

    Released (downloadable) at once when the person asked from their account, after staff
    approve it when the address alone was proven; deleted EXPORT_DAYS after release.
    """
    request = ForeignKeyField(PrivacyRequest, unique=True, backref="exports", on_delete="CASCADE")
    person = ForeignKeyField(Person, null=True, backref="access_exports", on_delete="SET NULL")
    email = CharField(max_length=254, index=True)  # whose copy: the proven address
    status = CharField(max_length=16, default=QUEUED, index=True)
    storage_id = CharField(max_length=64, null=True, unique=True)
    size = BigIntegerField(default=0)
    documents = IntegerField(default=0)
    attempts = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    started_at = DateTimeField(null=True)
    built_at = DateTimeField(null=True)
    released_at = DateTimeField(null=True)
    expires_at = DateTimeField(null=True, index=True)
    downloaded_at = DateTimeField(null=True)

    @property
    def is_expired(self):
        """Deleted, or its days are over (the hourly job deletes the file a little later)."""
        return self.status == EXPIRED or (self.expires_at is not None
                                          and self.expires_at <= utcnow())
