"""Which times are free: opening hours and exceptions on the Oslo wall clock, minus bookings."""
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.booking.models import HOLDING, AvailabilityException, Booking, Consultant, WeeklyHours
from portal.db import Bound, Prepared, db, utcnow
from portal.problems import Problem

OSLO = ZoneInfo("Europe/Oslo")


class BookingProblem(Problem):
    """Something the person must be told; `code` picks the message from MESSAGES."""
    MESSAGES = {}


class SlotProblem(BookingProblem):
    """The chosen time cannot be booked."""
    MESSAGES = {
        "unknown": _l("We do not offer that time. Choose one of the times in the list."),
        "past": _l("That time has already passed. Choose a later time."),
        "taken": _l("This time was just taken by someone else. Choose another time below."),
        "too_many": _l("You already have as many upcoming meetings with us as one person can book. "
                       "Cancel or move one of them first."),
    }


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
    hours = WeeklyHours.select().where(WeeklyHours.consultant.in_(ids))
    exceptions = AvailabilityException.select().where(
        AvailabilityException.consultant.in_(ids),
        AvailabilityException.on.between(min(days), max(days)))
    return _grid(consultants, days, hours, exceptions)


def _grid(consultants, days, weekly_hours, availability_exceptions):
    """The slots of the consultants on these dates, from their hours and exceptions."""
    hours = {}
    for h in weekly_hours:
        hours.setdefault((h.consultant_id, h.weekday), []).append((h.starts, h.ends))
    exceptions = {}
    for x in availability_exceptions:
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


# No meeting is longer: a slot lies within one day's opening hours (offered_slots). It bounds
# the overlap check from below, so that an index range, not the whole history, is read.
LONGEST_MEETING = timedelta(days=1)


# One slot's checks, on every booking request: built once (portal/db.py, Prepared).
_ACTIVE_CONSULTANT = Prepared(lambda: Consultant.select().where(
    Consultant.id == Bound("id"), Consultant.active == True).limit(1))  # noqa: E712
_DAY_HOURS = Prepared(lambda: WeeklyHours.select().where(
    WeeklyHours.consultant == Bound("consultant"), WeeklyHours.weekday == Bound("weekday")))
_DAY_EXCEPTIONS = Prepared(lambda: AvailabilityException.select().where(
    AvailabilityException.consultant == Bound("consultant"), AvailabilityException.on == Bound("day")))
_HOLDS_TIME = Prepared(lambda: Booking.select(Booking.id).where(
    Booking.consultant == Bound("consultant"), Booking.status.in_(HOLDING),
    Booking.starts_at > Bound("after"), Booking.starts_at < Bound("ends"),
    Booking.ends_at > Bound("starts")).limit(1))


def holding(consultant_ids, starts, ends):
    """The bookings of these consultants that hold time between starts and ends."""
    return (Booking.select(Booking.consultant, Booking.starts_at, Booking.ends_at)
            .where(Booking.consultant.in_(consultant_ids), Booking.status.in_(HOLDING),
                   Booking.starts_at > starts - LONGEST_MEETING, Booking.starts_at < ends,
                   Booking.ends_at > starts))


def free_slots(days, now=None, consultants=None):
    """The bookable slots on these Oslo dates: offered, in the future, not taken."""
    now = now or utcnow()
    if consultants is None:
        consultants = Consultant.select().where(Consultant.active).order_by(Consultant.name)
    slots = [s for s in offered_slots(consultants, days) if s.starts_at > now]
    if not slots:
        return []
    taken = list(holding({s.consultant.id for s in slots}, slots[0].starts_at,
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
    slot = offered_slot(slot_id, now)
    ensure_free(slot)
    return slot


def offered_slot(slot_id, now=None):
    """The slot behind a slot id if a consultant offers it and it lies ahead, free or not;
    raises SlotProblem otherwise. What is offered changes seldom: a booking checks it before
    its transaction, and only ensure_free() in it."""
    now = now or utcnow()
    parsed = parse_slot_id(slot_id)
    if parsed is None:
        raise SlotProblem("unknown")
    if to_oslo(parsed[1]).date() > week_days(weeks_ahead() - 1, now)[-1]:
        raise SlotProblem("unknown")  # beyond the weeks the page offers
    consultant = _ACTIVE_CONSULTANT.first(id=parsed[0])
    if consultant is None:
        raise SlotProblem("unknown")
    day = to_oslo(parsed[1]).date()
    offered = _grid([consultant], [day], _DAY_HOURS.rows(consultant=consultant.id, weekday=day.weekday()),
                    _DAY_EXCEPTIONS.rows(consultant=consultant.id, day=day))
    slot = next((s for s in offered if s.starts_at == parsed[1]), None)
    if slot is None:
        raise SlotProblem("unknown")
    if slot.starts_at <= now:
        raise SlotProblem("past")
    return slot


def ensure_free(slot):
    """Raise SlotProblem("taken") when a booking holds time the slot overlaps. Call it in the
    transaction that books the slot, so that the check and the booking hold together."""
    if db.for_update:
        # One booking at a time per consultant: overlapping slots of two grids (say 9:00 from
        # the weekly hours and 9:30 from extra hours) cannot both pass the check below.
        # SQLite gets the same from BEGIN IMMEDIATE.
        Consultant.select(Consultant.id).where(Consultant.id == slot.consultant.id).for_update().execute()
    if _HOLDS_TIME.first(consultant=slot.consultant.id, after=slot.starts_at - LONGEST_MEETING,
                         starts=slot.starts_at, ends=slot.ends_at) is not None:
        raise SlotProblem("taken")
