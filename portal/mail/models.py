"""E-mails waiting to be sent, written in the transaction of the change that causes them."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from portal.db import BaseModel, utcnow
from portal.people.models import Person


class Outbox(BaseModel):
    person = ForeignKeyField(Person, null=True, backref="outbox", on_delete="CASCADE")
    to = CharField(max_length=254)
    subject = CharField(max_length=255)
    body_text = TextField()
    body_html = TextField(default="")
    attachments = TextField(default="[]")  # JSON: [[filename, base64, mimetype], ...]
    created_at = DateTimeField(default=utcnow, index=True)
    sent_at = DateTimeField(null=True, index=True)
    attempts = IntegerField(default=0)
    forget_after_send = BooleanField(default=False)  # an erasure's confirmation: no address kept
