"""Staff: upcoming bookings in the queue, attended or no-show, and consultants' hours."""
from datetime import time, timedelta

import pytest

from portal.audit.models import AuditEvent
from portal.booking import actions, demo, schedule
from portal.booking.models import AvailabilityException, Booking, Consultant, WeeklyHours
from portal.db import utcnow
from portal.people.models import Person


@pytest.fixture
def booked(app, consultant, free_slot):
    """A booking made through the public form, whose meeting has just begun: staff can mark it."""
    slot = free_slot()
    booking = actions.book(slot.id, "interview", "video", dict(
        name="Ola Nordmann", street="Storgata 1", postal_code="0155", place="Oslo",
        country="NO", email="ola@example.no", phone="+4741234567"), "nb")
    begun = utcnow() - timedelta(minutes=5)
    Booking.update(starts_at=begun, ends_at=begun + timedelta(minutes=45)).where(
        Booking.id == booking.id).execute()
    return Booking.get_by_id(booking.id)


def test_queue_lists_upcoming_bookings(client, login_as, booked):
    login_as("staff")
    page = client.get("/staff/queue").get_data(as_text=True)
    assert "Kommende bestillinger" in page and "Ola Nordmann" in page and "Intervju" in page
    assert f"/staff/bookings/{booked.id}/attended" in page


def test_attended_opens_the_candidate_stage(client, login_as, booked):
    login_as("staff")
    response = client.post(f"/staff/bookings/{booked.id}/attended")
    assert response.status_code == 302
    assert Booking.get_by_id(booked.id).status == "attended"
    assert Person.get_by_id(booked.person_id).stage == "candidate"
    assert {"booking.attended", "person.candidate_stage_opened"} <= {
        e.action for e in AuditEvent.select()}
    # Marked once: a second click changes nothing and says so.
    client.post(f"/staff/bookings/{booked.id}/no-show")
    assert Booking.get_by_id(booked.id).status == "attended"
    assert "allerede markert" in client.get("/staff/queue").get_data(as_text=True)


def test_no_show_keeps_the_booking_stage(client, login_as, booked):
    login_as("staff")
    client.post(f"/staff/bookings/{booked.id}/no-show")
    assert Booking.get_by_id(booked.id).status == "no_show"
    assert Person.get_by_id(booked.person_id).stage == "booking"
    assert "Ola Nordmann" not in client.get("/staff/queue").get_data(as_text=True)
    assert client.post("/staff/bookings/99999/attended").status_code == 404


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
