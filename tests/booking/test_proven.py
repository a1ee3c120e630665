"""Booking from the public page goes through a code e-mailed to the address typed.

Nothing but a pending entry is kept before the code; a stranger who types someone else's
address changes nothing about that person.
"""
import re
from datetime import UTC, datetime, timedelta

import time_machine

from jobs.retention import sweep_minute
from portal.audit.models import AuditEvent
from portal.booking.models import Booking, PendingBooking
from portal.mail.models import Outbox
from portal.people.models import Person
from portal.verification.models import Challenge
from tests.booking.conftest import (
    book_with_code,
    booking_form,
    code_from,
    code_mails,
    confirmations,
)
from tests.factories import make_person, make_user


def _wrong(code):
    return f"{(int(code) + 1) % 10 ** 6:06d}"


def _counts():
    return tuple(m.select().count() for m in (Person, Booking, AuditEvent))


def test_the_form_sends_a_code_and_keeps_only_a_pending_entry(client, consultant, free_slot, outbox):
    slot = free_slot()
    response = client.post("/book", data=booking_form(slot.id))
    assert response.status_code == 303 and response.headers["Location"] == "/book/code"
    assert _counts() == (0, 0, 0)  # no person, no booking, nothing held
    pending = PendingBooking.get()
    assert (pending.email, pending.name, pending.slot) == ("ase@example.no", "Åse Ødegård-Ærø", slot.id)
    [mail] = outbox.to("ase@example.no")
    code = code_from(outbox, "ase@example.no")
    # The code, what it is for; nothing the visitor typed.
    assert "bekrefte bestillingen" in mail.body
    for typed in ("Åse", "Storgata", "0155", "Oslo", "412", "Ingrid"):
        assert typed not in mail.body and typed not in mail.subject
    page = client.get("/book/code").get_data(as_text=True)
    assert "Vi sendte en kode til ase@example.no." in page and 'autocomplete="one-time-code"' in page

    response = client.post("/book/code", data={"code": code})
    assert response.status_code == 302 and response.headers["Location"] == "/book/booked"
    assert "Takk, timen er bestilt" in client.get("/book/booked").get_data(as_text=True)
    assert Booking.get().person.email == "ase@example.no"
    assert PendingBooking.select().count() == 0
    assert len(confirmations(outbox, "ase@example.no")) == 1


def test_the_code_step_appears_in_place_with_htmx(client, consultant, free_slot, outbox):
    hx = {"HX-Request": "true"}
    invalid = client.post("/book", data=booking_form(free_slot().id, name=""), headers=hx)
    text = invalid.get_data(as_text=True)  # htmx swaps only 2xx: the form with its messages
    assert invalid.status_code == 200 and text.lstrip().startswith('<form') and "<html" not in text
    assert "Skriv inn navnet ditt." in text and PendingBooking.select().count() == 0
    response = client.post("/book", data=booking_form(free_slot().id), headers=hx)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert page.lstrip().startswith('<div id="booking"') and "Vi sendte en kode til ase@example.no." in page
    wrong = client.post("/book/code", data={"code": _wrong(code_from(outbox, "ase@example.no"))},
                        headers=hx)
    assert wrong.status_code == 200 and "Det er ikke koden vi sendte." in wrong.get_data(as_text=True)
    right = client.post("/book/code", data={"code": code_from(outbox, "ase@example.no")}, headers=hx)
    assert right.headers["HX-Redirect"] == "/book/booked" and Booking.select().count() == 1


def test_a_wrong_code_keeps_everything_typed(client, consultant, free_slot, outbox):
    client.post("/book", data=booking_form(free_slot().id, street="Kirkegata 5"))
    code = code_from(outbox, "ase@example.no")
    response = client.post("/book/code", data={"code": _wrong(code)})
    assert response.status_code == 422
    assert "Det er ikke koden vi sendte. Du kan prøve 2 ganger til." in response.get_data(as_text=True)
    for bad in ("", "12345", "abcdef", "1234567", "12\x0056"):
        page = client.post("/book/code", data={"code": bad}).get_data(as_text=True)
        assert "Koden har seks sifre" in page or "Skriv inn koden" in page or "kontrolltegn" in page
    assert _counts() == (0, 0, 0)
    edit = client.get("/book?edit=1").get_data(as_text=True)
    assert 'value="Åse Ødegård-Ærø"' in edit and 'value="Kirkegata 5"' in edit
    assert client.post("/book/code", data={"code": code}).status_code == 302
    assert Person.get().street == "Kirkegata 5"


