"""Bookings waiting for a code: what a visitor typed is kept only until the code is given.

No slot is held and no Person is created or changed before the right code; then the booking
is made in one transaction by actions.book, and the pending entry is deleted with it.
"""
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import JOIN, Case, fn

from portal import catalog
from portal.booking import actions
from portal.booking.models import PendingBooking
from portal.booking.schedule import BookingProblem, SlotProblem, claimable_slot
from portal.db import Bound, Prepared, db, prepared_insert, utcnow
from portal.verification import actions as verification
from portal.verification.models import Challenge

PURPOSE = "booking"


class PendingProblem(BookingProblem):
    """A booking waiting for its code that cannot go on."""
    MESSAGES = {
        "gone": _l("No booking is waiting for a code in this browser: it was made, or the "
                   "10 minutes ran out and what you typed was deleted. Fill in the form again."),
        "per_ip": _l("Too many bookings from your network are waiting for a code. Use the codes "
                     "we sent, or try again in 10 minutes."),
        "per_address": _l("Bookings for this e-mail address are already waiting for a code. Use "
                          "the code we sent, or try again in 10 minutes."),
    }


def _limit(name, default):
    return int(current_app.config.get(name, default))


def details_of(pending):
    """The booking-stage details as typed, keyed like the Person columns."""
    return {c: getattr(pending, c) for c in catalog.columns_of("Person", catalog.BOOKING)}


# The statements of every booking request, built once (portal/db.py, Prepared).
_LIVE = Prepared(lambda: PendingBooking.select(PendingBooking, Challenge)
                 .join(Challenge, JOIN.LEFT_OUTER)
                 .where(PendingBooking.token == Bound("token"), PendingBooking.expires_at > Bound("now"))
                 .limit(1))


def _waiting_counts():
    from_ip = PendingBooking.ip_key == Bound("ip_key")
    to_address = PendingBooking.email == Bound("email")
    return (PendingBooking.select(fn.SUM(Case(None, [(from_ip, 1)], 0)),
                                  fn.SUM(Case(None, [(to_address, 1)], 0)))
            .where(PendingBooking.expires_at > Bound("now"), from_ip | to_address).tuples())


_WAITING = Prepared(_waiting_counts)
_new_pending = prepared_insert(PendingBooking)
_TAKE = Prepared(lambda: PendingBooking.delete().where(PendingBooking.id == Bound("id")))


def live(token, now=None):
    """The pending entry behind a session's token (with its challenge), unless it expired."""
    if not token:
        return None
    return _LIVE.first(token=token, now=now or utcnow())


def start(slot_id, kind, meeting_place, details, locale, ip, replaces=None, now=None):
    """Keep what was typed and e-mail a code to the address typed; returns the pending entry.

    Raises SlotProblem (the time cannot be had, checked before any code is sent), PendingProblem
    (too many waiting), verification.TooManyCodes or TooManyMails; then nothing is written.
    The confirmation counts toward the address's e-mail limit now, with the code, so that a
    booking whose code went out is never made without its confirmation. (A reminder comes a day
    later or not at all, in another hour's count.)
    """
    now = now or utcnow()
    ip_key = verification.keyed("ip", ip or "")
    claimable_slot(slot_id, now)  # a check only: no time is held, so outside the transaction
    with db.atomic():
        if replaces:  # the same browser typed again: its earlier entry goes
            PendingBooking.delete().where(PendingBooking.token == replaces).execute()
        per_ip, per_address = _WAITING.first(ip_key=ip_key, email=details["email"], now=now)
        if (per_ip or 0) >= _limit("PENDING_PER_IP", 10):
            raise PendingProblem("per_ip")
        if (per_address or 0) >= _limit("PENDING_PER_ADDRESS", 3):
            raise PendingProblem("per_address")
        # The code, and the confirmation it will lead to, are counted together.
        challenge = verification.start(details["email"], PURPOSE, locale, now, mails=2)
        return _new_pending(
            token=secrets.token_urlsafe(32), challenge=challenge, slot=slot_id, kind=kind,
            meeting_place=meeting_place, locale=locale, ip_key=ip_key, created_at=now,
            expires_at=challenge.expires_at, **details)


def new_code(pending, now=None):
    """Send a new code for a pending entry (after three wrong tries, or when one expired)."""
    now = now or utcnow()
    if pending.proven_at is not None:
        return pending  # the address is proven already; a code would only extend its time
    with db.atomic():
        challenge = verification.start(pending.email, PURPOSE, pending.locale, now)
        PendingBooking.update(challenge=challenge, expires_at=challenge.expires_at).where(
            PendingBooking.id == pending.id).execute()
    pending.challenge, pending.expires_at = challenge, challenge.expires_at
    return pending


def confirm(pending, code, now=None):
    """Check the code and make the booking; raises CodeProblem or SlotProblem.

    The code is checked (and its try counted) on its own; the booking is made in one
    transaction with the code spent. When the time was taken meanwhile, only the booking is
    undone: the address stays proven for ten minutes, so that another time can be chosen
    without a new code.
    """
    now = now or utcnow()
    if pending.proven_at is not None:
        return book_proven(pending, now)
    if pending.challenge_id is None:
        raise verification.CodeProblem("unknown")
    challenge = verification.check(pending.challenge.token, code, PURPOSE, now, spend=False,
                                   challenge=pending.challenge)
    with db.atomic():
        verification.spend_code(challenge, now)  # of two requests with the right code, one
        try:
            return _book(pending, now)
        except SlotProblem as problem:
            not_booked = problem
        pending.proven_at, pending.expires_at = now, now + timedelta(minutes=verification.CODE_MINUTES)
        PendingBooking.update(proven_at=pending.proven_at, expires_at=pending.expires_at).where(
            PendingBooking.id == pending.id).execute()
    raise not_booked


def book_proven(pending, now=None, slot_id=None, kind=None, meeting_place=None, details=None):
    """Book for a proven pending entry, optionally with another time or details (same address)."""
    if pending.proven_at is None:
        raise ValueError("address not proven")
    return _book(pending, now, slot_id, kind, meeting_place, details, proven=True)


def _book(pending, now, slot_id=None, kind=None, meeting_place=None, details=None, proven=False):
    details = dict(details or details_of(pending), email=pending.email)
    with db.atomic():
        # One entry, one booking: the entry is taken first, so of two requests at the same
        # moment only one finds it (the other waits for the row, then finds nothing). A time
        # taken meanwhile rolls this back and the entry stays for another choice.
        if proven:
            taken = PendingBooking.delete().where(PendingBooking.id == pending.id,
                                                  PendingBooking.proven_at.is_null(False)).execute()
        else:
            taken = _TAKE.execute(id=pending.id)
        if not taken:
            raise PendingProblem("gone")
        return actions.book(slot_id or pending.slot, kind or pending.kind,
                            meeting_place or pending.meeting_place, details, pending.locale,
                            now=now)

