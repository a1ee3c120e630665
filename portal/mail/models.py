"""E-mails waiting to be sent, written in the transaction of the change that causes them."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from portal.db import BaseModel, utcnow
from portal.people.models import Person


class Outbox(BaseModel):
    """One e-mail: to whom, what about, and the values its template is rendered with when sent.

    The values are plain JSON (ids, codes, links); they are emptied once the e-mail is sent.
    """
    person = ForeignKeyField(Person, null=True, backref="outbox", on_delete="CASCADE")
    to = CharField(max_length=254)
    subject = CharField(max_length=255)
    template = CharField(max_length=100)  # templates/<template>.txt (and .html)
    locale = CharField(max_length=5, default="nb")
    params = TextField(default="{}")  # JSON: the template's values, see mail.actions.email_context
    attachments = TextField(default="[]")  # JSON: [[filename, base64, mimetype], ...]
    created_at = DateTimeField(default=utcnow, index=True)
    sent_at = DateTimeField(null=True, index=True)
    attempts = IntegerField(default=0)
    forget_after_send = BooleanField(default=False)  # an erasure's confirmation: no address kept
