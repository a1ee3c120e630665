"""Journeys across features: what one feature writes, another shows."""
from portal.people.models import Person
from tests.booking.conftest import book_with_code, booking_form


def test_account_overview_shows_details_typed_at_a_later_booking(client, consultant, free_slot,
                                                                login_as, outbox):
    book_with_code(client, outbox, booking_form(free_slot(0).id, email="ase@example.no"))
    book_with_code(client, outbox, booking_form(free_slot(3).id, email="ase@example.no",
                                                name="Åse Ødegård", phone="+47 99 88 77 66"))
    person = Person.get(Person.email == "ase@example.no")
    login_as("candidate", person=person)
    response = client.get("/account")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Åse Ødegård-Ærø" in body
    assert "+4799887766" in body  # the differing phone, kept with the booking, is shown too
    assert "<li></li>" not in body.replace(" ", "").replace("\n", "")  # no empty entries


def test_invitation_link_does_not_spell_out_the_email_address(db):
    import base64

    from portal.candidates.actions import invite_path, person_from_invite
    from tests.factories import make_person
    person = make_person(email="hemmelig@example.no")
    token = invite_path(person).rsplit("/", 1)[1]
    payload = token.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert b"hemmelig" not in decoded
    assert person_from_invite(token) == person
    person.email = "changed@example.no"
    person.save()
    assert person_from_invite(token) is None  # an invite follows the address it was sent to
