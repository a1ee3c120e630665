"""`flask people erase`: a person by id or address, and someone we know only by an address or
a number (a reference a candidate named) by --email or --phone."""
from portal.auth.models import User
from portal.candidates import models as cand
from portal.people import registry
from portal.people.models import Person, Tombstone
from tests.factories import make_person, make_user

REF_EMAIL, REF_PHONE = "ola.referanse@example.no", "+4790000001"


def _candidate_naming_a_reference(**reference):
    candidate = make_person(name="Kari Kandidat")
    values = dict(name="Ola Referanse", email=REF_EMAIL, phone=REF_PHONE)
    values.update(reference)
    cand.Reference.create(person=candidate, **values)
    return candidate


def _erase(runner, *args):
    return runner.invoke(args=["people", "erase", *args, "--reason", "request 9"])


def test_a_person_is_erased_by_id(runner, db):
    person, other = make_person(), make_person()
    result = _erase(runner, "--id", str(person.id))
    assert result.exit_code == 0 and "tombstone" in result.output, result.output
    assert [p.id for p in Person.select()] == [other.id]
    again = _erase(runner, "--id", str(person.id))
    assert again.exit_code == 1 and "no person has that id" in again.output


def test_a_reference_known_only_by_address_is_erased_by_it(runner, db):
    candidate = _candidate_naming_a_reference()
    kept = cand.Reference.create(person=candidate, name="Per Annen", email="per@example.no")
    result = _erase(runner, "--email", REF_EMAIL.upper())
    assert result.exit_code == 0, result.output
    assert "1 rows" in result.output and "tombstone" in result.output
    assert [r.id for r in cand.Reference.select()] == [kept.id]
    assert Person.get_by_id(candidate.id)  # the candidate who named them stays
    found = runner.invoke(args=["people", "was-erased", "--email", REF_EMAIL]).output
    assert "(request 9)" in found


def test_a_reference_known_only_by_number_is_erased_by_it(runner, db):
    _candidate_naming_a_reference(email="")
    result = _erase(runner, "--phone", "900 00 001")
    assert result.exit_code == 0, result.output
    assert cand.Reference.select().count() == 0
    assert "(request 9)" in runner.invoke(
        args=["people", "was-erased", "--phone", "+47 900 00 001"]).output
    tombstone = Tombstone.get()
    assert REF_PHONE not in tombstone.email_hash and tombstone.email_hash


def test_a_number_two_people_share_is_refused_and_changes_nothing(runner, db):
    first, second = make_person(phone="+4741234567"), make_person(phone="+4741234567")
    result = _erase(runner, "--phone", "41234567")
    assert result.exit_code == 1
    assert f"{first.id}, {second.id}" in result.output and "--id" in result.output
    assert Person.select().count() == 2 and Tombstone.select().count() == 0


def test_a_number_one_person_has_erases_that_person(runner, db):
    person = make_person(phone="+4741234568")
    _candidate_naming_a_reference(phone="+4741234568", email="")
    assert _erase(runner, "--phone", "412 34 568").exit_code == 0
    assert Person.get_or_none(Person.id == person.id) is None
    assert cand.Reference.select().count() == 0  # named as a reference by that number too


def test_bad_or_missing_options_are_refused_and_change_nothing(runner, db):
    person = make_person()
    staff = make_user("staff")
    for args, message in (((), "give --id, or --email and/or --phone"),
                          (("--id", str(person.id), "--email", person.email), "give --id, or"),
                          (("--phone", "12"), "not a phone number"),
                          (("--email", "not an address"), "not an e-mail address"),
                          (("--email", "nobody@example.no"), "nothing is held"),
                          (("--email", staff.email), "staff login")):
        result = _erase(runner, *args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    assert Person.select().count() == 1 and User.select().count() == 1
    assert Tombstone.select().count() == 0


def test_a_reason_naming_the_reference_is_refused(runner, db):
    _candidate_naming_a_reference()
    result = runner.invoke(args=["people", "erase", "--email", REF_EMAIL, "--reason",
                                 f"asked by {REF_EMAIL}"])
    assert result.exit_code == 1 and "must not name" in result.output
    assert cand.Reference.select().count() == 1


def test_a_restored_reference_is_erased_again_by_replay(app, runner, db):
    candidate = _candidate_naming_a_reference()
    created = cand.Reference.get().created_at
    assert _erase(runner, "--email", REF_EMAIL, "--phone", REF_PHONE).exit_code == 0
    cand.Reference.create(person=candidate, name="Ola Referanse", email=REF_EMAIL,
                          phone=REF_PHONE, created_at=created)  # back from the backup
    cand.Reference.create(person=candidate, name="Ola Referanse", email="",
                          phone=REF_PHONE, created_at=created)  # known by the number alone
    Tombstone.delete().execute()
    registry.replay_erasures()
    assert cand.Reference.select().count() == 0
    assert registry.was_erased(REF_EMAIL)
    later = cand.Reference.create(person=candidate, name="Ola Referanse", phone=REF_PHONE)
    registry.replay_erasures()  # named again after the erasure: a new relationship, kept
    assert [r.id for r in cand.Reference.select()] == [later.id]
