"""Attendance: staff mark a meeting held or not attended once it has started, undo that on the
same day, and look back at past bookings."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from peewee import Tuple

from portal.audit.actions import record
from portal.booking.models import Booking, Consultant
from portal.booking.schedule import BookingProblem, oslo_today, to_utc
from portal.candidates.actions import close_candidate_stage, open_candidate_stage
from portal.db import db, utcnow
from portal.people.contact import contact
from portal.people.models import Person

MARKS = ("attended", "no_show")
PAGE_SIZE = 25


class MarkProblem(BookingProblem):
    """A marking (or its undo) that cannot be done; nothing was changed."""
    MESSAGES = {
        "not_started": _l("This meeting has not started yet. Mark it once it has begun."),
        "changed": _l("Someone else changed this booking meanwhile. It is shown as it is now."),
        "not_marked": _l("This booking is not marked as held or not attended, so there is "
                         "nothing to undo."),
        "too_late": _l("A marking can only be undone on the day it was made."),
    }


def can_mark(booking, now=None):
    """Whether the meeting may be marked now: still booked, and started."""
    return booking.status == "booked" and booking.starts_at <= (now or utcnow())


def can_undo(booking, now=None):
    """Whether a marking may be undone now: made today (Oslo time)."""
    return (booking.status in MARKS and booking.marked_at is not None
            and oslo_today(booking.marked_at) == oslo_today(now))


def mark(booking_id, status, actor=None, now=None):
    """Mark a started meeting held ("attended") or not attended ("no_show"); returns the booking.

    Held opens the candidate stage and is contact (the retention clock starts again; the
    clock before is kept on the booking for an undo). Raises MarkProblem, changing nothing,
    when the meeting has not started or the booking is no longer booked (two staff at once:
    the first one wins).
    """
    if status not in MARKS:
        raise ValueError(status)
    now = now or utcnow()
    with db.atomic():
        person = Person.lock(Booking.get_by_id(booking_id).person_id)  # before the booking
        booking = Booking.get_by_id(booking_id)
        if booking.status != "booked":
            raise MarkProblem("changed")
        if booking.starts_at > now:
            raise MarkProblem("not_started")
        changed = (Booking.update(status=status, marked_at=now, updated_at=now)
                   .where(Booking.id == booking.id, Booking.status == "booked").execute())
        if not changed:
            raise MarkProblem("changed")
        record(f"booking.{status}", person=booking.person_id, actor=actor, booking=booking.id)
        if status == "attended":
            before = person.last_contact_at
            open_candidate_stage(person, "meeting_attended")
            contact(person, "meeting")
            # The marking's time is the contact's: an undo can tell whether any came after.
            Booking.update(marked_at=person.last_contact_at, contact_before=before).where(
                Booking.id == booking.id).execute()
    return Booking.get_by_id(booking_id)


def undo(booking_id, actor=None, now=None):
    """Undo a marking made today: the booking is booked again; returns it.

    Undoing "held" closes the candidate stage again only when nothing else keeps it open:
    another meeting held, or any candidate-stage data given meanwhile (never hidden); and
    the retention clock goes back to where it was, unless there was other contact since.

    The person's row is locked first, so that "no candidate-stage data was given meanwhile"
    and closing the stage are one step: a CV uploaded at the same moment either committed
    before (and is seen, and keeps the stage open) or waits, and then opens the stage again.
    """
    now = now or utcnow()
    with db.atomic():
        person = Person.lock(Booking.get_by_id(booking_id).person_id)
        booking = Booking.get_by_id(booking_id)
        if booking.status not in MARKS:
            raise MarkProblem("not_marked" if booking.status == "booked" else "changed")
        if not can_undo(booking, now):
            raise MarkProblem("too_late")
        changed = (Booking.update(status="booked", marked_at=None, contact_before=None,
                                  updated_at=now)
                   .where(Booking.id == booking.id, Booking.status == booking.status,
                          Booking.marked_at == booking.marked_at).execute())
        if not changed:
            raise MarkProblem("changed")
        record("booking.mark_undone", person=booking.person_id, actor=actor, booking=booking.id,
               was=booking.status)
        if booking.status == "attended":
            if booking.contact_before is not None:
                Person.update(last_contact_at=booking.contact_before).where(
                    Person.id == booking.person_id,
                    Person.last_contact_at == booking.marked_at).execute()
            held_elsewhere = Booking.select().where(
                Booking.person == booking.person_id, Booking.status == "attended").exists()
            if not held_elsewhere:
                close_candidate_stage(person, "attendance_undone")
    return Booking.get_by_id(booking_id)


# --- Past bookings ---------------------------------------------------------------------------

STATUSES = ("booked", "attended", "no_show", "cancelled", "moved")


@dataclass
class PastFilter:
    """What the list of past bookings is narrowed to (every field optional)."""
    consultant: int | None = None
    on_or_after: date | None = None
    on_or_before: date | None = None
    status: str | None = None


def _oslo_midnight(day):
    return to_utc(day, time(0)) or datetime.combine(day, time(0))


def past_bookings(filters, before=None, now=None, limit=PAGE_SIZE):
    """Bookings that have started, newest first, narrowed by `filters`; keyset paged.

    `before` is the id of the last booking of the previous page. Returns (bookings, the id to
    continue from or None), with person and consultant fetched in the same query.
    """
    now = now or utcnow()
    query = (Booking.select(Booking, Person, Consultant).join(Person).switch(Booking)
             .join(Consultant).where(Booking.starts_at <= now))
    if filters.consultant:
        query = query.where(Booking.consultant == filters.consultant)
    if filters.status:
        query = query.where(Booking.status == filters.status)
    if filters.on_or_after:
        query = query.where(Booking.starts_at >= _oslo_midnight(filters.on_or_after))
    if filters.on_or_before:
        query = query.where(Booking.starts_at < _oslo_midnight(filters.on_or_before
                                                               + timedelta(days=1)))
    if before is not None:
        last = Booking.get_or_none(Booking.id == before)
        if last is not None:
            query = query.where(Tuple(Booking.starts_at, Booking.id)
                                < Tuple(last.starts_at, last.id))
    rows = list(query.order_by(Booking.starts_at.desc(), Booking.id.desc()).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)
