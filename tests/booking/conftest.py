"""Booking fixtures: a consultant open every day, and a valid booking form."""
from datetime import time, timedelta

import pytest

from portal.booking import availability, schedule
from portal.booking.models import Consultant


@pytest.fixture
def consultant(db):
    """A consultant who meets people every day from 08:00 to 16:00 Oslo time."""
    c = Consultant.create(name="Ingrid Bakke", email="ingrid@ressursbasen.no")
    for weekday in range(7):
        availability.add_weekly_hours(c, weekday, time(8), time(16))
    return c


@pytest.fixture
def free_slot(consultant):
    """A function returning the n-th free slot from tomorrow on."""
    def pick(n=0, who=None):
        days = [schedule.oslo_today() + timedelta(days=d) for d in range(1, 8)]
        slots = [s for s in schedule.free_slots(days) if who is None or s.consultant.id == who.id]
        return slots[n]
    return pick


def booking_form(slot_id, **overrides):
    data = dict(slot=slot_id, kind="conversation", meeting_place="office",
                name="Åse Ødegård-Ærø", street="Storgata 1", postal_code="0155", place="Oslo",
                country="NO", email="ase@example.no", phone="412 34 567", website="")
    data.update(overrides)
    return data
