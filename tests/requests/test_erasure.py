"""Requests and copies are personal data in the registry: an erasure takes them, and their files."""
from portal import storage
from portal.people import registry
from portal.requests import actions
from portal.requests.models import AccessExport, PrivacyRequest
from tests.factories import make_person
from tests.requests.conftest import build_all


def test_erasing_a_person_takes_their_requests_and_the_zip_of_their_copy(app, db, outbox):
    person = make_person(email="kari@example.no")
    actions.ask_as_candidate(person, "access", "", "nb")
    actions.ask_as_candidate(person, "question", "Hva har dere?", "nb")
    build_all()
    storage_id = AccessExport.get().storage_id
    subject = registry.subject_of(person)
    assert {g.category.key for g in registry.export_subject(subject)} >= {"requests"}
    registry.erase_person(person, "request 1")
    assert PrivacyRequest.select().count() == 0 and AccessExport.select().count() == 0
    try:
        storage.get(storage_id)
        raise AssertionError("the copy outlived the erasure")
    except storage.StorageError:
        pass


def test_an_unproven_request_is_found_by_its_address(app, db):
    asked = actions._new("question", "Ola", "ola@example.no", "Hei", "nb", actions.utcnow())
    subject = registry.subject_for_address("ola@example.no")
    # Erasure finds it by its address; the copy leaves it out: anyone may have typed it
    # (tests/requests/test_attack.py), until the code is given.
    assert registry.holds_anything(subject)
    assert not [g for g in registry.export_subject(subject) if g.category.key == "requests"]
    assert not actions.holds_anything_about(subject)  # nothing beyond the request itself
    PrivacyRequest.update(status="verified").where(PrivacyRequest.id == asked.id).execute()
    [group] = [g for g in registry.export_subject(subject) if g.category.key == "requests"]
    assert [i.id for i in group.items] == [asked.id]
    assert "token" not in group.items[0].fields  # the session's secret name is never copied out
