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
from peewee import Case

from portal import catalog
from portal.db import Bound, Prepared, db, prepared_insert, utcnow
from portal.mail.actions import email_context, queue_email
from portal.mail.limits import ensure_mail_allowed, recipient_key
from portal.problems import Problem
from portal.verification.models import Challenge, CodeQuota
from portal.web.formats import format_when

CODE_EMAIL = "verification/email/code"
CODE_MINUTES = 10
MAX_TRIES = 3
CODES_PER_HOUR = 5
WINDOW = timedelta(hours=catalog.CODE_COUNT.hours)  # codes counted per address per hour

# What a code is for, as the e-mail says it.
PURPOSES = {
    "booking": _l("confirm your booking of a meeting"),
    "privacy_request": _l("confirm your request about your personal data"),
    "share_link": _l("open the link that was shared with you"),
}


class CodeProblem(Problem):
    """A code that is not accepted; `code` picks the message."""
    MESSAGES = {
        "unknown": _l("This code cannot be used here. Ask for a new code."),
        "expired": _l("The code has expired: a code works for 10 minutes. Ask for a new code."),
        "used": _l("This code has already been used, and a code works only once."),
        "dead": _l("The code was entered wrong three times and no longer works. Ask for a new code."),
    }

    def __init__(self, code, tries_left=0):
        super().__init__(code)
        self.tries_left = tries_left

    @property
    def message(self):
        if self.code == "wrong":
            return ngettext("That is not the code we sent. You can try %(num)d more time.",
                            "That is not the code we sent. You can try %(num)d more times.",
                            self.tries_left)
        return super().message

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


# The statements of every code sent and checked, built once (portal/db.py, Prepared).
_new_challenge = prepared_insert(Challenge)


def _count_code():
    hour_over = CodeQuota.window_start <= Bound("hour_ago")
    now = Bound("now", CodeQuota.window_start)
    return (CodeQuota.insert(address_key=Bound("key", CodeQuota.address_key), window_start=now, count=1)
            .on_conflict(conflict_target=[CodeQuota.address_key],
                         update={CodeQuota.count: Case(None, [(hour_over, 1)], CodeQuota.count + 1),
                                 CodeQuota.window_start: Case(None, [(hour_over, now)],
                                                              CodeQuota.window_start)},
                         where=hour_over | (CodeQuota.count < CODES_PER_HOUR))
            .as_rowcount())


_COUNT_CODE = Prepared(_count_code)
_COUNT_TRY = Prepared(lambda: Challenge.update(tries=Challenge.tries + 1).where(
    Challenge.id == Bound("id"), Challenge.used_at.is_null(), Challenge.tries < MAX_TRIES,
    Challenge.expires_at > Bound("now")))
_SPEND = Prepared(lambda: Challenge.update(used_at=Bound("now", Challenge.used_at)).where(
    Challenge.id == Bound("id"), Challenge.used_at.is_null()))


def allow_code_to(email, now=None):
    """Count one code to this address, or raise TooManyCodes; atomic under concurrency.

    The one place the per-address limit is checked (to be joined with a general per-recipient
    e-mail limit). One statement counts the first code to an address, one more while its hour
    lasts and the limit is not reached, or the first of a new hour, so parallel requests cannot
    pass together: the database decides.
    """
    now = now or utcnow()
    key = address_key(email)
    counted = _COUNT_CODE.execute(key=key, now=now, hour_ago=now - WINDOW)
    if not counted:
        quota = CodeQuota.get(CodeQuota.address_key == key)
        raise TooManyCodes(quota.window_start + WINDOW)


def start(email, purpose, locale="nb", now=None, mails=1):
    """E-mail a new code for `purpose` to `email`; returns the Challenge (never the code).

    Raises TooManyCodes or TooManyMails (the per-recipient limit, portal/mail/limits.py, which
    this code counts toward, with `mails` - 1 more that will follow it, e.g. a booking's
    confirmation) before anything is written. The e-mail is queued after commit and holds the
    code and what it is for, nothing the visitor typed.
    """
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    now = now or utcnow()
    email = email.lower()
    with db.atomic():
        allow_code_to(email, now)
        ensure_mail_allowed(email, mails)
        code = f"{secrets.randbelow(10 ** 6):06d}"
        token = secrets.token_urlsafe(32)
        challenge = _new_challenge(
            token=token, email=email, purpose=purpose, code_hash=_code_hash(token, email, purpose, code),
            created_at=now, expires_at=now + timedelta(minutes=CODE_MINUTES))
        # The code goes in the subject when the e-mail is sent, not in the subject kept with
        # the outbox row: a code is kept only as its keyed hash once the e-mail is gone.
        queue_email(email, _l("Your code from ressursbasen.no"), CODE_EMAIL,
                    locale, code=code, purpose=purpose, minutes=CODE_MINUTES)
    return challenge


@email_context(CODE_EMAIL)
def code_email_context(code, purpose, minutes):
    """The code e-mail's words: the code (in the subject too), and what it is for."""
    return dict(code=code, what=PURPOSES[purpose], minutes=minutes,
                subject=_l("Your code from ressursbasen.no: %(code)s", code=code))


def check(token, code, purpose, now=None, spend=True, challenge=None):
    """Accept the code of the challenge `token` once, for `purpose`; returns the Challenge.

    Raises CodeProblem. Every try is counted (and committed) before the code is compared, so
    parallel guesses get no more than MAX_TRIES between them. With spend=False a right code is
    not spent yet: the caller spends it (spend_code) in the transaction of what it proves.
    `challenge` is the challenge of `token` when the caller has loaded it already.
    """
    now = now or utcnow()
    code = "".join((code or "").split())
    if challenge is None:
        challenge = Challenge.get_or_none(Challenge.token == (token or ""))
    if challenge is None or challenge.token != token or challenge.purpose != purpose:
        raise CodeProblem("unknown")
    counted = _COUNT_TRY.execute(id=challenge.id, now=now)  # one statement: committed at once
    if not counted:
        challenge = Challenge.get_by_id(challenge.id)
        if challenge.used_at is not None:
            raise CodeProblem("used")
        raise CodeProblem("dead" if challenge.tries >= MAX_TRIES else "expired")
    expected = _code_hash(challenge.token, challenge.email, purpose, code)
    if not hmac.compare_digest(expected, challenge.code_hash):
        left = MAX_TRIES - Challenge.get_by_id(challenge.id).tries  # with tries made meanwhile
        raise CodeProblem("wrong", left) if left > 0 else CodeProblem("dead")
    if spend:
        spend_code(challenge, now)
    return challenge


def spend_code(challenge, now=None):
    """Use up a right code; raises CodeProblem("used") when a request with it came first."""
    now = now or utcnow()
    if not _SPEND.execute(now=now, id=challenge.id):
        raise CodeProblem("used")  # the same right code sent twice at once: one of them wins
    challenge.used_at = now

