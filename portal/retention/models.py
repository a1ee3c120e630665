"""A record of each retention run, and of each notice sent before a deletion."""
from peewee import CharField, DateField, DateTimeField, ForeignKeyField, TextField

from portal.db import BaseModel, utcnow
from portal.people.models import Person


class RetentionRun(BaseModel):
    """One sweep: counts per rule, errors, how long. Never personal data."""
    pace = CharField(max_length=8)       # daily | minute
    today = DateField()                  # the Oslo date the sweep computed what was due for
    started_at = DateTimeField(default=utcnow, index=True)
    finished_at = DateTimeField(null=True)
    counts = TextField(default="{}")     # JSON: {rule or model: rows}
    errors = TextField(default="[]")     # JSON: [short messages without personal data]


class RetentionNotice(BaseModel):
    """A notice that a person's data will be deleted on `deadline`: one per person per deadline."""
    person = ForeignKeyField(Person, backref="retention_notices", on_delete="CASCADE")
    deadline = DateField()
    sent_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("person", "deadline"), True),)
