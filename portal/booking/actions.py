"""Booking rules: which times are free, claiming one, cancelling, moving, reminding, attending."""
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer
from peewee import IntegrityError

from portal import catalog
from portal.audit.actions import record
from portal.booking.models import (HOLDING, TYPED, AvailabilityException, Booking, Consultant,
                                   WeeklyHours)
from portal.candidates.actions import invite_path, open_candidate_stage
from portal.candidates.models import Person
from portal.db import db, utcnow
from portal.mail.actions import queue_email
from portal.web.links import external_url

OSLO = ZoneInfo("Europe/Oslo")

KIND_LABELS = {"conversation": _l("Conversation"), "meeting": _l("Meeting"),
               "interview": _l("Interview")}
PLACE_LABELS = {"office": _l("At our office"), "phone": _l("By phone"), "video": _l("By video")}
FIELD_LABELS = {"name": _l("Name"), "street": _l("Street address"), "postal_code": _l("Postal code"),
                "place": _l("Place"), "country": _l("Country"), "phone": _l("Phone")}


class BookingProblem(Exception):
    """Something the person must be told; `code` picks the message from MESSAGES."""
    MESSAGES = {}

    def __init__(self, code):
        super().__init__(code)
        self.code = code

    @property
    def message(self):
        return self.MESSAGES[self.code]


class SlotProblem(BookingProblem):
    """The chosen time cannot be booked."""
    MESSAGES = {
        "unknown": _l("We do not offer that time. Choose one of the times in the list."),
        "past": _l("That time has already passed. Choose a later time."),
        "taken": _l("This time was just taken by someone else. Choose another time below."),
    }


class LinkProblem(BookingProblem):
    """A cancel or move link that cannot be used: forged, already used, or too late."""
    MESSAGES = {
        "invalid": _l("This link is not valid. Use the link exactly as it came in the e-mail."),
        "used": _l("This booking has already been cancelled or moved, so the link no longer works."),
        "past": _l("The meeting has already started, so the booking can no longer be changed."),
    }


# --- Times -------------------------------------------------------------------------------------

def _setting(name, default):
    return current_app.config.get(name, default)


def slot_length():
    return timedelta(minutes=int(_setting("SLOT_MINUTES", 45)))


def slot_step():
    return slot_length() + timedelta(minutes=int(_setting("SLOT_BUFFER_MINUTES", 15)))


def weeks_ahead():
    return int(_setting("BOOKING_WEEKS_AHEAD", 4))


def to_utc(day, clock):
    """Oslo wall-clock time on a day as naive UTC; None when that time does not exist (DST gap)."""
    local = datetime.combine(day, clock, tzinfo=OSLO)
    utc = local.astimezone(UTC)
    if utc.astimezone(OSLO).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None  # the clocks jump over this time in spring
    return utc.replace(tzinfo=None)


def to_oslo(utc_naive):
    return utc_naive.replace(tzinfo=UTC).astimezone(OSLO)


def oslo_today(now=None):
    return to_oslo(now or utcnow()).date()


def clamp_week(week):
    """A week offset the page offers: 0 (this week) up to weeks_ahead() - 1."""
    try:
        week = int(week)
    except (TypeError, ValueError):
        return 0
    return min(max(week, 0), weeks_ahead() - 1)


def week_days(week, now=None):
    """The seven dates (Monday first) of the week `week` weeks after the current Oslo week."""
    today = oslo_today(now)
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=week)
    return [monday + timedelta(days=n) for n in range(7)]


@dataclass(frozen=True)
class Slot:
    consultant: Consultant
    starts_at: datetime  # naive UTC
    ends_at: datetime

    @property
    def id(self):
        return f"{self.consultant.id}-{self.starts_at:%Y%m%d%H%M}"

    @property
    def local_day(self):
        return to_oslo(self.starts_at).date()


def parse_slot_id(slot_id):
    """(consultant id, naive UTC start) of a slot id, or None when it is malformed."""
    try:
        consultant_id, stamp = (slot_id or "").split("-")
        if not (consultant_id.isdigit() and len(consultant_id) <= 9 and stamp.isdigit()
                and len(stamp) == 12):
            return None
        start = datetime.strptime(stamp, "%Y%m%d%H%M")
        if not 2000 <= start.year <= 2999:  # far outside what is ever offered
            return None
        return int(consultant_id), start
    except ValueError:
        return None


def _subtract(intervals, cuts):
    """Local-time intervals minus the cut intervals."""
    result = []
    for start, end in intervals:
        pieces = [(start, end)]
        for cut_start, cut_end in cuts:
            pieces = [p for s, e in pieces
                      for p in ((s, min(e, cut_start)), (max(s, cut_end), e)) if p[0] < p[1]]
        result += pieces
    return result


