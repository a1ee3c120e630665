"""The person the portal holds data about: booking-stage fields and the stage reached."""
import re
import unicodedata

from peewee import CharField, DateTimeField, TextField

from portal import catalog
from portal.db import BaseModel, db, utcnow

# Letters that Unicode does not split into a base letter and an accent: folded by hand, so that
# "oyvind" finds Øyvind and "aerø" finds Ærø.
_FOLD = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th", "ł": "l", "đ": "d",
                       "ı": "i", "ŋ": "n"})
_WORD = re.compile(r"[^\W_]+")
KEY_LENGTH = 255


def name_key(text):
    """A name as staff search compares it: lower case, accents and Æ/Ø/Å folded, punctuation
    dropped, words separated by one space ("Anne-Marie Ødegård" -> "anne marie odegard")."""
    text = unicodedata.normalize("NFKD", (text or "").casefold())
    text = "".join(c for c in text if not unicodedata.combining(c)).translate(_FOLD)
    return " ".join(_WORD.findall(text))[:KEY_LENGTH]


def phone_key(number):
    """A phone number as staff search compares it: the digits of E.164, country code first."""
    return "".join(c for c in (number or "") if c.isdigit())[:KEY_LENGTH]


class Person(BaseModel):
    """A data subject. Booking-stage fields only; candidate-stage data lives in the profile.

    `name_key` and `phone_key` are derived from the name and the phone number on every insert
    and update (`Person.insert`, `Person.update`, and so `create` and `save`), never set alone.
    """
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
    # Staff search (portal/staff/search.py): keyset-paged prefix ranges on these and `email`.
    name_key = CharField(max_length=KEY_LENGTH, default="")
    phone_key = CharField(max_length=KEY_LENGTH, default="")

    # On PostgreSQL only (migration 0008): trigram indexes for substring search (pg_trgm). The
    # schema check (portal/schema.py) leaves them alone there; SQLite searches by prefix only.
    POSTGRES_ONLY_INDEXES = ("person_name_key_trgm", "person_email_trgm")

    @property
    def is_candidate(self):
        return self.stage == catalog.CANDIDATE

    @classmethod
    def lock(cls, person_id):
        """Hold the person's row until the transaction ends and return it as it is now, so that
        a check about the person and the change it leads to are one step: two changes to one
        person wait for each other (PostgreSQL: SELECT ... FOR UPDATE; on SQLite, BEGIN
        IMMEDIATE already lets one writing transaction in at a time). Lock the person before
        their other rows, everywhere, so that two changes never wait for each other in a ring."""
        query = cls.select().where(cls.id == person_id)
        return (query.for_update() if db.for_update else query).get_or_none()

    def touch(self):
        """Record contact now and save it: the retention clock starts again."""
        self.last_contact_at = self.updated_at = utcnow()
        Person.update(last_contact_at=self.last_contact_at, updated_at=self.updated_at).where(
            Person.id == self.id).execute()

    # Every write goes through insert or update (create and save call them): the search keys
    # follow the name and the phone number whichever path changes them.
    @classmethod
    def _with_keys(cls, data):
        if not isinstance(data, dict):
            return data
        keyed = dict(data)
        for field, value in data.items():
            if field is cls.name:
                keyed[cls.name_key] = name_key(value)
            elif field is cls.phone:
                keyed[cls.phone_key] = phone_key(value)
        return keyed

    @classmethod
    def insert(cls, __data=None, **insert):
        return super().insert(cls._with_keys(cls._normalize_data(__data, insert)))

    @classmethod
    def update(cls, __data=None, **update):
        return super().update(cls._with_keys(cls._normalize_data(__data, update)))

    @classmethod
    def insert_many(cls, rows, fields=None):
        """Rows as dicts get their search keys; rows as tuples must bring them."""
        if fields is None:
            rows = [cls._with_keys(cls._normalize_data(r, {})) if isinstance(r, dict) else r
                    for r in rows]
        return super().insert_many(rows, fields)


# Prefix ranges in order, then the next page from the last row (keyset paging).
Person.add_index(Person.name_key, Person.id)
Person.add_index(Person.phone_key, Person.id)



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
