"""How many e-mails a visitor may cause to one address: the per-recipient limit.

Every e-mail a visitor can make the portal send (registration, password reset, e-mail change;
later booking confirmations and one-time codes) asks here first, before anything is written:

    ok, retry_at = allow_mail_to(email)      # or ensure_mail_allowed(email), which raises

`allow_mail_to` counts one e-mail to the address at once (atomic, in the rate-limit storage) and
answers (True, None) while the address is within MAIL_LIMIT_PER_RECIPIENT ("5 per hour"), else
(False, when the window ends, UTC). The count is per recipient, whoever asks and from wherever,
keyed by a keyed hash of the normalised address (lower case, without a +tag, Gmail without dots),
so Redis never holds the address. The agency's own staff and consultants are not limited this way.
The answer is the same whether the address has an account or not.
"""
from flask import current_app
from flask_babel import gettext as _

from portal import ratelimit
from portal.db import Bound, Prepared
from portal.web.formats import format_when

GMAIL = ("gmail.com", "googlemail.com")


class TooManyMails(Exception):
    """Too many e-mails went to this address; `message` says when to try again."""

    def __init__(self, retry_at):
        super().__init__(retry_at)
        self.retry_at = retry_at

    @property
    def message(self):
        return _("Too many messages have been sent to this address. Try again at %(time)s.",
                 time=format_when(self.retry_at, "time"))


def recipient_key(email):
    """The mailbox an address reaches: lower case, no +tag, Gmail without dots."""
    email = (email or "").strip().lower()
    local, _at, domain = email.rpartition("@")
    if not local:
        return email
    local = local.split("+", 1)[0]
    if domain in GMAIL:
        local, domain = local.replace(".", ""), GMAIL[0]
    return f"{local}@{domain}"


def _agency_address():
    from portal.auth.models import User
    from portal.booking.models import Consultant
    staff = User.select(User.id).where((User.email == Bound("email")) & User.role.in_(("staff", "admin")))
    consultants = Consultant.select(Consultant.id).where(Consultant.email == Bound("email"))
    return (staff | consultants).limit(1)


_AGENCY_ADDRESS = Prepared(_agency_address)  # on every code and booking: built once


def _exempt(email):
    """The agency's own addresses: staff accounts and consultants."""
    return _AGENCY_ADDRESS.first(email=(email or "").strip().lower()) is not None  # one query


def allow_mail_to(email, mails=1):
    """Count `mails` e-mails to `email` now; (True, None) to go ahead, or (False, retry_at).

    A step that will cause several e-mails (a booking: its code and its confirmation) counts
    them all up front, so it is refused before the first one rather than left half-told.
    """
    if _exempt(email):
        return True, None
    key = ratelimit.keyed_hash("mail-to", recipient_key(email))
    count = ratelimit.hit(current_app.config["MAIL_LIMIT_PER_RECIPIENT"], "mail-to", key, cost=mails)
    return (True, None) if count.allowed else (False, count.retry_at)


def ensure_mail_allowed(email, mails=1):
    """Like allow_mail_to, but raises TooManyMails when the address has had enough."""
    ok, retry_at = allow_mail_to(email, mails)
    if not ok:
        raise TooManyMails(retry_at)
