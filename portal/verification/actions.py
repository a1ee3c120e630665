"""Proven addresses: e-mail a six-digit code for a purpose, accept it once, forget it after.

A code is random (`secrets`), kept only as an HMAC with the secret key, works for
CODE_MINUTES, dies after MAX_TRIES wrong tries, and at most CODES_PER_HOUR go to one address.
The hash covers the challenge, the address and the purpose, so a code sent for another address
or another purpose never fits.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from peewee import IntegrityError

from portal.db import db, utcnow
from portal.mail.actions import email_context, queue_email
from portal.mail.limits import ensure_mail_allowed, recipient_key
from portal.verification.models import Challenge, CodeQuota
from portal.web.formats import format_when

CODE_EMAIL = "verification/email/code"
CODE_MINUTES = 10
MAX_TRIES = 3
CODES_PER_HOUR = 5
WINDOW = timedelta(hours=1)

# What a code is for, as the e-mail says it.
PURPOSES = {
    "booking": _l("confirm your booking of a meeting"),
    "privacy_request": _l("confirm your request about your personal data"),
    "share_link": _l("open the link that was shared with you"),
}


class CodeProblem(Exception):
    """A code that is not accepted; `code` picks the message."""
    MESSAGES = {
        "unknown": _l("This code cannot be used here. Ask for a new code."),
        "expired": _l("The code has expired: a code works for 10 minutes. Ask for a new code."),
        "used": _l("This code has already been used, and a code works only once."),
        "dead": _l("The code was entered wrong three times and no longer works. Ask for a new code."),
    }

    def __init__(self, code, tries_left=0):
        super().__init__(code)
        self.code = code
        self.tries_left = tries_left

    @property
    def message(self):
        if self.code == "wrong":
            return ngettext("That is not the code we sent. You can try %(num)d more time.",
                            "That is not the code we sent. You can try %(num)d more times.",
                            self.tries_left)
        return self.MESSAGES[self.code]

    @property
    def needs_new_code(self):
        return self.code != "wrong"


class TooManyCodes(Exception):
    """Enough codes went to this address this hour; `retry_at` is naive UTC."""

    def __init__(self, retry_at):
        super().__init__(retry_at)
        self.retry_at = retry_at

    @property
    def message(self):
        at = format_when(self.retry_at, "time")  # naive UTC, shown on the Oslo clock
        return _l("We have sent as many codes to this address as we can this hour. "
                  "Try again at %(time)s.", time=at)


def keyed(*parts):
    """An HMAC (secret key) of some values: lets the portal count by them without keeping them."""
    message = "\x1f".join(parts).encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()


def address_key(email):
    """A keyed hash of the mailbox an address reaches (no +tag, Gmail without dots)."""
    return keyed("address", recipient_key(email))


def _code_hash(challenge_token, email, purpose, code):
    return keyed("code", challenge_token, email.lower(), purpose, code)


def allow_code_to(email, now=None):
    """Count one code to this address, or raise TooManyCodes; atomic under concurrency.

    The one place the per-address limit is checked (to be joined with a general per-recipient
    e-mail limit). Each step is one conditional statement, so parallel requests cannot pass
    together: the database decides.
    """
    now = now or utcnow()
    key = address_key(email)
    fresh = now - WINDOW
    for _ in range(2):
        # In the current window and below the limit: one more.
        if (CodeQuota.update(count=CodeQuota.count + 1)
                .where(CodeQuota.address_key == key, CodeQuota.window_start > fresh,
                       CodeQuota.count < CODES_PER_HOUR).execute()):
            return
        # The window is over: a new one starts now.
        if (CodeQuota.update(count=1, window_start=now)
                .where(CodeQuota.address_key == key, CodeQuota.window_start <= fresh).execute()):
            return
        try:
            with db.atomic():
                CodeQuota.create(address_key=key, window_start=now, count=1)
            return
        except IntegrityError:
            continue  # another request created it first: count again
    quota = CodeQuota.get(CodeQuota.address_key == key)
    raise TooManyCodes(quota.window_start + WINDOW)


def start(email, purpose, locale="nb", now=None):
    """E-mail a new code for `purpose` to `email`; returns the Challenge (never the code).

    Raises TooManyCodes or TooManyMails (the per-recipient limit, portal/mail/limits.py, which
    this code counts toward) before anything is written. The e-mail is queued after commit and
    holds the code and what it is for, nothing the visitor typed.
    """
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    now = now or utcnow()
    email = email.lower()
    with db.atomic():
        allow_code_to(email, now)
        ensure_mail_allowed(email)
        code = f"{secrets.randbelow(10 ** 6):06d}"
        token = secrets.token_urlsafe(32)
        challenge = Challenge.create(
            token=token, email=email, purpose=purpose, code_hash=_code_hash(token, email, purpose, code),
            created_at=now, expires_at=now + timedelta(minutes=CODE_MINUTES))
        queue_email(email, _l("Your code from ressursbasen.no: %(code)s", code=code), CODE_EMAIL,
                    locale, code=code, purpose=purpose, minutes=CODE_MINUTES)
    return challenge


@email_context(CODE_EMAIL)
def code_email_context(code, purpose, minutes):
    """The code e-mail's words: the code, and what it is for."""
    return dict(code=code, what=PURPOSES[purpose], minutes=minutes)


def check(token, code, purpose, now=None):
    """Accept the code of the challenge `token` once, for `purpose`; returns the Challenge.

    Raises CodeProblem. Every try is counted (and committed) before the code is compared, so
    parallel guesses get no more than MAX_TRIES between them.
    """
    now = now or utcnow()
    code = "".join((code or "").split())
    with db.atomic():
        challenge = Challenge.get_or_none(Challenge.token == (token or ""))
        if challenge is None or challenge.purpose != purpose:
            raise CodeProblem("unknown")
        counted = (Challenge.update(tries=Challenge.tries + 1)
                   .where(Challenge.id == challenge.id, Challenge.used_at.is_null(),
                          Challenge.tries < MAX_TRIES, Challenge.expires_at > now).execute())
    if not counted:
        challenge = Challenge.get_by_id(challenge.id)
        if challenge.used_at is not None:
            raise CodeProblem("used")
        raise CodeProblem("dead" if challenge.tries >= MAX_TRIES else "expired")
    challenge = Challenge.get_by_id(challenge.id)
    expected = _code_hash(challenge.token, challenge.email, purpose, code)
    if not hmac.compare_digest(expected, challenge.code_hash):
        left = MAX_TRIES - challenge.tries
        raise CodeProblem("wrong", left) if left > 0 else CodeProblem("dead")
    with db.atomic():
        used = (Challenge.update(used_at=now)
                .where(Challenge.id == challenge.id, Challenge.used_at.is_null()).execute())
    if not used:  # the same right code sent twice at once: one of them wins
        raise CodeProblem("used")
    challenge.used_at = now
    return challenge


def remove_expired(now=None):
    """Delete used and expired challenges and finished hourly counts; returns how many."""
    now = now or utcnow()
    removed = Challenge.delete().where(Challenge.used_at.is_null(False)
                                       | (Challenge.expires_at <= now)).execute()
    removed += CodeQuota.delete().where(CodeQuota.window_start <= now - WINDOW).execute()
    return removed
