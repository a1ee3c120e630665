"""A correction's step counter out of range (a forged or mangled post) is refused as a stale
page, not a 500 (SQLite takes no integer beyond 64 bits)."""
import pytest

from portal.corrections.models import ProposedValue
from portal.people.models import Person
from portal.requests.models import PrivacyRequest
from tests.corrections.test_corrections import _candidate, _decide, _open_correction


@pytest.mark.parametrize("version", ["99999999999999999999999", "-99999999999999999999999"])
def test_a_decision_with_a_counter_out_of_range_is_refused_not_a_500(client, login_as, version):
    person = _candidate(phone="+4741234567")
    asked = _open_correction(person, "Person.phone", "98765432")
    login_as("staff")
    response = _decide(client, asked, {ProposedValue.get(): ("accepted", "")}, version=version)
    assert response.status_code == 409
    assert "Noen andre behandlet denne henvendelsen" in response.get_data(as_text=True)
    assert Person.get_by_id(person.id).phone == "+4741234567"
    assert PrivacyRequest.get_by_id(asked.id).is_open