def test_three_wrong_codes_and_a_new_code_is_offered_at_once(client, consultant, free_slot, outbox):
    client.post("/book", data=booking_form(free_slot().id))
    code = code_from(outbox, "ase@example.no")
    for _ in range(3):
        response = client.post("/book/code", data={"code": _wrong(code)})
    page = response.get_data(as_text=True)
    assert "Koden ble skrevet feil tre ganger og virker ikke lenger." in page
    assert "Send en ny kode" in page and 'action="/book/code/new"' in page
    assert client.post("/book/code", data={"code": code}).status_code == 422  # dead, even if right
    response = client.post("/book/code/new")
    assert "Vi sendte en ny kode til ase@example.no." in response.get_data(as_text=True)
    assert len(code_mails(outbox, "ase@example.no")) == 2
    assert client.post("/book/code", data={"code": code_from(outbox, "ase@example.no")}).status_code == 302
    assert Booking.select().count() == 1


def test_messages_in_english(client, consultant, free_slot, outbox):
    client.post("/language", data={"lang": "en"})
    client.post("/book", data=booking_form(free_slot().id, email="en@example.com"))
    [mail] = outbox.to("en@example.com")
    assert mail.subject.startswith("Your code from ressursbasen.no: ")
    code = code_from(outbox, "en@example.com")
    page = client.post("/book/code", data={"code": _wrong(code)}).get_data(as_text=True)
    assert "That is not the code we sent. You can try 2 more times." in page
    assert "We sent a code to en@example.com." in page
    client.post("/book/code", data={"code": code})
    page = client.post("/book/code", data={"code": code}).get_data(as_text=True)  # replay
    assert "No booking is waiting for a code in this browser" in page
    assert Booking.select().count() == 1


def test_a_reused_code_books_nothing_more(client, consultant, free_slot, outbox):
    client.post("/book", data=booking_form(free_slot().id))
    code = code_from(outbox, "ase@example.no")
    assert client.post("/book/code", data={"code": code}).status_code == 302
    before = (_counts(), Outbox.select().count())
    response = client.post("/book/code", data={"code": code})
    assert response.status_code == 410
    assert "Ingen bestilling venter på en kode i denne nettleseren" in response.get_data(as_text=True)
    assert (_counts(), Outbox.select().count()) == before


def test_a_code_for_another_address_does_not_book(client, app, consultant, free_slot, outbox):
    client.post("/book", data=booking_form(free_slot().id))
    other = app.test_client()
    other.post("/book", data=booking_form(free_slot(1).id, email="mallory@example.no"))
    mallory_code = code_from(outbox, "mallory@example.no")
    response = client.post("/book/code", data={"code": mallory_code})
    assert response.status_code == 422 and "Det er ikke koden vi sendte." in response.get_data(as_text=True)
    assert _counts() == (0, 0, 0)


def test_an_unproven_booking_with_a_registered_candidates_address_changes_nothing(
        app, client, consultant, free_slot, outbox, login_as):
    long_ago = datetime(2026, 1, 5, 9, 0)
    person = make_person(email="kari@example.no", name="Kari Nordmann", phone="+4741234567")
    Person.update(last_contact_at=long_ago).where(Person.id == person.id).execute()
    make_user("candidate", person=person, email="kari@example.no")
    rows_before = [tuple(p.__data__.items()) for p in Person.select()]
    audit_before = AuditEvent.select().count()

    stranger = app.test_client()
    data = booking_form(free_slot().id, email="kari@example.no", name="Mallory Stranger",
                        phone="+47 99 88 77 66", street="Falsk vei 1")
    assert stranger.post("/book", data=data).status_code == 303
    for guess in ("000000", "123456", "999999"):
        stranger.post("/book/code", data={"code": guess})
    stranger.post("/book", data=booking_form(free_slot(1).id, email="new@example.no"))

    assert [tuple(p.__data__.items()) for p in Person.select()] == rows_before
    assert Person.get(Person.email == "kari@example.no").last_contact_at == long_ago
    assert Person.get_or_none(Person.email == "new@example.no") is None
    assert Booking.select().count() == 0 and AuditEvent.select().count() == audit_before
    login_as("candidate", person=person)
    account = client.get("/account").get_data(as_text=True)
    assert "Mallory" not in account and "+4799887766" not in account and "Falsk vei" not in account
    login_as("staff")
    queue = client.get("/staff/queue").get_data(as_text=True)
    assert "Mallory" not in queue and "kari@example.no" not in queue


def test_a_pending_entry_and_what_was_typed_are_gone_after_ten_minutes(client, consultant, free_slot,
                                                                        outbox):
    slot = free_slot(8)
    start = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        client.post("/book", data=booking_form(slot.id))
        code = code_from(outbox, "ase@example.no")
        assert PendingBooking.select().count() == 1 and Challenge.select().count() == 1
    with time_machine.travel(start + timedelta(minutes=9, seconds=59), tick=False):
        sweep_minute()
        assert PendingBooking.select().count() == 1
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        sweep_minute()
        assert PendingBooking.select().count() == 0 and Challenge.select().count() == 0
        response = client.post("/book/code", data={"code": code})
        assert response.status_code == 410
        assert "Ingen bestilling venter på en kode" in response.get_data(as_text=True)
    assert _counts()[:2] == (0, 0)
    assert [e.action for e in AuditEvent.select()] == ["retention.run"]  # counts, no person
    assert not any("Åse" in str(v) for m in (PendingBooking, Challenge)
                   for row in m.select() for v in row.__data__.values())


