"""An accepted value changes only its own column: what the person changed on their profile
while staff decided (another column of the same row) stays as they wrote it."""
from datetime import date

from portal import catalog
from portal.candidates.models import Profile
from portal.corrections import actions as corrections
from portal.corrections.models import ProposedValue
from portal.people.models import Person
from portal.requests import actions as requests
from portal.requests.models import PrivacyRequest
from tests.factories import make_person, make_user


def test_accepting_a_value_keeps_what_the_person_changed_meanwhile_in_the_same_row(app, db, monkeypatch):
    person = make_person(stage=catalog.CANDIDATE, phone="+4741234567")
    Profile.create(person=person, nationality="Norsk", birth_date=date(1990, 5, 17))
    phone = corrections.field_of("Person.phone")
    values, errors = corrections.check({phone: "+4798765432"})
    assert not errors
    asked = requests.ask_publicly("correction", person.name, person.email, "", "nb", "10.0.0.1",
                                  proposals=values)
    asked = requests.verify(asked, "code")
    asked = PrivacyRequest.get_by_id(asked.id)
    [pv] = ProposedValue.select()
    checked = corrections.check

    def check_then_the_person_moves(*args, **kwargs):
        found = checked(*args, **kwargs)  # staff's decision has read the row by now
        Person.update(street="Nygata 9").where(Person.id == person.id).execute()
        return found
    monkeypatch.setattr(corrections, "check", check_then_the_person_moves)
    corrections.decide(asked, make_user("staff"), asked.version, {pv.id: ("accepted", "")})

    now = Person.get_by_id(person.id)
    assert now.phone == "+4798765432"
    assert now.street == "Nygata 9"  # not put back to what staff's decision had read
