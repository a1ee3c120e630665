"""The bench's own data: the demo consultants, consultants to book, and past bookings.

- The three demo consultants of `make run` (weekday hours) fill /book as a visitor sees it, and
  hold the past bookings: attended or no-show meetings, one an hour going back from yesterday.
- The older history is written for three inactive consultants, who are not shown, and handed
  to the demo consultants and back (show_history, hide_history): the page is measured with and
  without it, taking turns, under the same load.
- BOOKABLE consultants have hours only in weeks 3 and 4 (round the clock, as extra hours), so
  the many bookings the bench makes neither show on nor change the page it measures.
"""
from datetime import time, timedelta

from portal.booking import demo as booking_demo
from portal.booking import schedule
from portal.booking.availability import add_consultant, add_exception
from portal.booking.models import Booking, Consultant
from portal.db import db, utcnow
from portal.people.models import Person

BOOKABLE = 20
PEOPLE = 1000
DEMO = "ressursbasen.no"  # the demo consultants' addresses end so; the bench's own with .test
ARCHIVE = "@archive.test"


def load_consultants():
    """The demo consultants, their archive twins, and BOOKABLE consultants open round the clock
    in weeks 3 and 4; returns the days of those weeks."""
    booking_demo.load_demo_data(None)
    days = schedule.week_days(2) + schedule.week_days(3)
    with db.atomic():
        for consultant in demo_consultants():
            Consultant.create(name=f"{consultant.name} (archive)", active=False,
                              email=f"archive{consultant.id}{ARCHIVE}")
        for n in range(BOOKABLE):
            consultant = add_consultant(f"Bench Consultant {n + 1}", f"bench{n + 1}@consultants.test")
            for day in days:
                add_exception(consultant, day, "extra", time(0), time(23, 59))
    return days


def bookable_slots(days):
    """Every free slot of the bench's own consultants, spread over consultants and days."""
    consultants = list(Consultant.select().where(Consultant.email.endswith("@consultants.test")))
    return schedule.free_slots(days, consultants=consultants)


def demo_consultants():
    return list(Consultant.select().where(Consultant.email.endswith(DEMO)).order_by(Consultant.id))


def archive_consultants():
    return list(Consultant.select().where(Consultant.email.endswith(ARCHIVE)).order_by(Consultant.id))


def add_people():
    rows = [dict(name=f"Past Visitor {n}", email=f"past{n}@visitors.test", phone="+4741234567")
            for n in range(PEOPLE)]
    with db.atomic():
        for start in range(0, len(rows), 500):
            Person.insert_many(rows[start:start + 500]).execute()
    return [p.id for p in Person.select(Person.id).where(Person.email.endswith("@visitors.test"))]


def add_past_bookings(people, first, count, archive=False, batch=2000):
    """Past bookings number first .. first+count-1 (0 is the most recent): attended or no-show,
    of the demo consultants, or of their archive twins."""
    consultants = [c.id for c in (archive_consultants() if archive else demo_consultants())]
    yesterday = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    length = schedule.slot_length()
    now = utcnow()
    for start in range(first, first + count, batch):
        rows = []
        for n in range(start, min(start + batch, first + count)):
            starts = yesterday - timedelta(hours=n // len(consultants))
            rows.append(dict(person=people[n % len(people)], consultant=consultants[n % len(consultants)],
                             starts_at=starts, ends_at=starts + length, kind="conversation",
                             place="office", status="no_show" if n % 5 == 0 else "attended",
                             locale="nb", created_at=now, updated_at=now))
        with db.atomic():
            Booking.insert_many(rows).execute()


def last_booking_id():
    return Booking.select(Booking.id).order_by(Booking.id.desc()).scalar() or 0


def show_history():
    """Hand the archive's past bookings to the demo consultants: /book now has all of them."""
    _hand_over(archive_consultants(), demo_consultants())


def hide_history(recent):
    """Give the past bookings after booking `recent` back to the archive."""
    _hand_over(demo_consultants(), archive_consultants(), Booking.id > recent)


def _hand_over(givers, takers, *where):
    with db.atomic():
        for giver, taker in zip(givers, takers):
            Booking.update(consultant=taker).where(
                Booking.consultant == giver, Booking.person.in_(_past_visitors()), *where).execute()


def _past_visitors():
    return Person.select(Person.id).where(Person.email.endswith("@visitors.test"))
