"""Bookings: making, cancelling and moving one, its e-mails, reminders, and attendance."""
import uuid
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from portal import catalog
from portal.audit.actions import record
from portal.booking.emails import send_cancellation, send_confirmation, send_moved, send_reminder
from portal.booking.links import booking_named, same_event
from portal.booking.models import TYPED, Booking, Consultant
from portal.booking.schedule import BookingProblem, SlotProblem, claimable_slot, ensure_free, offered_slot
from portal.db import Bound, Prepared, db, prepared_insert, utcnow
from portal.people import registry
from portal.people.contact import contact
from portal.people.models import Person


class LinkProblem(BookingProblem):
    """A cancel or move link that cannot be used: forged, already used, or too late."""
    MESSAGES = {
        "invalid": _l("This link is not valid. Use the link exactly as it came in the e-mail."),
        "old": _l("This link is from an older e-mail and no longer works. The reminder we send "
                  "the day before the meeting has new links; you can also contact us."),
        "used": _l("This booking has already been cancelled or moved, so the link no longer works."),
        "cancelled": _l("This booking has been cancelled, so the link no longer works."),
        "moved": _l("This booking was moved to another time, so this link no longer works."),
        "past": _l("The meeting has already started, so the booking can no longer be changed."),
    }

    def __init__(self, code, current=None):
        super().__init__(code)
        self.current = current  # a moved booking: the booking at the end of its moves


def latest(booking):
    """The booking at the end of a chain of moves (the booking itself when never moved)."""
    seen = {booking.id}
    while booking.moved_to_id is not None and booking.moved_to_id not in seen:
        seen.add(booking.moved_to_id)
        booking = Booking.get_by_id(booking.moved_to_id)
    return booking


def _find_or_create_person(details, locale, now=None):
    """The person with this e-mail, or a new one with booking-stage fields only.

    Raises SlotProblem when the person already holds as many upcoming meetings as one may.
    """
    columns = catalog.columns_of("Person", catalog.BOOKING)
    person = _PERSON_BY_EMAIL.first(email=details["email"])
    if person is None:
        return Person.create(locale=locale, **{c: details[c] for c in columns}), True, {}
    _within_bookings_per_person(person, now)
    differing = {c: details[c] for c in TYPED if details.get(c) != getattr(person, c)}
    contact(person, "booking")
    person.locale = locale  # the language they use now: later e-mails (reminders) follow it
    Person.update(locale=locale).where(Person.id == person.id).execute()
    return person, False, differing


def _within_bookings_per_person(person, now=None):
    """Refuse one more upcoming meeting for a person who holds BOOKINGS_PER_PERSON already."""
    upcoming = Booking.select().where(Booking.person == person.id, Booking.status == "booked",
                                      Booking.starts_at > (now or utcnow()))
    if upcoming.count() >= int(current_app.config.get("BOOKINGS_PER_PERSON", 3)):
        raise SlotProblem("too_many")


def _claim(make):
    """Run `make` in a transaction; once more if a concurrent insert got in between.

    The database's unique index decides between two people who want the same time at the same
    moment (or who create the same person); the slot check of the second attempt tells which.
    """
    try:
        with db.atomic():
            return make()
    except IntegrityError:
        pass
    try:
        with db.atomic():
            return make()
    except IntegrityError:
        raise SlotProblem("taken") from None


# On every booking: their SQL built once (portal/db.py, Prepared).
_new_booking = prepared_insert(Booking)
_PERSON_BY_EMAIL = Prepared(lambda: Person.select().where(Person.email == Bound("email")).limit(1))


def book(slot_id, kind, place, details, locale, now=None):
    """Book a slot for the person with these booking-stage details, in one transaction.

    Raises SlotProblem when the slot cannot be had.
    """
    slot = offered_slot(slot_id, now)

    def make():
        ensure_free(slot)
        person, created, differing = _find_or_create_person(details, locale, now)
        booking = _new_booking(
            person=person, consultant=slot.consultant, starts_at=slot.starts_at,
            ends_at=slot.ends_at, kind=kind, place=place, locale=locale,
            calendar_uid=f"{uuid.uuid4()}@ressursbasen.no",
            **{"typed_" + c: v for c, v in differing.items()})
        record("booking.created", person=person, booking=booking.id,
               consultant=slot.consultant.id, new_person=created,
               differing_fields=len(differing))
        send_confirmation(booking)
        return booking
    return _claim(make)


def booking_from_link(token, action, now=None):
    """The booking a cancel/move link is for, if it may still be changed; raises LinkProblem."""
    named = booking_named(token, action)
    booking = Booking.get_or_none(Booking.id == named[0]) if named is not None else None
    if booking is None:
        raise LinkProblem("invalid")
    if not same_event(booking, named[1]):
        # Signed by us, but for another calendar event under the same id, or before links
        # named the event (such a link cannot tell whose booking the id is now).
        raise LinkProblem("invalid" if named[1] is not None else "old")
    if booking.status == "moved":
        raise LinkProblem("moved", current=latest(booking))
    if booking.status == "cancelled":
        raise LinkProblem("cancelled")
    if booking.status != "booked":
        raise LinkProblem("used")
    if booking.starts_at <= (now or utcnow()):
        raise LinkProblem("past")
    return booking


class ChangeProblem(BookingProblem):
    """A booking on /account that can no longer be changed."""
    MESSAGES = {
        "used": _l("This booking has already been cancelled or moved."),
        "past": _l("The meeting has already started, so the booking can no longer be changed."),
    }


