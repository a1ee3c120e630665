"""What the staff workspace itself keeps: each opening of a person's record."""
from peewee import CharField, DateTimeField, ForeignKeyField

from portal.db import BaseModel, utcnow
from portal.people.models import Person


class RecordView(BaseModel):
    """One opening of a person's record by staff: when, by which role, for what purpose.

    The person sees these on /account. Which staff member it was is in the audit trail
    (actor id), not here: the person is told the role and the purpose, not a colleague's name.
    """
    person = ForeignKeyField(Person, backref="record_views", on_delete="CASCADE")
    at = DateTimeField(default=utcnow)
    role = CharField(max_length=16)      # staff | admin
    purpose = CharField(max_length=32)   # a key of portal/staff/record.py PURPOSES
