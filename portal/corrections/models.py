"""The values a correction request proposes, each with staff's decision."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from portal.db import BaseModel, utcnow
from portal.requests.models import PrivacyRequest

PENDING, ACCEPTED, REFUSED = "pending", "accepted", "refused"
DECISIONS = (PENDING, ACCEPTED, REFUSED)


class ProposedValue(BaseModel):
    """One new value a person proposes for one field ("Person.phone"), as their field's form
    normalised it; staff accept it (applied through the registry's rectify) or refuse it,
    with a reason the person sees, and whom it was passed on to (Art. 19)."""
    request = ForeignKeyField(PrivacyRequest, backref="proposals", on_delete="CASCADE")
    target = CharField(max_length=80)        # "Model.column"
    value = TextField()                      # as the field's form writes it back ("2024-05-17")
    decision = CharField(max_length=16, default=PENDING)
    reason = TextField(default="")
    decided_at = DateTimeField(null=True)
    decided_by = IntegerField(null=True)     # staff User id; outlives the login
    told = TextField(default="[]")           # JSON: whom it was passed on to
    created_at = DateTimeField(default=utcnow)