def offered_slots(consultants, days):
    """Every slot the consultants offer on these Oslo dates, free or not, in time order."""
    consultants = list(consultants)
    ids = [c.id for c in consultants]
    if not ids or not days:
        return []
    hours = {}
    for h in WeeklyHours.select().where(WeeklyHours.consultant.in_(ids)):
        hours.setdefault((h.consultant_id, h.weekday), []).append((h.starts, h.ends))
    exceptions = {}
    for x in AvailabilityException.select().where(
            AvailabilityException.consultant.in_(ids),
            AvailabilityException.on.between(min(days), max(days))):
        exceptions.setdefault((x.consultant_id, x.on), []).append(x)
    length, step = slot_length(), slot_step()
    slots = []
    for consultant in consultants:
        for day in days:
            weekly = hours.get((consultant.id, day.weekday()), [])
            extra, cuts = [], []
            for x in exceptions.get((consultant.id, day), []):
                if x.kind == "extra" and x.starts and x.ends:
                    extra.append((x.starts, x.ends))
                elif x.kind == "off":
                    cuts.append((x.starts or time.min, x.ends or time.max))
            # Time off cuts the weekly hours; extra hours on that date are given on purpose.
            for start, end in sorted(_subtract(weekly, cuts) + extra):
                # The grid is counted in wall-clock time, so a DST change moves nothing.
                at = datetime.combine(day, start)
                while at + length <= datetime.combine(day, end):
                    begins = to_utc(day, at.time())
                    if begins is not None:
                        slots.append(Slot(consultant, begins, begins + length))
                    at += step
    return sorted(set(slots), key=lambda s: (s.starts_at, s.consultant.name, s.consultant.id))


def _holding(consultant_ids, starts, ends):
    return (Booking.select(Booking.consultant, Booking.starts_at, Booking.ends_at)
            .where(Booking.consultant.in_(consultant_ids), Booking.status.in_(HOLDING),
                   Booking.starts_at < ends, Booking.ends_at > starts))


def free_slots(days, now=None, consultants=None):
    """The bookable slots on these Oslo dates: offered, in the future, not taken."""
    now = now or utcnow()
    if consultants is None:
        consultants = Consultant.select().where(Consultant.active).order_by(Consultant.name)
    slots = [s for s in offered_slots(consultants, days) if s.starts_at > now]
    if not slots:
        return []
    taken = list(_holding({s.consultant.id for s in slots}, slots[0].starts_at,
                          max(s.ends_at for s in slots)))
    return [s for s in slots
            if not any(b.consultant_id == s.consultant.id and b.starts_at < s.ends_at
                       and b.ends_at > s.starts_at for b in taken)]


def slots_by_day(week, now=None):
    """The free slots of one week, as (date, [slots]) for each day that has any."""
    days = {}
    for slot in free_slots(week_days(week, now), now):
        days.setdefault(slot.local_day, []).append(slot)
    return sorted(days.items())


def claimable_slot(slot_id, now=None):
    """The slot behind a slot id if it can be booked now; raises SlotProblem otherwise."""
    now = now or utcnow()
    parsed = parse_slot_id(slot_id)
    if parsed is None:
        raise SlotProblem("unknown")
    query = Consultant.select().where(Consultant.id == parsed[0], Consultant.active == True)  # noqa: E712
    if db.for_update:
        # One booking at a time per consultant: overlapping slots of two grids (say 9:00 from
        # the weekly hours and 9:30 from extra hours) cannot both pass the check below.
        # SQLite gets the same from BEGIN IMMEDIATE.
        query = query.for_update()
    consultant = query.first()
    if consultant is None:
        raise SlotProblem("unknown")
    day = to_oslo(parsed[1]).date()
    slot = next((s for s in offered_slots([consultant], [day]) if s.starts_at == parsed[1]), None)
    if slot is None:
        raise SlotProblem("unknown")
    if slot.starts_at <= now:
        raise SlotProblem("past")
    if _holding([consultant.id], slot.starts_at, slot.ends_at).exists():
        raise SlotProblem("taken")
    return slot


# --- Booking -----------------------------------------------------------------------------------

def _find_or_create_person(details, locale):
    """The person with this e-mail, or a new one with booking-stage fields only."""
    columns = catalog.columns_of("Person", catalog.BOOKING)
    person = Person.get_or_none(Person.email == details["email"])
    if person is None:
        return Person.create(locale=locale, **{c: details[c] for c in columns}), True, {}
    differing = {c: details[c] for c in TYPED if details.get(c) != getattr(person, c)}
    person.touch()
    person.locale = locale  # the language they use now: later e-mails (reminders) follow it
    Person.update(last_contact_at=person.last_contact_at, updated_at=person.updated_at,
                  locale=locale).where(Person.id == person.id).execute()
    return person, False, differing


