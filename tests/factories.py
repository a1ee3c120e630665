"""Factories with overrides: make_person(email=...), make_user(role=...)."""
import itertools

from portal.auth.actions import hash_password
from portal.auth.models import User
from portal.people.models import Person

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"
_HASH = None


def make_person(**overrides):
    n = next(_seq)
    values = dict(name=f"Kari Nordmann {n}", street="Storgata 1", postal_code="0155",
                  place="Oslo", email=f"person{n}@example.no", phone="+4741234567")
    values.update(overrides)
    return Person.create(**values)


def make_user(role="candidate", person=None, **overrides):
    global _HASH
    if _HASH is None:
        _HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose
    n = next(_seq)
    if role == "candidate" and person is None:
        person = make_person()
    values = dict(email=f"{role}{n}@example.no", password_hash=_HASH, role=role, person=person)
    values.update(overrides)
    return User.create(**values)