def test_code_given_after_the_time_was_taken_offers_other_times_with_everything_typed(
        app, client, consultant, free_slot, outbox):
    slot = free_slot()
    client.post("/book", data=booking_form(slot.id, street="Kirkegata 5"))
    other = app.test_client()
    assert book_with_code(other, outbox, booking_form(slot.id, email="first@example.no")).status_code == 302
    before = _counts()
    response = client.post("/book/code", data={"code": code_from(outbox, "ase@example.no")})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Denne tiden ble akkurat tatt av noen andre." in page
    assert f'value="{slot.id}"' not in page and len(re.findall(r'name="slot" value="', page)) > 5
    assert 'value="Åse Ødegård-Ærø"' in page and 'value="Kirkegata 5"' in page
    assert _counts() == before
    # The address is proven: another time is booked without a new code.
    response = client.post("/book", data=booking_form(free_slot(0).id, street="Kirkegata 5"))
    assert response.status_code == 302 and len(code_mails(outbox, "ase@example.no")) == 1
    assert Booking.select().count() == 2


def test_a_hundred_code_requests_send_five_codes(app, client, consultant, free_slot, outbox):
    # The code rule alone; the per-recipient e-mail limit has tests of its own.
    app.config.update(BOOKING_LIMIT="1000 per hour", PENDING_PER_ADDRESS=1000, PENDING_PER_IP=1000,
                      MAIL_LIMIT_PER_RECIPIENT="1000 per hour")
    statuses = []
    for n in range(100):
        response = app.test_client().post("/book", data=booking_form(free_slot().id),
                                          environ_base={"REMOTE_ADDR": f"10.0.{n // 250}.{n % 250}"})
        statuses.append(response.status_code)
    assert statuses == [303] * 5 + [429] * 95
    assert "Prøv igjen kl. " in response.get_data(as_text=True)
    assert len(outbox.to("ase@example.no")) == 5 and Challenge.select().count() == 5
    assert PendingBooking.select().count() == 5 and _counts() == (0, 0, 0)
    client.post("/language", data={"lang": "en"})
    page = client.post("/book", data=booking_form(free_slot().id)).get_data(as_text=True)
    assert "We have sent as many codes to this address as we can this hour. Try again at " in page


def test_pending_entries_are_limited_per_ip_and_per_address(app, consultant, free_slot, outbox):
    app.config.update(BOOKING_LIMIT="1000 per hour", PENDING_PER_ADDRESS=2, PENDING_PER_IP=3)
    post = lambda email, ip: app.test_client().post(  # noqa: E731 - a fresh browser each time
        "/book", data=booking_form(free_slot().id, email=email), environ_base={"REMOTE_ADDR": ip})
    assert [post("ase@example.no", f"10.0.0.{n}").status_code for n in range(3)] == [303, 303, 429]
    assert "Det venter allerede bestillinger på en kode for denne e-postadressen" in \
        post("ase@example.no", "10.0.0.9").get_data(as_text=True)
    assert [post(f"p{n}@example.no", "10.0.1.1").status_code for n in range(4)] == [303, 303, 303, 429]
    assert "For mange bestillinger fra nettverket ditt venter på en kode" in \
        post("q@example.no", "10.0.1.1").get_data(as_text=True)
    assert PendingBooking.select().count() == 5 and len(outbox.to("ase@example.no")) == 2


def test_a_logged_in_candidate_books_without_a_code_with_their_details_filled_in(
        client, consultant, free_slot, outbox, login_as):
    person = make_person(email="kari@example.no", name="Kari Nordmann", street="Lillegata 2")
    login_as("candidate", person=person)
    page = client.get("/book").get_data(as_text=True)
    assert 'value="Kari Nordmann"' in page and 'value="Lillegata 2"' in page
    assert 'value="kari@example.no"' in page
    data = booking_form(free_slot().id, email="someone-else@example.no", name="Kari Nordmann",
                        street="Lillegata 2", phone="+4741234567")
    response = client.post("/book", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/book/booked"
    booking = Booking.get()
    assert booking.person_id == person.id and booking.differing == []
    assert code_mails(outbox, "kari@example.no") == [] and outbox.to("someone-else@example.no") == []
    assert len(confirmations(outbox, "kari@example.no")) == 1
