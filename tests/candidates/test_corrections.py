"""Corrections go through the registry's `rectify`: the contact details on the profile (at any
stage), profile rows, details typed at a booking. A correction by the person is audited with the
names of the fields only and counts as contact; one by staff never extends retention; a field
that may not be corrected is refused; deleting data is no new contact."""
import json
from datetime import datetime, timedelta

import pytest

from portal.audit.models import AuditEvent
from portal.booking.models import Booking, Consultant
from portal.candidates.models import LanguageSkill
from portal.db import utcnow
from portal.documents import actions as documents
from portal.people import registry
from portal.people.models import Person
from tests.candidates.files import pdf

HX = {"HX-Request": "true"}
LONG_AGO = datetime(2021, 3, 1, 12, 0)
CONTACT = dict(name="Kari Nordmann", street="Storgata 1", postal_code="0155", place="Oslo",
               country="NO", phone="+4741234567")


def _long_ago(person_id):
    Person.update(last_contact_at=LONG_AGO).where(Person.id == person_id).execute()


def _rectified():
    return [json.loads(e.details) for e in AuditEvent.select().where(
        AuditEvent.action == "person.rectified").order_by(AuditEvent.id)]


@pytest.mark.parametrize("who", ["candidate", "booked"])
def test_correcting_name_and_phone_on_the_profile(client, request, who):
    user = request.getfixturevalue(who)  # at any stage: the candidate stage open or not
    _long_ago(user.person_id)
    before = Person.get_by_id(user.person_id)
    response = client.post("/account/profile/contact", data={
        **CONTACT, "name": "  Kari Nordmann-Berg ", "phone": "+47 987 65 432",
        "email": "hijack@example.no", "role": "admin"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/profile#contact")
    person = Person.get_by_id(user.person_id)
    assert (person.name, person.phone) == ("Kari Nordmann-Berg", "+4798765432")
    assert person.email == before.email  # the e-mail address is not changed here
    assert person.last_contact_at > LONG_AGO  # the person's own correction is contact
    assert _rectified() == [{"by": "person", "fields": ["name", "phone"], "model": "Person",
                             "row": person.id}]
    details = "".join(e.details for e in AuditEvent.select())
    assert "Berg" not in details and "98765432" not in details  # field names, never values
    page = client.get("/account/profile").get_data(as_text=True)
    assert "Kontaktopplysningene dine er rettet" in page and "Kari Nordmann-Berg" in page


def test_the_correction_form_swaps_in_place_with_htmx(client, booked):
    form = client.get("/account/profile/contact/edit", headers=HX)
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and "<html" not in html
    assert 'value="Storgata 1"' in html and 'autocomplete="tel"' in html
    saved = client.post("/account/profile/contact", headers=HX, data={**CONTACT, "place": "Bergen",
                                                                       "postal_code": "5003"})
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "<html" not in html
    assert "Bergen" in html and "Kontaktopplysningene dine er rettet" in html
    assert Person.get_by_id(booked.person_id).place == "Bergen"


def test_a_person_who_only_registered_corrects_the_name_without_giving_more(client, login_as):
    person = Person.create(name="Kari", email="kari@example.no")  # registered: name and e-mail
    login_as("candidate", person=person)
    response = client.post("/account/profile/contact", data={"name": "Kari Nordmann",
                                                             "country": "NO"})
    assert response.status_code == 302
    person = Person.get_by_id(person.id)
    assert (person.name, person.street, person.phone) == ("Kari Nordmann", "", "")


def test_the_same_details_again_change_nothing(client, booked):
    person = Person.get_by_id(booked.person_id)
    _long_ago(person.id)
    response = client.post("/account/profile/contact", data={
        c: getattr(person, c) for c in CONTACT})
    assert response.status_code == 302
    assert _rectified() == [] and Person.get_by_id(person.id).last_contact_at == LONG_AGO
    assert "Ingenting ble endret" in client.get("/account/profile").get_data(as_text=True)


@pytest.mark.parametrize("lang, data, message", [
    ("nb", {"phone": "12"}, "Skriv inn et gyldig telefonnummer"),
    ("en", {"phone": "12"}, "Enter a valid phone number"),
    ("nb", {"name": ""}, "Skriv inn navnet ditt."),
    ("en", {"name": "Kari www.example.com"}, "A name cannot contain a web address or link."),
    ("nb", {"postal_code": "12"}, "Et norsk postnummer har fire sifre"),
    ("en", {"street": "", "postal_code": ""},
     "Give the whole address (street address, postal code and place), or leave all three empty."),
    ("nb", {"place": ""}, "Fyll inn hele adressen (gateadresse, postnummer og poststed)"),
    ("en", {"country": "XX"}, "Choose a country from the list."),
    ("nb", {"name": "Kari\x00"}, "Fjern de usynlige kontrolltegnene."),
])
def test_bad_contact_details_change_nothing_and_say_why(client, booked, lang, data, message):
    with client.session_transaction() as session:
        session["lang"] = lang
    before = Person.get_by_id(booked.person_id).__data__
    events = AuditEvent.select().count()
    response = client.post("/account/profile/contact", data={**CONTACT, **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert Person.get_by_id(booked.person_id).__data__ == before
    assert AuditEvent.select().count() == events


def test_a_staff_correction_does_not_extend_retention(db):
    person = Person.create(name="Kari", email="kari@example.no", phone="+4741234567")
    _long_ago(person.id)
    person = Person.get_by_id(person.id)
    assert registry.rectify(person, {"name": "Kari Nordmann"}, by="staff") == {"name": "Kari"}
    person = Person.get_by_id(person.id)
    assert person.name == "Kari Nordmann" and person.last_contact_at == LONG_AGO
    assert _rectified()[-1]["by"] == "staff"


@pytest.mark.parametrize("changes", [{"email": "new@example.no"},
                                     {"name": "Kari Nordmann", "stage": "candidate"}])
def test_a_field_that_may_not_be_corrected_is_refused_and_nothing_changes(db, changes):
    person = Person.create(name="Kari", email="kari@example.no")
    before = Person.get_by_id(person.id).__data__
    with pytest.raises(registry.NotRectifiable) as refused:
        registry.rectify(person, changes, by="person")
    assert set(refused.value.fields) == set(changes) - {"name"}
    assert Person.get_by_id(person.id).__data__ == before
    assert not AuditEvent.select().exists()


def test_editing_a_profile_row_is_a_correction_and_deleting_one_is_no_contact(client, candidate):
    client.post("/account/profile/languages/new", data={"language": "Engelsk", "level": "B2"})
    row = LanguageSkill.get()
    _long_ago(candidate.person_id)
    client.post(f"/account/profile/languages/{row.id}", data={"language": "Engelsk", "level": "C1"})
    assert LanguageSkill.get_by_id(row.id).level == "C1"
    assert _rectified() == [{"by": "person", "fields": ["level"], "model": "LanguageSkill",
                             "row": row.id}]
    assert Person.get_by_id(candidate.person_id).last_contact_at > LONG_AGO
    _long_ago(candidate.person_id)
    assert client.post(f"/account/profile/languages/{row.id}/delete").status_code == 302
    assert not LanguageSkill.select().exists()
    assert Person.get_by_id(candidate.person_id).last_contact_at == LONG_AGO
    deleted = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert deleted.action == "profile.updated" and '"deleted"' in deleted.details


def test_deleting_a_document_is_no_contact(client, candidate):
    person = Person.get_by_id(candidate.person_id)
    document = documents.upload(person, "cv", "cv.pdf", pdf())
    _long_ago(person.id)
    assert client.post(f"/account/documents/{document.id}/delete").status_code == 302
    assert Person.get_by_id(person.id).last_contact_at == LONG_AGO
    assert AuditEvent.select().where(AuditEvent.action == "document.deleted").count() == 1


def _typed_booking(person, **typed):
    consultant = Consultant.create(name="Ingrid Bakke", email="ingrid@ressursbasen.no")
    starts = utcnow() + timedelta(days=2)
    return Booking.create(person=person.id, consultant=consultant, starts_at=starts,
                          ends_at=starts + timedelta(minutes=45), kind="meeting", place="video",
                          **{"typed_" + c: v for c, v in typed.items()})


def test_using_what_was_typed_at_a_booking_is_the_persons_correction(client, booked):
    person = Person.get_by_id(booked.person_id)
    booking = _typed_booking(person, name="Kari Berg", phone="+4798765432")
    _long_ago(person.id)
    client.post(f"/account/bookings/{booking.id}/typed/apply")
    person = Person.get_by_id(person.id)
    assert (person.name, person.phone) == ("Kari Berg", "+4798765432")
    assert person.last_contact_at > LONG_AGO
    assert _rectified() == [{"by": "person", "fields": ["name", "phone"], "model": "Person",
                             "row": person.id}]
    assert Booking.get_by_id(booking.id).differing == []


def test_dismissing_what_was_typed_at_a_booking_is_no_contact(client, booked):
    person = Person.get_by_id(booked.person_id)
    booking = _typed_booking(person, name="Kari Berg")
    _long_ago(person.id)
    client.post(f"/account/bookings/{booking.id}/typed/dismiss")
    assert Booking.get_by_id(booking.id).differing == []
    person = Person.get_by_id(person.id)
    assert person.last_contact_at == LONG_AGO and person.name != "Kari Berg"
