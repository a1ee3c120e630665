"""Proven addresses: one-time codes e-mailed to an address, and how many went there this hour."""
from peewee import CharField, DateTimeField, IntegerField

from portal.db import BaseModel, utcnow


class Challenge(BaseModel):
    """A six-digit code sent to an address for one purpose; only its keyed hash is kept.

    Deleted by the per-minute job once it is used or expired.
    """
    token = CharField(max_length=64, unique=True)  # random; names the challenge in a session
    email = CharField(max_length=254, index=True)
    purpose = CharField(max_length=20)
    code_hash = CharField(max_length=64)
    tries = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(index=True)
    used_at = DateTimeField(null=True)


class CodeQuota(BaseModel):
    """Codes sent to one address in the hour from `window_start`, keyed by a keyed hash of it."""
    address_key = CharField(max_length=64, unique=True)
    window_start = DateTimeField(index=True)
    count = IntegerField(default=0)
