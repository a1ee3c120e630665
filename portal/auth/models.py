"""Logins and their server-side sessions."""
from flask_login import UserMixin
from peewee import BigIntegerField, BooleanField, CharField, DateTimeField, ForeignKeyField, TextField

from portal.db import BaseModel, utcnow
from portal.people.models import Person

ROLES = ("candidate", "staff", "admin")
STAFF_ROLES = ("staff", "admin")  # they log in with a second factor


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
        return self.role in STAFF_ROLES


class LoginSession(BaseModel):
    """One logged-in browser. Deleting the row ends that session, whatever the cookie says."""
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    fresh_at = DateTimeField(default=utcnow)  # last time the password was given
    # When the second factor was given. Staff and admin sessions count only once it has been:
    # until then the row stands for "password given, code owed" (portal/auth/second_factor.py).
    second_factor_at = DateTimeField(null=True)


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


class SecondFactor(BaseModel):
    """A staff member's authenticator app (TOTP, RFC 6238): its secret, encrypted."""
    user = ForeignKeyField(User, unique=True, backref="second_factors", on_delete="CASCADE")
    secret = TextField()  # Fernet token of the base32 secret; the key is derived from SECRET_KEY
    created_at = DateTimeField(default=utcnow)
    confirmed_at = DateTimeField(null=True)  # null while enrolling: the first good code confirms
    last_step = BigIntegerField(null=True)  # the 30-second step of the last code used: once only


class RecoveryCode(BaseModel):
    """A single-use code for when the authenticator app is not at hand; only its hash is kept."""
    user = ForeignKeyField(User, backref="recovery_codes", on_delete="CASCADE")
    code_hash = CharField(max_length=255)
    created_at = DateTimeField(default=utcnow)
    used_at = DateTimeField(null=True)
