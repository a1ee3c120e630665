"""Erasing a person with a meeting still to come cancels it in the consultant's calendar, as a
cancelled booking does, and tells the consultant nothing of the person: the meeting is off."""
from datetime import timedelta

import pytest
import time_machine

from portal.booking import schedule
from portal.booking.models import Booking
from portal.mail.models import Outbox
from portal.people import registry
from tests.booking.conftest import book_with_code, booking_form
from tests.booking.test_calendar import read_ics, the_ics

NAME, EMAIL, PHONE = "Slettes Qvistsen", "slettes@example.no", "977 66 554"
CONSULTANT = "ingrid@ressursbasen.no"


def _book(client, outbox, slot, **overrides):
    data = booking_form(slot.id, name=NAME, email=EMAIL, phone=PHONE, street="Qvistveien 9",
                        **overrides)
    assert book_with_code(client, outbox, data).status_code == 302
    return Booking.get(Booking.starts_at == slot.starts_at)


def _person_in(text):
    return [v for v in (NAME, "Slettes", EMAIL, "slettes@", "97 76 65 54", "97766554",
                        "Qvistveien") if v.lower() in text.lower()]


@pytest.mark.parametrize("place", ["phone", "office", "video"])
def test_erasing_a_person_cancels_their_coming_meeting_with_the_consultant(
        client, consultant, free_slot, outbox, place):
    slot = free_slot(0)
    booking = _book(client, outbox, slot, meeting_place=place)
    [invitation] = outbox.to(CONSULTANT)
    invited = read_ics(the_ics(invitation))
    assert _person_in(invitation.body)  # the invitation said who was coming

    registry.erase_person(booking.person, "request 1")
    [_, cancellation] = outbox.to(CONSULTANT)
    event = read_ics(the_ics(cancellation))
    assert event["method"] == "CANCEL" and event["status"] == "CANCELLED"
    assert (event["uid"], event["start"]) == (invited["uid"], invited["start"])
    assert event["sequence"] == invited["sequence"] + 1
    assert event["attendees"] == ["mailto:ingrid@ressursbasen.no"]
    assert "avlyst" in cancellation.subject and "avlyst" in cancellation.body
    assert f"kl. {schedule.to_oslo(slot.starts_at):%H:%M}" in cancellation.body
    for text in (cancellation.subject, cancellation.body, the_ics(cancellation).decode()):
        assert _person_in(text) == [], text
    assert Outbox.get(Outbox.to == CONSULTANT, Outbox.sent_at.is_null(False),
                      Outbox.template == "booking/email/consultant_erased").person_id is None


def test_meetings_past_cancelled_or_moved_are_not_cancelled_again(
        client, consultant, free_slot, outbox):
    _book(client, outbox, free_slot(0))
    client.post(_link(outbox, "cancel"))  # the consultant was told then
    assert len(outbox.to(CONSULTANT)) == 2
    booking = _book(client, outbox, free_slot(1))
    assert len(outbox.to(CONSULTANT)) == 3  # its invitation
    with time_machine.travel(booking.starts_at.replace(tzinfo=schedule.UTC) + timedelta(hours=1)):
        registry.erase_person(Booking.get_by_id(booking.id).person, "request 1")
        assert len(outbox.to(CONSULTANT)) == 3  # a meeting of the past: nothing to cancel


def test_an_erasure_that_fails_tells_nobody(client, consultant, free_slot, outbox, monkeypatch):
    booking = _book(client, outbox, free_slot(0))
    outbox.messages  # the invitation goes out

    def disk_full(*args):
        raise OSError("no space left on device")
    monkeypatch.setattr(registry, "_append_to_log", disk_full)
    with pytest.raises(OSError):
        registry.erase_person(booking.person, "request 1")
    assert len(outbox.to(CONSULTANT)) == 1
    assert Booking.get_by_id(booking.id).status == "booked"


def _link(outbox, action):
    import re

    from tests.booking.conftest import confirmations
    body = confirmations(outbox, EMAIL)[-1].body
    return re.search(rf"http://portal.test(/book/{action}/\S+)", body).group(1)