def book(slot_id, kind, place, details, locale, now=None):
    """Book a slot for the person with these booking-stage details, in one transaction.

    Raises SlotProblem when the slot cannot be had; the database's unique index decides
    between two people who want the same time at the same moment.
    """
    for attempt in (1, 2):
        try:
            with db.atomic():
                slot = claimable_slot(slot_id, now)
                person, created, differing = _find_or_create_person(details, locale)
                booking = Booking.create(
                    person=person, consultant=slot.consultant, starts_at=slot.starts_at,
                    ends_at=slot.ends_at, kind=kind, place=place, locale=locale,
                    **{"typed_" + c: v for c, v in differing.items()})
                record("booking.created", person=person, booking=booking.id,
                       consultant=slot.consultant.id, new_person=created,
                       differing_fields=len(differing))
                send_confirmation(booking)
            return booking
        except IntegrityError:
            # Someone claimed the slot (or created the same person) between our check and
            # our insert; the slot check on the next attempt tells which.
            if attempt == 2 or _holding([slot.consultant.id], slot.starts_at, slot.ends_at).exists():
                raise SlotProblem("taken") from None
    raise SlotProblem("taken")  # pragma: no cover - the loop always returns or raises


def link_token(booking, action):
    """A signed token for the cancel or move link of a booking."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"booking-{action}").dumps(
        {"b": booking.id})


def link_url(booking, action):
    return external_url(f"/book/{action}/{link_token(booking, action)}")


def booking_from_link(token, action, now=None):
    """The booking a cancel/move link is for, if it may still be changed; raises LinkProblem."""
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"],
                                 salt=f"booking-{action}").loads(token)
    except BadSignature:
        raise LinkProblem("invalid") from None
    booking = Booking.get_or_none(Booking.id == data.get("b")) if isinstance(data, dict) else None
    if booking is None:
        raise LinkProblem("invalid")
    if booking.status != "booked":
        raise LinkProblem("used")
    if booking.starts_at <= (now or utcnow()):
        raise LinkProblem("past")
    return booking


def _touch(person):
    person.touch()
    Person.update(last_contact_at=person.last_contact_at, updated_at=person.updated_at).where(
        Person.id == person.id).execute()


def cancel(token, now=None):
    """Cancel the booking behind a cancel link; the time is free again at once."""
    with db.atomic():
        booking = booking_from_link(token, "cancel", now)
        changed = (Booking.update(status="cancelled", updated_at=utcnow())
                   .where(Booking.id == booking.id, Booking.status == "booked").execute())
        if not changed:  # a second click that raced the first one
            raise LinkProblem("used")
        booking.status = "cancelled"
        _touch(booking.person)
        record("booking.cancelled", person=booking.person, booking=booking.id)
    return booking


def move(token, slot_id, now=None):
    """Move the booking behind a move link to another slot; the old time is freed at once."""
    for attempt in (1, 2):
        try:
            with db.atomic():
                old = booking_from_link(token, "move", now)
                slot = claimable_slot(slot_id, now)
                changed = (Booking.update(status="moved", updated_at=utcnow())
                           .where(Booking.id == old.id, Booking.status == "booked").execute())
                if not changed:
                    raise LinkProblem("used")
                new = Booking.create(
                    person=old.person, consultant=slot.consultant, starts_at=slot.starts_at,
                    ends_at=slot.ends_at, kind=old.kind, place=old.place, locale=old.locale,
                    **{"typed_" + c: getattr(old, "typed_" + c) for c in TYPED})
                Booking.update(moved_to=new).where(Booking.id == old.id).execute()
                _touch(old.person)
                record("booking.moved", person=old.person, booking=old.id, moved_to=new.id,
                       consultant=slot.consultant.id)
                send_confirmation(new)
            return new
        except IntegrityError:
            if attempt == 2 or _holding([slot.consultant.id], slot.starts_at, slot.ends_at).exists():
                raise SlotProblem("taken") from None
    raise SlotProblem("taken")  # pragma: no cover


# --- E-mail ------------------------------------------------------------------------------------

def invite_ics(booking):
    """The calendar invitation for a booking, with the Europe/Oslo VTIMEZONE."""
    cal = Calendar()
    cal.add("prodid", "-//ressursbasen.no//booking//NO")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"booking-{booking.id}@ressursbasen.no")
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", to_oslo(booking.starts_at))
    event.add("dtend", to_oslo(booking.ends_at))
    event.add("summary", f"{KIND_LABELS[booking.kind]} · ressursbasen.no")
    event.add("location", str(PLACE_LABELS[booking.place]))
    event.add("description", f"{booking.consultant.name}\n{link_url(booking, 'cancel')}")
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _email_context(booking):
    return dict(booking=booking, consultant=booking.consultant,
                kind=KIND_LABELS[booking.kind], place=PLACE_LABELS[booking.place],
                cancel_url=link_url(booking, "cancel"), move_url=link_url(booking, "move"),
                privacy_url=external_url("/privacy"),
                # Someone who already has an account needs no invitation to make one.
                invite_url=(None if booking.person.users.exists()
                            else external_url(invite_path(booking.person))))


def send_confirmation(booking):
    """Write the confirmation e-mail with its .ics invite to the outbox (inside the booking's transaction)."""
    with force_locale(booking.locale):
        ics = invite_ics(booking)
    queue_email(booking.person.email, _l("Your booking with ressursbasen.no"),
                "booking/email/confirmation", booking.locale, person=booking.person,
                attachments=[("invite.ics", ics, "text/calendar")],
                **_email_context(booking))


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
            booking = Booking.get_by_id(row.id)
            queue_email(booking.person.email, _l("Reminder: your meeting with ressursbasen.no"),
                        "booking/email/reminder", booking.person.locale, person=booking.person,
                        **_email_context(booking))
            sent += 1
    return sent


# --- Staff -------------------------------------------------------------------------------------

def upcoming_bookings(now=None):
    """Bookings still to be held or marked: from a week back, soonest first."""
    now = now or utcnow()
    return (Booking.select(Booking, Person, Consultant).join(Person).switch(Booking)
            .join(Consultant)
            .where(Booking.status == "booked", Booking.starts_at >= now - timedelta(days=7))
            .order_by(Booking.starts_at))


def queue_section():
    """The staff queue's "Upcoming bookings" section."""
    return (_l("Upcoming bookings"), "booking/_staff_queue.html", list(upcoming_bookings()))


def mark(booking, status, actor=None):
    """Mark a booked meeting attended or no-show; attended opens the candidate stage."""
    if status not in ("attended", "no_show"):
        raise ValueError(status)
    with db.atomic():
        changed = (Booking.update(status=status, updated_at=utcnow())
                   .where(Booking.id == booking.id, Booking.status == "booked").execute())
        if not changed:
            return False
        record(f"booking.{status}", person=booking.person, actor=actor, booking=booking.id)
        if status == "attended":
            open_candidate_stage(booking.person, "meeting_attended")
    return True


def add_consultant(name, email):
    """Create a consultant people can book."""
    with db.atomic():
        consultant = Consultant.create(name=name, email=email)
        record("consultant.created", consultant=consultant.id)
    return consultant


def set_active(consultant, active):
    """Offer or stop offering a consultant's times; existing bookings stay."""
    Consultant.update(active=active).where(Consultant.id == consultant.id).execute()


def add_weekly_hours(consultant, weekday, starts, ends):
    """Add opening hours on a weekday."""
    return WeeklyHours.create(consultant=consultant, weekday=weekday, starts=starts, ends=ends)


def add_exception(consultant, on, kind, starts=None, ends=None):
    """Add a day off, hours off or extra hours on a date."""
    return AvailabilityException.create(consultant=consultant, on=on, kind=kind,
                                        starts=starts, ends=ends)


def remove_weekly_hours(consultant, hours_id):
    """Remove one row of a consultant's weekly hours; booked meetings stay."""
    WeeklyHours.delete().where(WeeklyHours.consultant == consultant,
                               WeeklyHours.id == hours_id).execute()


def remove_exception(consultant, exception_id):
    """Remove one of a consultant's exceptions."""
    AvailabilityException.delete().where(AvailabilityException.consultant == consultant,
                                         AvailabilityException.id == exception_id).execute()


def load_demo_data():
    """Demo consultants with weekday opening hours."""
    for name, email, hours in (
            ("Ingrid Bakke", "ingrid.bakke@ressursbasen.no", (time(9), time(15))),
            ("Jonas Lie", "jonas.lie@ressursbasen.no", (time(8), time(12))),
            ("Amina Hassan", "amina.hassan@ressursbasen.no", (time(12), time(17)))):
        consultant = Consultant.create(name=name, email=email)
        for weekday in range(5):
            add_weekly_hours(consultant, weekday, *hours)
    today = date.today()
    add_exception(Consultant.get(Consultant.name == "Jonas Lie"),
                  today + timedelta(days=(5 - today.weekday()) % 7 + 7), "extra",
                  time(10), time(13))
