"""Journeys across features: what one feature writes, another shows."""
from portal.candidates.models import Person
from tests.booking.conftest import booking_form, consultant, free_slot  # noqa: F401  (fixtures)


def test_account_overview_shows_details_typed_at_a_later_booking(client, consultant, free_slot, login_as):  # noqa: F811
    client.post("/book", data=booking_form(free_slot(0).id, email="ase@example.no"))
    client.post("/book", data=booking_form(free_slot(3).id, email="ase@example.no",
                                           name="Åse Ødegård", phone="+47 99 88 77 66"))
    person = Person.get(Person.email == "ase@example.no")
    login_as("candidate", person=person)
    response = client.get("/account")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Åse Ødegård-Ærø" in body
    assert "+4799887766" in body  # the differing phone, kept with the booking, is shown too
