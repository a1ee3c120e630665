"""Access (art. 15 and 20): the copy holds every category, every document and the readable
summary, and data.json validates against the committed schema."""
import io
import json
import zipfile
from datetime import date, time, timedelta
from pathlib import Path

import jsonschema

from portal import catalog, storage
from portal.booking import actions as booking_actions
from portal.booking import availability, schedule
from portal.candidates.models import Evaluation, LanguageSkill, Profile, Reference, WorkExperience
from portal.consent import actions as consent_actions
from portal.documents import actions as document_actions
from portal.documents.models import Document
from portal.requests import actions
from portal.requests.models import AccessExport, PrivacyRequest
from tests.candidates import files
from tests.factories import make_person, make_user
from tests.requests.conftest import ask_with_code, build_all, others

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "export.schema.json").read_text())


def _full_candidate():
    """A candidate with a profile, three documents, consents, two bookings and a staff note."""
    person = make_person(name="Kari Ødegård", email="kari@example.no", stage=catalog.CANDIDATE)
    Profile.create(person=person, birth_date=date(1990, 5, 17), nationality="Norsk",
                   availability="Fulltid", salary_expectation=650000)
    WorkExperience.create(person=person, employer="Bygg AS", title="Prosjektleder",
                          started_on=date(2019, 8, 1), ended_on=date(2025, 6, 30))
    LanguageSkill.create(person=person, language="Engelsk", level="C1")
    Reference.create(person=person, name="Ole Olsen", email="ole@example.no")
    documents = [document_actions.upload(person, "cv", "cv.pdf", files.pdf("CV-markør")),
                 document_actions.upload(person, "certificate", "fagbrev.pdf",
                                         files.pdf("fagbrev-markør")),
                 document_actions.upload(person, "photo", "meg.png", files.png())]
    consent_actions.decide(person, "marketing", True)
    consent_actions.decide(person, "marketing", False)
    consent_actions.decide(person, "share_with_customers", True)
    consultant = availability.add_consultant("Ingrid Bakke", "ingrid@ressursbasen.no")
    for weekday in range(7):
        availability.add_weekly_hours(consultant, weekday, time(8), time(16))
    slots = schedule.free_slots([schedule.oslo_today() + timedelta(days=d) for d in range(1, 4)])
    details = dict(name=person.name, street="Storgata 1", postal_code="0155", place="Oslo",
                   country="NO", email=person.email, phone="+4741234567")
    for slot in (slots[0], slots[5]):
        booking_actions.book(slot.id, "conversation", "video", details, "nb")
    make_user("candidate", person=person, email=person.email)
    staff = make_user("staff", email="stab@ressursbasen.no")
    Evaluation.create(person=person, kind="Kompetanseanalyse", summary="Staff-notat: sterk faglig",
                      result="Godt egnet", recorded_by=staff.id)
    document_actions.read_document(documents[0], staff=staff)  # a staff view, audited
    return person, documents


def test_a_full_candidate_gets_everything_and_it_matches_the_schema(app, client, login_as, outbox):
    person, documents = _full_candidate()
    asked = actions.ask_as_candidate(person, "access", "", "nb")
    build_all()
    export = AccessExport.get(AccessExport.request == asked.id)
    assert export.status == "ready" and export.released_at is not None
    assert PrivacyRequest.get_by_id(asked.id).status == "done"

    zf = zipfile.ZipFile(io.BytesIO(storage.get(export.storage_id)))
    assert zf.testzip() is None
    names = set(zf.namelist())
    data = json.loads(zf.read("data.json"))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)

    # Every document, byte for byte as stored.
    for document in documents:
        path = f"documents/{document.id}-{document.filename}"
        assert path in names
        assert zf.read(path) == storage.get(document.storage_id)
    assert {d["category"] for d in data["documents"]} == {"cv", "certificates", "photo"}

    categories = data["categories"]
    for key in ("name", "address", "email", "phone", "birth_date", "nationality",
                "work_experience", "references", "languages", "availability_salary", "cv",
                "certificates", "photo", "consents", "bookings", "evaluations", "login",
                "requests", "audit", "messages"):
        assert key in categories, key
    assert len(categories["consents"]["items"]) == 3
    assert len(categories["bookings"]["items"]) == 2
    [note] = categories["evaluations"]["items"]
    assert note["fields"]["summary"] == "Staff-notat: sterk faglig" and note["source"] == "staff"
    assert categories["birth_date"]["items"][0]["fields"]["birth_date"] == "1990-05-17"
    assert categories["name"]["delete_on"]  # the actual date, not only the rule
    assert "marketing" not in categories["name"]["purposes"]  # consent withdrawn
    assert categories["login"]["items"][0]["fields"]["email"] == "kari@example.no"
    assert not [i for i in categories["login"]["items"] if "password_hash" in i["fields"]]

    summary = zf.read("summary.html").decode()
    for text in ("Kari Ødegård", "Staff-notat: sterk faglig", "Prosjektleder",
                 "Hvorfor, og på hvilket rettslig grunnlag", "Datatilsynet", "17. mai 1990",
                 "Åpnet et av dokumentene dine", "fagbrev.pdf", 'id="bookings"'):
        assert text in summary, text
    [ready] = [m for m in others(outbox, "kari@example.no") if "klar" in m.subject]
    assert "/privacy/exports/" in ready.body


def test_the_copy_for_a_changed_profile_validates_too_and_needs_no_schema_change(app, db):
    person, _ = _full_candidate()
    Document.update(filename="a/b\\c.pdf").where(Document.kind == "cv").execute()
    asked = actions.ask_as_candidate(person, "access", "", "en")
    build_all()
    export = AccessExport.get(AccessExport.request == asked.id)
    zf = zipfile.ZipFile(io.BytesIO(storage.get(export.storage_id)))
    assert not [n for n in zf.namelist() if ".." in n or n.count("/") > 1]
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(zf.read("data.json")))


def test_a_reference_gets_what_candidates_wrote_about_them(app, client, outbox):
    owner = make_person(stage=catalog.CANDIDATE)
    Reference.create(person=owner, name="Ole Olsen", relation="Tidligere leder",
                     email="ole@example.no", phone="+4791234567")
    response = ask_with_code(client, outbox, name="Ole Olsen", email="ole@example.no")
    assert response.status_code == 302
    asked = PrivacyRequest.get()
    assert (asked.status, asked.nothing_held) == ("verified", False)  # we hold something
    build_all()
    export = AccessExport.get()
    assert export.status == "ready" and export.released_at is None  # proven by a code: staff approve
    data = json.loads(zipfile.ZipFile(io.BytesIO(storage.get(export.storage_id))).read("data.json"))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    [item] = data["categories"]["named_as_reference"]["items"]
    assert item["fields"]["relation"] == "Tidligere leder"
    assert "name" not in data["categories"]  # nothing of the candidate's own record
