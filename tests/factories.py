"""Factories with overrides: make_person(email=...), make_user(role=...)."""
import itertools
from datetime import UTC, datetime

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


def enrol(user):
    """Give a staff user a confirmed authenticator app; returns its secret (base32)."""
    from portal.auth import second_factor
    from portal.auth.models import SecondFactor
    from portal.db import utcnow
    secret = second_factor.enrolment(user)
    SecondFactor.update(confirmed_at=utcnow()).where(SecondFactor.user == user.id).execute()
    return secret


def secret_of(user):
    """The secret of a user's authenticator app, as the app holds it."""
    from portal.auth import second_factor
    return second_factor._secret(second_factor.factor_of(user))


def app_code(secret, step=None):
    """The six digits an authenticator app shows now (or at a 30-second step)."""
    import pyotp
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(datetime.now(UTC)) if step is None else step)


def next_code(user):
    """A code the portal takes now: this step's, or the next one's if this one was used."""
    import pyotp

    from portal.auth import second_factor
    factor = second_factor.factor_of(user)
    totp = pyotp.TOTP(secret_of(user))
    now = totp.timecode(datetime.now(UTC))
    step = now if factor.last_step is None or factor.last_step < now else factor.last_step + 1
    assert step <= now + 1, "more than two logins of one account within 30 seconds"
    return totp.generate_otp(step)


def log_in(client, user, password=PASSWORD, **extra):
    """Log in the whole way as a person does: the password, then for staff and admin the code
    from their app (enrolled first when they have none). Returns the last response."""
    response = client.post("/login", data={"email": user.email, "password": password, **extra})
    if response.headers.get("Location") != "/login/code":
        return response
    from portal.auth import second_factor
    if not second_factor.is_enrolled(user):
        enrol(user)
    return client.post("/login/code", data={"code": next_code(user)})
