"""The public booking page: the catalog decides the fields; one transaction books a time."""
import re
from datetime import time, timedelta

import icalendar
import pytest

from portal import catalog
from portal.audit.models import AuditEvent
from portal.booking import availability, schedule
from portal.booking.forms import NOT_PERSONAL_FIELDS, BookingForm
from portal.booking.models import Booking, Consultant
from portal.candidates.models import Profile
from portal.db import utcnow
from portal.people.models import Person
from tests.booking.conftest import book_with_code, booking_form, code_from, confirmations
from tests.factories import make_person


def test_form_asks_for_exactly_the_booking_stage_fields_of_the_catalog(app, client, consultant):
    expected = set(catalog.columns_of("Person", catalog.BOOKING))
    assert expected == {"name", "street", "postal_code", "place", "country", "email", "phone"}
    with app.test_request_context("/book"):
        form = BookingForm(formdata=None, meta={"csrf": True})
        assert {f.name for f in form} - set(NOT_PERSONAL_FIELDS) == expected

    page = client.get("/book").get_data(as_text=True)
    asked = set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', page))
    asked -= {"lang", "next"}  # the language switch in the layout
    assert asked - set(NOT_PERSONAL_FIELDS) == expected
    assert 'type="checkbox"' not in page  # no consent box: booking rests on the agreement
    assert 'href="/privacy"' in page


