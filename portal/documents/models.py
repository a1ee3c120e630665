"""An uploaded file. The bytes live encrypted in portal.storage under `storage_id`."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField

from portal.db import BaseModel, utcnow
from portal.people.models import Person

KINDS = ("cv", "certificate", "photo")


class Document(BaseModel):
    """A CV, certificate or profile photo; the catalog fields "Document.<kind>" mean these rows."""
    person = ForeignKeyField(Person, backref="documents", on_delete="CASCADE")
    kind = CharField(max_length=16, index=True)
    storage_id = CharField(max_length=64, unique=True)  # random; never derived from the name
    filename = CharField(max_length=100)  # sanitised original name, shown and used on download
    content_type = CharField(max_length=100)
    size = IntegerField()
    uploaded_at = DateTimeField(default=utcnow)
