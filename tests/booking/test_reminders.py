"""The reminder e-mail 24 hours before, once."""
from datetime import timedelta

import time_machine

from jobs.booking import send_reminders
from portal.booking import schedule
from portal.booking.models import Booking
from tests.booking.conftest import book_with_code, booking_form, confirmations


def test_reminder_goes_out_once_within_24_hours(client, consultant, free_slot, outbox):
    slot = free_slot(8 * 3)  # three days ahead
    assert book_with_code(client, outbox, booking_form(slot.id)).status_code == 302
    with time_machine.travel(slot.starts_at.replace(tzinfo=schedule.UTC) - timedelta(hours=25)):
        assert send_reminders() == 0
    with time_machine.travel(slot.starts_at.replace(tzinfo=schedule.UTC) - timedelta(hours=23)):
        assert send_reminders() == 1
        assert send_reminders() == 0  # a second cron run is harmless
    mails = confirmations(outbox, "ase@example.no")
    assert [m.subject for m in mails] == ["Din bestilling hos ressursbasen.no",
                                          "Påminnelse: møtet ditt med ressursbasen.no"]
    assert f"kl. {schedule.to_oslo(slot.starts_at):%H:%M}" in mails[1].body
    assert "/book/cancel/" in mails[1].body
    assert Booking.get().reminder_sent_at is not None


def test_no_reminder_when_booked_less_than_a_day_ahead(client, consultant, free_slot, outbox):
    slot = free_slot(0)
    with time_machine.travel(slot.starts_at.replace(tzinfo=schedule.UTC) - timedelta(hours=3)):
        assert book_with_code(client, outbox, booking_form(slot.id)).status_code == 302
    with time_machine.travel(slot.starts_at.replace(tzinfo=schedule.UTC) - timedelta(hours=2)):
        assert send_reminders() == 0
    assert [m.subject for m in confirmations(outbox, "ase@example.no")] == ["Din bestilling hos ressursbasen.no"]


def test_no_reminder_for_a_cancelled_booking(client, consultant, free_slot, outbox):
    slot = free_slot()
    assert book_with_code(client, outbox, booking_form(slot.id)).status_code == 302
    Booking.update(status="cancelled").execute()
    with time_machine.travel(slot.starts_at.replace(tzinfo=schedule.UTC) - timedelta(hours=2)):
        assert send_reminders() == 0
