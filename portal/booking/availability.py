"""Consultant administration: who can be booked, and their opening hours and exceptions."""
from portal.audit.actions import record
from portal.booking.models import AvailabilityException, Consultant, WeeklyHours
from portal.db import db


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
