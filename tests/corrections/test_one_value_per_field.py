"""Two values proposed for one field (a second request joined to the first): staff accept one of
them, not both, so that the person is never told that a value was accepted which is not held."""
import pytest

from portal.corrections.models import ACCEPTED, REFUSED, ProposedValue
from portal.people.models import Person
from portal.requests.models import PrivacyRequest
from tests.corrections.test_corrections import _candidate, _decide, _english, _open_correction


@pytest.mark.parametrize("lang, message", [
    ("nb", "Et annet forslag til samme felt er godtatt"),
    ("en", "Another value for the same field is accepted"),
])
def test_two_values_for_one_field_cannot_both_be_accepted(client, login_as, outbox, lang, message):
    person = _candidate(phone="+4741234567")
    asked = _open_correction(person, "Person.phone", "98765432")
    _open_correction(person, "Person.phone", "90000000")  # joined to the first
    first, second = ProposedValue.select().order_by(ProposedValue.id)
    login_as("staff")
    if lang == "en":
        _english(client)
    response = _decide(client, asked, {first: ("accepted", ""), second: ("accepted", "")})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert Person.get_by_id(person.id).phone == "+4741234567"
    assert PrivacyRequest.get_by_id(asked.id).is_open
    assert {pv.decision for pv in ProposedValue.select()} == {"pending"}

    response = _decide(client, asked, {first: ("refused", "Vi ringte, og det gamle nummeret"),
                                       second: ("accepted", "")})
    assert response.status_code == 303
    assert Person.get_by_id(person.id).phone == "+4790000000"
    assert [pv.decision for pv in ProposedValue.select().order_by(ProposedValue.id)] == [
        REFUSED, ACCEPTED]
