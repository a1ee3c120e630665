"""An approved erasure request, the whole way with a person who has every kind of data: staff
see what erase_person() removes and keeps, approve it, the confirmation names the request and
goes before the address, and then the registry's scan finds nothing but the kept audit trail."""
import json
import os

from portal.audit.models import AuditEvent
from portal.documents.models import Document
from portal.people import registry
from portal.people.models import Person, Tombstone
from portal.requests import actions
from portal.requests.models import PrivacyRequest
from tests.booking.conftest import consultant, free_slot  # noqa: F401 (fixtures of full_person)
from tests.people.test_registry import (  # noqa: F401 (fixtures: mail to files, Redis counted)
    EMAIL,
    _found_in_database,
    _needles,
    app_config,
    full_person,
    redis,
)


def _erasure(person, details=""):
    asked = actions.ask_as_candidate(person, "erasure", details, "nb")
    return PrivacyRequest.get_by_id(asked.id)


def test_staff_see_what_the_erasure_removes_approve_it_and_nothing_is_left(
        app, client, login_as, request):
    person, user, mailbox = request.getfixturevalue("full_person")
    asked = _erasure(person, "Slett alt om meg.")
    needles = _needles(person, user)
    subject = registry.subject_of(person)
    held_models = {h.name for h in registry.row_holdings() if registry.rows_of(h, subject).exists()}
    storage_ids = [d.storage_id for d in Document.select().where(Document.person == person.id)]

    staff = login_as("staff")
    queue = client.get("/staff/queue").get_data(as_text=True)
    assert f"/staff/requests/{asked.id}/erasure" in queue
    page = client.get(f"/staff/requests/{asked.id}/erasure").get_data(as_text=True)
    # Every declared holding that has rows about the person is on the page, by catalog category.
    for model in held_models:
        assert f"<code>{model}</code>" in page, model
    preview = registry.erasure_preview(person)
    assert {line.model for line in preview.lines} == held_models
    assert {line.model for line in preview.of("keep")} == {"AuditEvent"}  # and why, until when
    assert "Ansvarlighet (GDPR art. 5(2))" in page
    assert preview.files_removed == len(storage_ids) == 2 and preview.files_kept == 0
    assert "Det slettingen fjerner" in page and "Godkjenn: slett nå" in page
    assert f"Bekreftelsen går til {EMAIL}" in page

    response = client.post(f"/staff/requests/{asked.id}/erase", data={"version": asked.version})
    assert response.status_code == 303
    tombstone = Tombstone.get()
    assert tombstone.reason == f"request {asked.id}"
    assert Person.get_or_none(Person.id == person.id) is None
    assert PrivacyRequest.select().count() == 0  # the request leaves with the person
    done = AuditEvent.get(AuditEvent.action == "privacy_request.done")
    assert (done.actor_id, done.person_id) == (staff.id, person.id)
    erased = AuditEvent.get(AuditEvent.action == "person.erased")
    assert json.loads(erased.details) == {"tombstone": tombstone.id,
                                          "reason": f"request {asked.id}"}
    # The confirmation, before the address goes: it names the request and whom we told.
    mails = mailbox.to(EMAIL)
    confirmation = [m for m in mails if "Dine opplysninger er slettet" in m][-1]
    assert f"henvendelse nummer {asked.id}" in confirmation
    assert f"nummer {tombstone.id}" in confirmation
    assert "ingen (vi hadde ikke delt opplysningene dine med noen)" in confirmation
    # Once it has gone, the registry's scan finds nothing.
    assert _found_in_database(needles) == []
    left = [h.name for h in registry.row_holdings()
            if registry.rows_of(h, registry.subject_of(person)).exists()]
    assert left == ["AuditEvent"]  # only what the preview said is kept
    stored = [n for _, _, names in os.walk(app.config["DOCUMENT_DIR"]) for n in names]
    assert not set(storage_ids) & set(stored)