def test_page_lists_free_times_by_day_in_oslo_time(client, consultant):
    response = client.get("/book?week=1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bestill en første samtale" in page
    monday = schedule.week_days(1)[0]
    # 08:00 Oslo time is the first slot; it is stored as 07:00 or 06:00 UTC.
    assert ">08:00<" in page and ">15:00<" in page and ">16:00<" not in page
    slot = schedule.Slot(consultant, schedule.to_utc(monday, time(8)), None)
    assert f'value="{slot.id}"' in page
    assert page.count('<fieldset class="day">') == 7


def test_weeks_are_browsed_with_an_htmx_fragment_and_plain_links(client, consultant):
    full = client.get("/book").get_data(as_text=True)
    assert 'href="/book?week=1"' in full and 'hx-get="/book/slots?week=1"' in full
    fragment = client.get("/book/slots?week=2", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert text.lstrip().startswith('<div id="slots"') and "<html" not in text
    assert 'href="/book?week=1"' in text and 'href="/book?week=3"' in text
    # Beyond the weeks offered, and nonsense, fall back to an offered week.
    assert client.get("/book?week=99").status_code == 200
    assert client.get("/book/slots?week=abc").status_code == 200


def test_booking_creates_person_booking_audit_and_confirmation(client, consultant, free_slot, outbox):
    slot = free_slot()
    response = book_with_code(client, outbox, booking_form(slot.id))
    assert response.status_code == 302 and response.headers["Location"] == "/book/booked"
    assert "Takk, timen er bestilt" in client.get("/book/booked").get_data(as_text=True)

    person = Person.get(Person.email == "ase@example.no")
    assert (person.name, person.street, person.postal_code, person.place, person.country,
            person.phone, person.stage) == ("Åse Ødegård-Ærø", "Storgata 1", "0155", "Oslo", "NO",
                                            "+4741234567", "booking")
    assert abs(person.last_contact_at - utcnow()) < timedelta(minutes=1)
    booking = Booking.get(Booking.person == person)
    assert (booking.starts_at, booking.consultant_id, booking.status, booking.kind, booking.place,
            booking.locale) == (slot.starts_at, consultant.id, "booked", "conversation", "office", "nb")
    event = AuditEvent.get(AuditEvent.action == "booking.created")
    assert event.person_id == person.id and "Åse" not in event.details and "ase@" not in event.details

    [mail] = confirmations(outbox, "ase@example.no")
    assert mail.subject == "Din bestilling hos ressursbasen.no"
    body = mail.body
    local = schedule.to_oslo(slot.starts_at)
    assert f"kl. {local:%H:%M}" in body and "Ingrid Bakke" in body and "Samtale" in body
    assert "http://portal.test/book/cancel/" in body and "http://portal.test/book/move/" in body
    assert "http://portal.test/privacy" in body and "http://portal.test/register/invite/" in body
    [(name, ics, mime)] = mail.attachments
    assert name == "invite.ics" and mime == "text/calendar; method=REQUEST"  # iMIP (RFC 6047)
    cal = icalendar.Calendar.from_ical(ics)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Oslo"]
    [vevent] = cal.walk("VEVENT")
    start = vevent.decoded("DTSTART")
    assert start == local and str(start.tzinfo) == "Europe/Oslo"
    assert vevent["DTSTART"].params["TZID"] == "Europe/Oslo"


def test_confirmation_comes_in_the_language_the_person_used(client, consultant, free_slot, outbox):
    client.post("/language", data={"lang": "en"})
    book_with_code(client, outbox, booking_form(free_slot().id, email="en@example.com"))
    [mail] = confirmations(outbox, "en@example.com")
    assert mail.subject == "Your booking with ressursbasen.no"
    assert "Conversation" in mail.body
    assert re.search(r"When: [A-Z][a-z]+day [0-9]{1,2} [A-Z][a-z]+ 20[0-9]{2}, [0-9]{2}:[0-9]{2} ", mail.body)
    assert Person.get(Person.email == "en@example.com").locale == "en"


def test_same_person_twice_is_one_person_with_two_bookings(client, consultant, free_slot, login_as,
                                                          outbox):
    login_as("staff")  # first: the app context (and the logged-in user) lasts the whole test
    first, second = free_slot(0), free_slot(3)
    book_with_code(client, outbox, booking_form(first.id, email="Ase@Example.no"))
    response = book_with_code(client, outbox, booking_form(
        second.id, email="ase@example.no", name="Åse Ødegård", phone="+47 99 88 77 66"))
    assert response.status_code == 302
    person = Person.get()
    assert Person.select().count() == 1 and person.bookings.count() == 2
    # What is held is not overwritten; what differed stays with the booking, for staff.
    assert (person.name, person.phone) == ("Åse Ødegård-Ærø", "+4741234567")
    latest = Booking.get(Booking.starts_at == second.starts_at)
    assert latest.differing == [("name", "Åse Ødegård"), ("phone", "+4799887766")]
    queue = client.get("/staff/queue").get_data(as_text=True)
    assert "Bestillinger i dag og fremover" in queue and "Åse Ødegård" in queue and "+4799887766" in queue
    assert "Skrevet annerledes ved denne bestillingen" in queue


@pytest.mark.parametrize("name", ["Åse Ødegård-Ærø", "O'Neil", "Nguyễn Thị Minh", "  Li Wei  ",
                                  "Алексей Иванов", "محمد", "x" * 200])
def test_names_in_any_script_are_accepted_and_trimmed(client, consultant, free_slot, outbox, name):
    assert book_with_code(client, outbox, booking_form(free_slot().id, name=name)).status_code == 302
    assert Person.get().name == name.strip()


@pytest.mark.parametrize("typed, stored", [
    ("412 34 567", "+4741234567"), ("+47 412 34 567", "+4741234567"),
    ("0047 412 34 567", "+4741234567"), ("22 33 44 55", "+4722334455"),
    ("+46 70 123 45 67", "+46701234567"), ("+44 20 7946 0958", "+442079460958")])
def test_phone_numbers_are_stored_as_e164(client, consultant, free_slot, outbox, typed, stored):
    assert book_with_code(client, outbox, booking_form(free_slot().id, phone=typed)).status_code == 302
    assert Person.get().phone == stored


def test_foreign_address_with_a_country(client, consultant, free_slot, outbox):
    data = booking_form(free_slot().id, postal_code="SW1A 1AA", place="London", country="GB")
    assert book_with_code(client, outbox, data).status_code == 302
    assert (Person.get().postal_code, Person.get().country) == ("SW1A 1AA", "GB")


BAD = [
    ("name", "", "Skriv inn navnet ditt."),
    ("name", "   ", "Skriv inn navnet ditt."),
    ("name", "x" * 201, "Navnet kan være høyst 200 tegn."),
    ("name", "Kari\x00Nordmann", "Fjern de usynlige kontrolltegnene."),
    ("name", "Kari\u202eNordmann", "Fjern de usynlige kontrolltegnene."),
    ("name", "<script>alert(1)</script>", "Fjern vinkelparentesene: kode og markering er ikke tillatt her."),
    ("name", "12345", "Skriv navnet ditt med bokstaver."),
    ("street", "", "Skriv inn gateadressen din."),
    ("street", "<b>Storgata</b>", "Fjern vinkelparentesene: kode og markering er ikke tillatt her."),
    ("postal_code", "", "Skriv inn postnummeret ditt."),
    ("postal_code", "155", "Et norsk postnummer har fire sifre, for eksempel 0155."),
    ("postal_code", "01555", "Et norsk postnummer har fire sifre, for eksempel 0155."),
    ("postal_code", "abcd", "Et norsk postnummer har fire sifre, for eksempel 0155."),
    ("place", "", "Skriv inn poststedet i adressen din."),
    ("place", "x" * 101, "Poststedet kan være høyst 100 tegn."),
    ("country", "XX", "Velg et land fra listen."),
    ("country", "", "Velg et land."),
    ("email", "", "Skriv inn e-postadressen din."),
    ("email", "not-an-address", "Skriv inn en gyldig e-postadresse, for eksempel navn@eksempel.no."),
    ("email", "a@" + "b" * 250 + ".no", "E-postadressen kan være høyst 254 tegn."),
    ("email", "ase@example.no\r\nBcc: x@example.no", "Skriv dette på én linje."),
    ("phone", "", "Skriv inn telefonnummeret ditt."),
    ("phone", "12", "Skriv inn et gyldig telefonnummer, for eksempel 412 34 567 eller +46 70 123 45 67."),
    ("phone", "telefon", "Skriv inn et gyldig telefonnummer, for eksempel 412 34 567 eller +46 70 123 45 67."),
    ("kind", "lunch", "Velg hva slags møte du ønsker."),
    ("meeting_place", "", "Velg hvor dere skal møtes."),
    ("slot", "", "Velg et tidspunkt."),
    ("slot", "x" * 41, "Velg et tidspunkt fra listen."),
]


@pytest.mark.parametrize("field, value, message", BAD)
def test_bad_input_gets_a_message_next_to_the_field_and_writes_nothing(
        client, consultant, free_slot, field, value, message):
    response = client.post("/book", data=booking_form(free_slot().id, **{field: value}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    if field not in ("kind", "meeting_place", "slot"):
        assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', page)
    assert "<script>alert" not in page
    assert Person.select().count() == 0 and Booking.select().count() == 0


def test_wrong_types_and_missing_fields_never_500(client, consultant, free_slot):
    for data in ({}, {"slot": ["a", "b"]}, {"name": "\x7f" * 5}, {"phone": "+" + "9" * 40},
                 {"slot": free_slot().id, "email": "é" * 300}):
        response = client.post("/book", data=data)
        assert response.status_code == 422, data
    for body in (b"\xff\xfe garbage", b"[1, 2]", b"42", b'{"slot": {"a": 1}}'):
        response = client.post("/book", data=body, content_type="application/json")
        assert response.status_code == 400, body  # the site takes form posts only
        assert "Noe var galt med forespørselen" in response.get_data(as_text=True)
    assert Person.select().count() == 0 and Booking.select().count() == 0


@pytest.mark.parametrize("make_id, message", [
    (lambda s, other: "999-202701010900", "Vi tilbyr ikke det tidspunktet."),
    (lambda s, other: "not-a-slot", "Vi tilbyr ikke det tidspunktet."),
    (lambda s, other: "9" * 25 + "-202701010900", "Vi tilbyr ikke det tidspunktet."),
    (lambda s, other: f"{s.consultant.id}-999912312359", "Vi tilbyr ikke det tidspunktet."),
    (lambda s, other: f"{s.consultant.id}-000101010000", "Vi tilbyr ikke det tidspunktet."),
    (lambda s, other: f"{s.consultant.id}-{s.starts_at + timedelta(minutes=5):%Y%m%d%H%M}",
     "Vi tilbyr ikke det tidspunktet."),
    (lambda s, other: f"{other.id}-{s.starts_at:%Y%m%d%H%M}", "Vi tilbyr ikke det tidspunktet."),
    (lambda s, other: f"{s.consultant.id}-{s.starts_at - timedelta(days=8):%Y%m%d%H%M}",
     "Det tidspunktet har allerede vært."),
])
def test_slot_that_is_unknown_past_or_of_another_consultant(client, consultant, free_slot,
                                                           make_id, message):
    other = Consultant.create(name="Jonas Lie", email="jonas@ressursbasen.no")
    availability.add_weekly_hours(other, 0, time(12, 30), time(13, 30))  # not on Ingrid's grid
    response = client.post("/book", data=booking_form(make_id(free_slot(), other)))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Person.select().count() == 0 and Booking.select().count() == 0


def test_replayed_form_is_told_the_time_is_taken_and_writes_nothing(client, consultant, free_slot, outbox):
    slot = free_slot()
    data = booking_form(slot.id)
    assert book_with_code(client, outbox, data).status_code == 302
    before = (Person.select().count(), Booking.select().count(), AuditEvent.select().count(),
              len(outbox.messages))
    response = client.post("/book", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Denne tiden ble akkurat tatt av noen andre." in page
    assert f'value="{slot.id}"' not in page and 'name="slot" value="' in page  # fresh slots
    assert 'value="Åse Ødegård-Ærø"' in page  # what was typed is kept
    assert (Person.select().count(), Booking.select().count(), AuditEvent.select().count(),
            len(outbox.messages)) == before


def test_a_taken_time_is_not_offered(client, consultant, free_slot, outbox):
    slot = free_slot()
    assert book_with_code(client, outbox, booking_form(slot.id)).status_code == 302
    assert slot.id not in [s.id for s in schedule.free_slots([slot.local_day])]
    assert f'value="{slot.id}"' not in client.get("/book/slots?week=0").get_data(as_text=True) + \
        client.get("/book/slots?week=1").get_data(as_text=True)


def test_the_database_refuses_a_second_holding_booking_for_the_same_time(db, consultant, free_slot):
    from peewee import IntegrityError
    slot = free_slot()
    person = make_person()
    values = dict(person=person, consultant=consultant, starts_at=slot.starts_at,
                  ends_at=slot.ends_at, kind="meeting", place="video")
    Booking.create(**values, status="cancelled")
    Booking.create(**values)
    with pytest.raises(IntegrityError), db.atomic():
        Booking.create(**values)


def test_honeypot_filled_writes_nothing(client, consultant, free_slot):
    response = client.post("/book", data=booking_form(free_slot().id, website="http://spam.example"))
    assert response.status_code == 422
    assert Person.select().count() == 0 and Booking.select().count() == 0


def test_post_without_csrf_token_is_refused_and_writes_nothing(app, client, consultant, free_slot):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/book", data=booking_form(free_slot().id))
    assert response.status_code == 400
    assert "sikkerhetskode" in response.get_data(as_text=True)
    assert Person.select().count() == 0 and Booking.select().count() == 0


def test_booking_is_rate_limited_per_ip_with_a_friendly_page(app, client, consultant):
    app.config["BOOKING_LIMIT"] = "3 per hour"
    for _ in range(3):
        assert client.post("/book", data={}, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 422
    response = client.post("/book", data={}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 429
    assert "For mange forsøk" in response.get_data(as_text=True)
    assert client.post("/book", data={}, environ_base={"REMOTE_ADDR": "10.0.0.10"}).status_code == 422


def test_no_account_invitation_for_someone_who_has_an_account(client, consultant, free_slot, outbox):
    from tests.factories import make_user
    make_user("candidate", person=make_person(email="ase@example.no"))
    book_with_code(client, outbox, booking_form(free_slot().id))
    [mail] = confirmations(outbox, "ase@example.no")
    assert "/register/invite/" not in mail.body and "/book/cancel/" in mail.body


def test_booking_commits_when_redis_is_down_and_the_email_waits_in_the_outbox(app, client, consultant, free_slot, outbox):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    app.extensions.pop("portal_redis", None)
    assert book_with_code(client, outbox, booking_form(free_slot().id)).status_code == 302
    from portal.mail.models import Outbox as Row
    assert Booking.select().count() == 1
    assert Row.get(Row.subject.startswith("Din bestilling")).sent_at is None
    # Still unsent; the outbox fixture then sends every pending row, as the relayed job will.
    assert len(confirmations(outbox, "ase@example.no")) == 1


def test_no_email_is_rendered_inside_a_booking_transaction(app, client, consultant, free_slot,
                                                          outbox, monkeypatch):
    """E-mails and invitations are made after commit: a render that fails cannot undo a booking."""
    from portal.db import db
    from portal.mail import actions as mail_actions
    from portal.mail.models import Outbox as Row
    real_render = mail_actions.render_template
    rendered_inside = []

    def watched(*args, **kwargs):
        rendered_inside.append(db.in_transaction())
        return real_render(*args, **kwargs)

    def broken(*args, **kwargs):
        raise RuntimeError("the e-mail template is broken")

    monkeypatch.setattr(mail_actions, "render_template", broken)
    assert client.post("/book", data=booking_form(free_slot().id)).status_code == 303
    monkeypatch.setattr(mail_actions, "render_template", watched)
    code = code_from(outbox, "ase@example.no")  # the code e-mail, rendered when it goes out
    monkeypatch.setattr(mail_actions, "render_template", broken)
    assert client.post("/book/code", data={"code": code}).status_code == 302
    assert Booking.select().where(Booking.status == "booked").count() == 1
    assert Row.select().where(Row.sent_at.is_null()).count() == 2  # the person's and the consultant's

    monkeypatch.setattr(mail_actions, "render_template", watched)
    [confirmation] = confirmations(outbox, "ase@example.no")
    assert "/book/cancel/" in confirmation.body and confirmation.attachments
    assert len(outbox.to("ingrid@ressursbasen.no")) == 1
    assert rendered_inside and not any(rendered_inside)


def test_code_and_confirmation_email_jobs_are_queued_after_commit(client, consultant, free_slot,
                                                                  queue, outbox):
    from portal.mail.models import Outbox as Row
    client.post("/book", data=booking_form(free_slot().id))
    assert queue.job_ids == [f"email-{Row.get().id}"]  # the code goes out at once
    assert book_with_code(client, outbox, booking_form(free_slot(1).id)).status_code == 302
    jobs = [queue.fetch_job(job_id) for job_id in queue.job_ids]
    # Every e-mail in one job; the booking's two (the person's, the consultant's) in the same.
    assert sorted(i for job in jobs for i in job.args) == [r.id for r in Row.select()]
    assert [len(job.args) for job in jobs] == [1, 1, 2]


def test_messages_next_to_the_fields_in_english(client, consultant, free_slot):
    client.post("/language", data={"lang": "en"})
    response = client.post("/book", data=booking_form(free_slot().id, name="", postal_code="12",
                                                       phone="12"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="name-error">Enter your name.' in page
    assert 'id="postal_code-error">A Norwegian postal code has four digits, like 0155.' in page
    assert 'id="phone-error">Enter a valid phone number' in page
    assert Person.select().count() == 0


def test_a_candidate_stage_field_posted_to_book_is_ignored(client, consultant, free_slot, outbox):
    response = book_with_code(client, outbox, booking_form(
        free_slot().id, birth_date="1990-01-01", salary_expectation="900000", role="admin"))
    assert response.status_code == 302
    person = Person.get(Person.email == "ase@example.no")
    assert person.stage == "booking"
    assert Profile.select().count() == 0  # nowhere to keep a birth date before the candidate stage
