"""Staff: upcoming bookings in the queue, attended or no-show, and consultants' hours."""
from datetime import time, timedelta

import pytest

from portal.booking import actions, demo, schedule
from portal.booking.models import AvailabilityException, Consultant, WeeklyHours


@pytest.fixture
def booked(app, consultant, free_slot):
    """A booking made through the public form."""
    slot = free_slot()
    return actions.book(slot.id, "interview", "video", dict(
        name="Ola Nordmann", street="Storgata 1", postal_code="0155", place="Oslo",
        country="NO", email="ola@example.no", phone="+4741234567"), "nb")


def test_queue_lists_upcoming_bookings(client, login_as, booked):
    login_as("staff")
    page = client.get("/staff/queue").get_data(as_text=True)
    assert "Bestillinger i dag og fremover" in page and "Ola Nordmann" in page and "Intervju" in page
    # Not started: nothing to mark yet (tests/booking/test_attendance.py marks it).
    assert "Ikke startet ennå" in page and f"/staff/bookings/{booked.id}/attended" not in page


def test_staff_add_a_consultant_and_hours_and_a_day_off(client, login_as):
    login_as("staff")
    response = client.post("/staff/consultants", data={"name": "Jonas Lie", "email": "jonas@ressursbasen.no"})
    consultant = Consultant.get(Consultant.name == "Jonas Lie")
    assert response.headers["Location"] == f"/staff/consultants/{consultant.id}/hours"
    url = f"/staff/consultants/{consultant.id}/hours"
    for weekday in range(7):
        client.post(url, data={"what": "hours", "h-weekday": weekday, "h-starts": "10:00", "h-ends": "12:00"})
    assert WeeklyHours.select().count() == 7
    day = schedule.oslo_today() + timedelta(days=2)
    assert [s.starts_at for s in schedule.free_slots([day])] == [
        schedule.to_utc(day, time(10)), schedule.to_utc(day, time(11))]

    client.post(url, data={"what": "exception", "x-on": day.isoformat(), "x-kind": "off"})
    assert schedule.free_slots([day]) == []
    client.post(url, data={"what": "exception", "x-on": day.isoformat(), "x-kind": "extra",
                           "x-starts": "14:00", "x-ends": "15:00"})
    assert [s.starts_at for s in schedule.free_slots([day])] == [schedule.to_utc(day, time(14))]
    page = client.get(url).get_data(as_text=True)
    assert "Åpningstider for Jonas Lie" in page and "hele dagen" in page

    off = AvailabilityException.get(AvailabilityException.kind == "off")
    client.post(url, data={"what": "delete-exception", "id": off.id})
    assert len(schedule.free_slots([day])) == 3
    client.post(f"/staff/consultants/{consultant.id}/active")
    assert schedule.free_slots([day]) == []


@pytest.mark.parametrize("data, message", [
    ({"what": "hours", "h-weekday": "0", "h-starts": "12:00", "h-ends": "10:00"},
     "Slutten må være etter starten."),
    ({"what": "hours", "h-weekday": "9", "h-starts": "08:00", "h-ends": "10:00"}, ""),
    ({"what": "hours", "h-weekday": "0", "h-starts": "", "h-ends": "nonsense"},
     "Skriv inn et starttidspunkt."),
    ({"what": "exception", "x-on": "2026-13-40", "x-kind": "off"}, ""),
    ({"what": "exception", "x-on": "2027-01-04", "x-kind": "extra"},
     "Ekstra timer trenger både start- og sluttidspunkt."),
    ({"what": "nonsense"}, ""),
])
def test_bad_hours_get_a_message_and_write_nothing(client, login_as, consultant, data, message):
    login_as("staff")
    before = (WeeklyHours.select().count(), AvailabilityException.select().count())
    response = client.post(f"/staff/consultants/{consultant.id}/hours", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (WeeklyHours.select().count(), AvailabilityException.select().count()) == before


def test_demo_data_offers_times(app, db):
    demo.load_demo_data("demo password")
    assert Consultant.select().count() == 3
    assert any(schedule.slots_by_day(week) for week in range(2))
