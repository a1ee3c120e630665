"""An erasure approved while a legal hold stands, with a person who has every kind of data: it
keeps only the held categories, restricted (out of every live table, out of staff search), tells
the person what is kept and why, and erases them too the day after the hold ends (frozen clock)."""
import json
import os
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine

from portal import storage
from portal.audit.models import AuditEvent
from portal.documents.models import Document
from portal.holds import actions as holds
from portal.holds.models import HeldData, LegalHold
from portal.people import registry
from portal.people.models import Person, Tombstone
from portal.requests import actions
from portal.requests.models import PrivacyRequest
from portal.retention import actions as retention
from portal.staff import search
from tests.booking.conftest import consultant, free_slot  # noqa: F401 (fixtures of full_person)
from tests.factories import make_user
from tests.people.test_registry import (  # noqa: F401 (fixtures: mail to files, Redis counted)
    EMAIL,
    NAME,
    PHONE,
    STREET,
    _found_in_database,
    _needles,
    app_config,
    full_person,
    redis,
)

HTMX = {"HX-Request": "true"}
REASON = "Tvist om et oppdrag, varslet av advokat; bevares til saken er avgjort."


def _morning(day):
    return datetime.combine(day, time(3, 0), ZoneInfo("Europe/Oslo")).astimezone(UTC)


def test_an_erasure_during_a_hold_keeps_only_the_held_categories_until_the_hold_ends(
        app, client, login_as, request):
    person, user, mailbox = request.getfixturevalue("full_person")
    needles = _needles(person, user)
    cv = Document.get(Document.person == person.id, Document.kind == "cv")
    photo = Document.get(Document.person == person.id, Document.kind == "photo")
    ends = retention.today_in_oslo() + timedelta(days=20)
    admin = make_user("admin")
    hold = holds.place(person, REASON, ends, ["name", "cv", "evaluations"], admin)
    asked = PrivacyRequest.get_by_id(actions.ask_as_candidate(person, "erasure", "", "nb").id)

    login_as("staff")
    page = client.get(f"/staff/requests/{asked.id}/erasure").get_data(as_text=True)
    assert "Det står en rettslig bevaringsplikt på denne personen" in page
    assert "Beholdt under rettslig bevaringsplikt, begrenset" in page and REASON in page
    preview = registry.erasure_preview(person)
    assert {(line.category.key, line.model) for line in preview.of("hold")} == {
        ("name", "Person"), ("name", "PendingBooking"),  # the name typed at a booking too
        ("cv", "Document"), ("evaluations", "Evaluation")}
    assert (preview.files_kept, preview.files_removed) == (1, 1)

    response = client.post(f"/staff/requests/{asked.id}/erase", data={"version": asked.version},
                           headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Slettet (sletting nummer" in body
    assert "Beholdt under rettslig bevaringsplikt" in body and REASON in body
    tombstone = Tombstone.get()
    assert tombstone.reason == f"request {asked.id}"
    assert Person.get_or_none(Person.id == person.id) is None

    # The person is told, in the confirmation, what is kept, why and until when.
    confirmation = [m for m in mailbox.to(EMAIL) if "Dine opplysninger er slettet" in m][-1]
    assert "Loven pålegger oss å beholde noe av det en stund" in confirmation
    assert "Navn, CV, Evalueringer og kompetanseanalyser: beholdes til" in confirmation
    assert REASON in confirmation and f"henvendelse nummer {asked.id}" in confirmation

    # Only what the hold names is left, and only in the hold's keeping: restricted.
    assert {k.category for k in HeldData.select()} == {"name", "cv", "evaluations"}
    assert _found_in_database([NAME]) == ["HeldData.fields: " + NAME]
    assert _found_in_database(["Godt inntrykk"]) == ["HeldData.fields: Godt inntrykk"]
    assert _found_in_database([EMAIL, PHONE, STREET, "Qvorn AS", "Kan starte i januar",
                               "ola.ref@example.no"]) == []
    assert not search.search(NAME.split()[0]) and not search.search(EMAIL)
    assert storage.get(cv.storage_id)  # the held CV's file stays
    stored = [n for _, _, names in os.walk(app.config["DOCUMENT_DIR"]) for n in names]
    assert photo.storage_id not in stored
    held = LegalHold.get_by_id(hold.id)
    assert (held.tombstone, held.email_hash) == (tombstone.id, tombstone.email_hash)
    assert json.loads(AuditEvent.get(AuditEvent.action == "person.erased").details)["held"] == [
        "cv", "evaluations", "name"]
    # Asked again by the address, what is kept is found (and copied) for the person.
    subject = registry.subject_for_address(EMAIL)
    groups = {g.category.key: g for g in registry.export_subject(subject)}
    assert {i.model for i in groups["legal_holds"].items} == {"LegalHold", "HeldData"}

    # The hold's last day: still kept. The day after, it ends by itself and all of it goes.
    with time_machine.travel(_morning(ends), tick=False):
        retention.sweep()
    assert HeldData.select().count() == 4  # Person, PendingBooking, Document, Evaluation
    with time_machine.travel(_morning(ends + timedelta(days=1)), tick=False):
        run = retention.sweep()
    counts = json.loads(run.counts)
    assert (counts["holds ended"], counts["holds released"], counts["held items erased"]) == (1, 1, 4)
    assert HeldData.select().count() == 0 and LegalHold.select().count() == 0
    assert _found_in_database(needles + ["Godt inntrykk"]) == []
    stored = [n for _, _, names in os.walk(app.config["DOCUMENT_DIR"]) for n in names]
    assert cv.storage_id not in stored
    assert not registry.holds_anything(registry.subject_for_address(EMAIL))