def _changeable(booking_id, person, now=None):
    """The person's own booking if it may still be changed; raises ChangeProblem (404 upstream)."""
    booking = Booking.get_or_none(Booking.id == booking_id, Booking.person == person.id)
    if booking is None:
        raise LookupError(booking_id)
    if booking.status != "booked":
        raise ChangeProblem("used")
    if booking.starts_at <= (now or utcnow()):
        raise ChangeProblem("past")
    return booking


def _cancel(booking, problem):
    changed = (Booking.update(status="cancelled", updated_at=utcnow(),
                              sequence=Booking.sequence + 1)
               .where(Booking.id == booking.id, Booking.status == "booked").execute())
    if not changed:  # a second click that raced the first one
        raise problem
    booking.status, booking.sequence = "cancelled", booking.sequence + 1
    record("booking.cancelled", person=booking.person, booking=booking.id)
    send_cancellation(booking)
    return booking


def cancel(token, now=None):
    """Cancel the booking behind a cancel link; the time is free again at once."""
    with db.atomic():
        return _cancel(booking_from_link(token, "cancel", now), LinkProblem("used"))


def cancel_own(booking_id, person, now=None):
    """Cancel one of the logged-in person's own bookings; the time is free again at once."""
    with db.atomic():
        return _cancel(_changeable(booking_id, person, now), ChangeProblem("used"))


def _move(load_old, slot_id, problem, now=None):
    def make():
        old = load_old()
        slot = claimable_slot(slot_id, now)
        changed = (Booking.update(status="moved", updated_at=utcnow())
                   .where(Booking.id == old.id, Booking.status == "booked").execute())
        if not changed:
            raise problem
        new = Booking.create(
            person=old.person, consultant=slot.consultant, starts_at=slot.starts_at,
            ends_at=slot.ends_at, kind=old.kind, place=old.place, locale=old.locale,
            calendar_uid=old.uid, sequence=old.sequence + 1,  # the same calendar event
            **{"typed_" + c: getattr(old, "typed_" + c) for c in TYPED})
        Booking.update(moved_to=new).where(Booking.id == old.id).execute()
        contact(old.person, "booking")
        record("booking.moved", person=old.person, booking=old.id, moved_to=new.id,
               consultant=slot.consultant.id)
        send_moved(old, new)
        return new
    return _claim(make)


def move(token, slot_id, now=None):
    """Move the booking behind a move link to another slot; the old time is freed at once."""
    return _move(lambda: booking_from_link(token, "move", now), slot_id, LinkProblem("used"), now)


def move_own(booking_id, person, slot_id, now=None):
    """Move one of the logged-in person's own bookings to another slot."""
    return _move(lambda: _changeable(booking_id, person, now), slot_id, ChangeProblem("used"), now)


def own_bookings(person, now=None):
    """The person's bookings: (upcoming ones they can change, earlier or ended ones)."""
    now = now or utcnow()
    rows = list(Booking.select(Booking, Consultant).join(Consultant)
                .where(Booking.person == person.id).order_by(Booking.starts_at))
    upcoming = [b for b in rows if b.status == "booked" and b.starts_at > now]
    return upcoming, [b for b in reversed(rows) if b not in upcoming and b.status != "moved"]


def typed_offers(person):
    """The person's bookings at which they typed details that differ from what we hold."""
    typed = [getattr(Booking, "typed_" + c).is_null(False) for c in TYPED]
    condition = typed[0]
    for t in typed[1:]:
        condition |= t
    return list(Booking.select().where(Booking.person == person.id, condition)
                .order_by(Booking.created_at))


def _clear_typed(booking):
    Booking.update(**{"typed_" + c: None for c in TYPED}).where(Booking.id == booking.id).execute()


def _typed_of(booking_id, person):
    booking = Booking.get_or_none(Booking.id == booking_id, Booking.person == person.id)
    if booking is None:
        raise LookupError(booking_id)
    return booking


def apply_typed(booking_id, person):
    """Use what the person typed at a booking for what we hold (a correction by the person
    themself, through the registry); the typed copy is deleted."""
    with db.atomic():
        booking = _typed_of(booking_id, person)
        values = dict(booking.differing)
        registry.rectify(person, values, by="person")
        _clear_typed(booking)
        record("booking.typed_applied", person=person, booking=booking.id, fields=sorted(values))
    return values


def dismiss_typed(booking_id, person):
    """Keep what we hold and delete what the person typed at a booking. Deleting data is no
    new contact: the retention clock is left as it is."""
    with db.atomic():
        booking = _typed_of(booking_id, person)
        _clear_typed(booking)
        record("booking.typed_dismissed", person=person, booking=booking.id)


def send_reminders(now=None):
    """Remind everyone whose meeting starts within 24 hours, once; returns how many were sent."""
    now = now or utcnow()
    due = (Booking.select(Booking.id, Booking.created_at, Booking.starts_at)
           .where(Booking.status == "booked", Booking.reminder_sent_at.is_null(),
                  Booking.starts_at > now, Booking.starts_at <= now + timedelta(hours=24)))
    sent = 0
    # Booked less than a day ahead: the confirmation was the reminder.
    for row in [r for r in due if r.starts_at - r.created_at > timedelta(hours=24)]:
        with db.atomic():
            # The conditional update makes a second run (or a second cron) a no-op.
            claimed = (Booking.update(reminder_sent_at=now)
                       .where(Booking.id == row.id, Booking.reminder_sent_at.is_null(),
                              Booking.status == "booked").execute())
            if not claimed:
                continue
            send_reminder(Booking.get_by_id(row.id))
            sent += 1
    return sent
