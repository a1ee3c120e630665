"""Cancel and move through the signed links in the e-mail: no login, once, before the meeting."""
import re
from datetime import timedelta

import time_machine
from itsdangerous import URLSafeSerializer

from portal.audit.models import AuditEvent
from portal.booking import schedule
from portal.booking.models import Booking
from portal.people.models import Person
from tests.booking.conftest import book_with_code, booking_form, confirmations


def _book(client, outbox, slot, **overrides):
    assert book_with_code(client, outbox, booking_form(slot.id, **overrides)).status_code == 302
    return Booking.get(Booking.starts_at == slot.starts_at, Booking.status == "booked")


def _link(outbox, action):
    [mail] = outbox.to("ase@example.no")[-1:]
    return re.search(rf"http://portal.test(/book/{action}/\S+)", mail.body).group(1)


def _state():
    return ([(b.id, b.status, b.starts_at) for b in Booking.select().order_by(Booking.id)],
            AuditEvent.select().count(), [p.last_contact_at for p in Person.select()])


def test_cancel_link_asks_first_then_frees_the_time(client, consultant, free_slot, outbox):
    slot = free_slot()
    booking = _book(client, outbox, slot)
    path = _link(outbox, "cancel")
    page = client.get(path, follow_redirects=True)
    assert page.status_code == 200 and "Vil du avbestille timen?" in page.get_data(as_text=True)
    assert Booking.get_by_id(booking.id).status == "booked"  # a GET (a mail scanner) changes nothing
    before = Person.get().last_contact_at

    response = client.post(path)
    assert response.status_code == 200 and "Timen din er avbestilt" in response.get_data(as_text=True)
    assert Booking.get_by_id(booking.id).status == "cancelled"
    assert slot.id in [s.id for s in schedule.free_slots([slot.local_day])]
    assert AuditEvent.select().where(AuditEvent.action == "booking.cancelled").count() == 1
    assert Person.get().last_contact_at >= before


def test_used_cancel_link_gets_a_clear_error_and_changes_nothing(client, consultant, free_slot, outbox):
    slot = free_slot()
    _book(client, outbox, slot)
    path = _link(outbox, "cancel")
    client.post(path)
    _book(client, outbox, slot, email="other@example.no")  # someone else takes the freed time
    before = _state()
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 410
        assert "Denne timen er avbestilt" in response.get_data(as_text=True)
    assert _state() == before


def test_tampered_links_get_a_clear_error_and_change_nothing(client, consultant, free_slot, outbox):
    _book(client, outbox, free_slot())
    cancel, move = _link(outbox, "cancel"), _link(outbox, "move")
    before = _state()
    forged_id = URLSafeSerializer("guessed-secret", salt="booking-cancel").dumps({"b": 1})
    for path in (cancel[:-2] + ("AA" if not cancel.endswith("AA") else "BB"), cancel + "x",
                 "/book/cancel/" + forged_id, "/book/cancel/" + move.rsplit("/", 1)[1],
                 "/book/move/" + cancel.rsplit("/", 1)[1], "/book/cancel/%00", "/book/move/x.y.z"):
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 404, path
            assert "Denne lenken er ikke gyldig" in response.get_data(as_text=True)
    assert _state() == before


def test_links_stop_working_when_the_meeting_starts(client, consultant, free_slot, outbox):
    slot = free_slot()
    _book(client, outbox, slot)
    cancel, move = _link(outbox, "cancel"), _link(outbox, "move")
    before = _state()
    with time_machine.travel(slot.starts_at.replace(tzinfo=schedule.UTC) + timedelta(minutes=1)):
        for path in (cancel, move):
            response = client.post(path, data={"slot": free_slot(0).id})
            assert response.status_code == 410
            assert "Møtet har allerede begynt" in response.get_data(as_text=True)
    assert _state() == before


def test_move_link_moves_to_a_new_time_and_frees_the_old_one(client, consultant, free_slot, outbox):
    old_slot, new_slot = free_slot(0), free_slot(5)
    old = _book(client, outbox, old_slot)
    path = _link(outbox, "move")
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    assert "Flytt timen din" in page and f'value="{new_slot.id}"' in page
    fragment = client.get(path + "?week=1", headers={"HX-Request": "true"},
                          follow_redirects=True).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="slots"')
    assert re.search(r"/book/move/link/[\w-]+\?week=0", fragment)

    response = client.post(path, data={"slot": new_slot.id})
    assert response.status_code == 302 and response.headers["Location"] == "/book/booked"
    old = Booking.get_by_id(old.id)
    new = Booking.get(Booking.status == "booked")
    assert old.status == "moved" and old.moved_to_id == new.id
    assert (new.starts_at, new.person_id, new.kind, new.place) == (
        new_slot.starts_at, old.person_id, old.kind, old.place)
    assert old_slot.id in [s.id for s in schedule.free_slots([old_slot.local_day])]
    assert AuditEvent.select().where(AuditEvent.action == "booking.moved").count() == 1
    mails = confirmations(outbox, "ase@example.no")
    assert len(mails) == 2 and f"kl. {schedule.to_oslo(new_slot.starts_at):%H:%M}" in mails[1].body
    # The old move link is used up; the new e-mail's links work.
    assert client.get(path).status_code == 410
    assert client.get(_link(outbox, "cancel"), follow_redirects=True).status_code == 200


def test_move_to_a_taken_or_unknown_time_changes_nothing(client, consultant, free_slot, outbox):
    mine, theirs = free_slot(0), free_slot(1)
    _book(client, outbox, mine)
    path = _link(outbox, "move")
    _book(client, outbox, theirs, email="other@example.no")
    before = _state()
    response = client.post(path, data={"slot": theirs.id})
    assert response.status_code == 409
    assert "Denne tiden ble akkurat tatt av noen andre." in response.get_data(as_text=True)
    for bad in ("", "1-x", "9999-202701010900"):
        assert client.post(path, data={"slot": bad}).status_code == 422
    assert _state() == before
