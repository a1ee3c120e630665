"""Logins and their server-side sessions."""
from flask_login import UserMixin
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField

from portal.db import BaseModel, utcnow
from portal.people.models import Person

ROLES = ("candidate", "staff", "admin")


class User(UserMixin, BaseModel):
    email = CharField(max_length=254, unique=True)  # stored lower-case
    password_hash = CharField(max_length=255)
    role = CharField(max_length=16, default="candidate")
    person = ForeignKeyField(Person, null=True, backref="users", on_delete="SET NULL")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)

    @property
    def is_active(self):
        return self.active

    @property
    def is_staff(self):
        return self.role in ("staff", "admin")


class LoginSession(BaseModel):
    """One logged-in browser. Deleting the row ends that session, whatever the cookie says."""
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    fresh_at = DateTimeField(default=utcnow)  # last time the password was given


class AccountToken(BaseModel):
    """A single-use link sent by e-mail (verify, reset, e-mail change); only its hash is kept."""
    purpose = CharField(max_length=20)  # register | reset_password | change_email
    token_hash = CharField(max_length=64, unique=True)
    email = CharField(max_length=254)  # the address the link was sent to
    name = CharField(max_length=200, default="")  # registration only: the name given
    user = ForeignKeyField(User, null=True, backref="tokens", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
