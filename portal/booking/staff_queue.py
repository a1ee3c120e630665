"""What booking brings to the staff queue: meetings still to be held or marked, today's and
the coming days', soonest first (portal/staff/sections.py). Bookings are not assigned: each
has its consultant."""
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from portal.booking.models import Booking, Consultant
from portal.booking.schedule import oslo_today
from portal.db import oslo_midnight, utcnow
from portal.people.models import Person
from portal.staff.sections import Item, Section

KIND = "bookings"
LOOK_BACK = timedelta(days=7)  # a meeting left unmarked stays in the queue this long
STATUSES = {"to_mark": _l("Started, to be marked"), "today": _l("Later today"),
            "upcoming": _l("Coming days")}


def _waiting(now):
    return (Booking.status == "booked") & (Booking.starts_at >= now - LOOK_BACK)


def _status(booking, now, tomorrow):
    if booking.starts_at <= now:
        return "to_mark"
    return "today" if booking.starts_at < tomorrow else "upcoming"


def find(query):
    """Booked meetings from a week back on, soonest first, narrowed to one status."""
    now = utcnow()
    tomorrow = oslo_midnight(oslo_today(now) + timedelta(days=1))
    condition = _waiting(now)
    if query.status == "to_mark":
        condition &= Booking.starts_at <= now
    elif query.status == "today":
        condition &= (Booking.starts_at > now) & (Booking.starts_at < tomorrow)
    elif query.status == "upcoming":
        condition &= Booking.starts_at >= tomorrow
    found = (Booking.select(Booking, Person, Consultant).join(Person).switch(Booking)
             .join(Consultant).where(condition, query.following(Booking.starts_at, Booking.id))
             .order_by(Booking.starts_at, Booking.id).limit(query.limit + 1))
    return [Item(KIND, b.id, (b.starts_at, b.id), b, _status(b, now, tomorrow)) for b in found]


def count():
    """The bookings waiting, for the queue to count."""
    return Booking.select(Booking.id).where(_waiting(utcnow()))


def queue_section():
    """The staff queue's "Bookings" section."""
    return Section(kind=KIND, title=_l("Bookings today and coming"),
                   template="booking/_staff_queue.html", find=find, count=count,
                   key=(datetime, int), statuses=STATUSES, empty=_l("No upcoming bookings."))
