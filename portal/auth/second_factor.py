"""The second factor of staff and administrators (ASVS 5.0 level 2, 6.5): an authenticator app
(TOTP, RFC 6238, with pyotp) and ten single-use recovery codes.

- The TOTP secret is stored encrypted with Fernet under a key derived from SECRET_KEY (HMAC with
  a purpose string, as the invitation links are): a copy of the database alone does not give
  the codes. Changing SECRET_KEY makes every staff member enrol again.
- Each code works once: the 30-second step of the last code used is kept, and only a later step
  is accepted (a code from one step either side of now is allowed, for clocks a little off).
- Recovery codes are 12 random characters (60 bits), shown once and stored as argon2id hashes;
  each works once.
- Attempts are counted before a code is checked (portal/auth/throttle.py), as passwords are.
"""
import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from portal.audit.actions import record
from portal.auth.models import RecoveryCode, SecondFactor
from portal.db import db, utcnow

ISSUER = "ressursbasen.no"
RECOVERY_CODES = 10
# Crockford's base32: no I, L, O or U to mistake for 1, 1, 0 or V.
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_READ_AS = str.maketrans({"i": "1", "l": "1", "o": "0"})
# The codes are random (60 bits) and attempts are limited; the hash (OWASP's argon2id minimum,
# lighter than the password hasher's) is for a stolen database, and ten are checked at worst.
_code_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# What a code given at login turned out to be.
TOTP, RECOVERY, WRONG, USED = "totp", "recovery", "wrong", "used"


class SecondFactorError(ValueError):
    """A rule of the second factor was broken; the message is for the person."""


def required(user):
    """Whether this user must give a second factor at login: staff and administrators."""
    return user.is_staff


def _box():
    from cryptography.fernet import Fernet  # loaded at the first staff login, not at start
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"second-factor-secret-v1",
                   hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _secret(factor):
    from cryptography.fernet import InvalidToken
    try:
        return _box().decrypt(factor.secret.encode()).decode()
    except InvalidToken:  # SECRET_KEY changed: this factor can no longer be used
        return None


def factor_of(user):
    return SecondFactor.get_or_none(SecondFactor.user == user.id)


def is_enrolled(user):
    factor = factor_of(user)
    return factor is not None and factor.confirmed_at is not None and _secret(factor) is not None


def enrolment(user):
    """The secret being enrolled (the same one until a code confirms it), made on first ask."""
    factor = factor_of(user)
    if factor is not None and factor.confirmed_at is not None and _secret(factor) is not None:
        raise SecondFactorError("already enrolled")
    if factor is None or _secret(factor) is None:
        secret = pyotp.random_base32()  # 32 characters: 160 bits, as RFC 4226 recommends
        token = _box().encrypt(secret.encode()).decode()
        with db.atomic():
            SecondFactor.delete().where(SecondFactor.user == user.id).execute()
            factor = SecondFactor.create(user=user, secret=token)
    return _secret(factor)


def grouped(secret):
    """The secret in groups of four, as people type it into an app."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(user, secret):
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(user, secret, title):
    """The otpauth:// link as an inline SVG QR code (no script, no image request)."""
    import segno  # only at enrolment
    svg = segno.make(provisioning_uri(user, secret), error="m").svg_inline(
        scale=4, border=4, omitsize=True, title=title, svgclass="qr-code", lineclass=None,
        dark="#000", light="#fff")
    return svg.replace("<svg ", '<svg role="img" ', 1)


def _normalized(code):
    return "".join((code or "").lower().split()).replace("-", "")


def _now():
    return datetime.now(UTC)


def _matching_step(secret, code):
    """The time step (now, or one either side) whose code is `code`, or None."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(_now())
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_step(factor, step):
    """Mark this step used; False when it (or a later one) was used already, even at the same
    moment by another request."""
    return bool(SecondFactor.update(last_step=step).where(
        (SecondFactor.id == factor.id)
        & (SecondFactor.last_step.is_null() | (SecondFactor.last_step < step))).execute())


def confirm(user, code):
    """Confirm the app being enrolled with its first code; returns the new recovery codes.

    Raises SecondFactorError(WRONG or USED) and changes nothing when the code does not do.
    """
    factor = factor_of(user)
    secret = _secret(factor) if factor is not None else None
    if secret is None or factor.confirmed_at is not None:
        raise SecondFactorError(WRONG)
    step = _matching_step(secret, _normalized(code))
    if step is None:
        raise SecondFactorError(WRONG)
    with db.atomic():
        if not _use_step(factor, step):
            raise SecondFactorError(USED)
        SecondFactor.update(confirmed_at=utcnow()).where(SecondFactor.id == factor.id).execute()
        codes = _replace_recovery_codes(user)
        record("account.second_factor_enrolled", person=user.person_id, actor=user)
    return codes


def check(user, code):
    """TOTP, RECOVERY (the code is now used), WRONG or USED (a code given before)."""
    factor = factor_of(user)
    secret = _secret(factor) if factor is not None and factor.confirmed_at else None
    if secret is None:
        return WRONG
    code = _normalized(code)
    step = _matching_step(secret, code)
    if step is not None:
        return TOTP if _use_step(factor, step) else USED
    return RECOVERY if _use_recovery_code(user, code) else WRONG


def _use_recovery_code(user, code):
    code = code.translate(_READ_AS)
    if len(code) != 12 or any(c not in ALPHABET for c in code):
        return False
    for row in RecoveryCode.select().where(
            (RecoveryCode.user == user.id) & RecoveryCode.used_at.is_null()):
        try:
            _code_hasher.verify(row.code_hash, code)
        except (VerificationError, InvalidHashError):
            continue
        # Only one request can use it, even two at the same moment.
        with db.atomic():
            won = RecoveryCode.update(used_at=utcnow()).where(
                (RecoveryCode.id == row.id) & RecoveryCode.used_at.is_null()).execute()
            if won:
                record("account.recovery_code_used", person=user.person_id, actor=user)
        return bool(won)
    return False


def _replace_recovery_codes(user):
    RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(12)) for _ in range(RECOVERY_CODES)]
    RecoveryCode.insert_many([{"user": user.id, "code_hash": _code_hasher.hash(c), "created_at": utcnow()}
                              for c in codes]).execute()
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


def new_recovery_codes(user):
    """Ten new recovery codes for an enrolled user; the old ones stop working. Shown once."""
    if not is_enrolled(user):
        raise SecondFactorError(WRONG)
    with db.atomic():
        codes = _replace_recovery_codes(user)
        record("account.recovery_codes_replaced", person=user.person_id, actor=user)
    return codes


def recovery_codes_left(user):
    return RecoveryCode.select().where(
        (RecoveryCode.user == user.id) & RecoveryCode.used_at.is_null()).count()


def remove(user):
    """Forget the user's app and recovery codes: they enrol again at their next login."""
    RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
    SecondFactor.delete().where(SecondFactor.user == user.id).execute()
