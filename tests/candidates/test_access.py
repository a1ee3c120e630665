"""No candidate can read or change another's profile, documents or consents, whatever the id."""
import pytest

from portal import catalog
from portal.audit.models import AuditEvent
from portal.candidates.actions import SECTIONS, profile_of, save_row
from portal.consent.actions import decide
from portal.consent.models import Consent
from portal.documents.actions import upload
from portal.documents.models import Document
from portal.features import all_models
from portal.people.models import Person
from tests.candidates import files
from tests.factories import make_person

LIST_SECTIONS = [k for k, s in SECTIONS.items() if not s.single]
SINGLE_SECTIONS = [k for k, s in SECTIONS.items() if s.single]

# (method, url template, data); {row} is the victim's row id in that section, {doc} a document id.
ROUTES = (
    [("GET", f"/account/profile/{s}/{{row}}", None) for s in SECTIONS]
    + [("POST", f"/account/profile/{s}/{{row}}", "row") for s in SECTIONS]
    + [("GET", f"/account/profile/{s}/{{row}}/edit", None) for s in SECTIONS]
    + [("POST", f"/account/profile/{s}/{{row}}/delete", None) for s in SECTIONS]
    + [("GET", "/account/documents/{doc}/download", None),
       ("POST", "/account/documents/{doc}/delete", None),
       ("POST", "/account/documents/{doc}/replace", "file"),
       ("GET", "/staff/documents/{doc}/download", None)]
)
VALUES = {"employer": "Hacked", "title": "Hacked", "name": "Hacked", "language": "Hacked",
          "level": "A1", "job": "Hacked", "text": "Hacked", "nationality": "Hacked",
          "availability": "Hacked", "salary_expectation": "1", "birth_date": "1990-01-01"}


def snapshot():
    """Every row of every table of the candidate area, to prove nothing changed."""
    return {m.__name__: sorted(tuple(sorted(r.items())) for r in m.select().dicts())
            for m in all_models() if m.__module__.startswith(("portal.candidates", "portal.documents",
                                                                 "portal.consent"))}


@pytest.fixture
def victim(app, db):
    """A candidate with a row in every section, a document and a consent."""
    person = make_person(stage=catalog.CANDIDATE)
    ids = {}
    for key, section in SECTIONS.items():
        form = section.form(meta={"csrf": False}, data={
            "employer": "E", "title": "T", "name": "N", "language": "Norsk", "level": "B2",
            "job": "J", "text": "Notat", "nationality": "Svensk"})
        row = profile_of(person) if section.single else None
        ids[key] = save_row(person, section, form, row).id
    document = upload(person, "cv", "cv.pdf", files.pdf("victim secret"))
    decide(person, "marketing", True)
    return person, ids, document


# Routes with an id that are not a candidate's own pages, each with the test that guards it.
ELSEWHERE = {
    # a customer's link: a document not in that share is 404
    "shared.document": "tests/customers/test_sharing.py::test_a_document_downloads_only_through_the_link",
}


def test_every_route_with_an_id_is_covered(app):
    covered = {(m, u.split("{")[0].rstrip("/")) for m, u, _ in ROUTES}
    for rule in app.url_map.iter_rules():
        if rule.arguments & {"row_id", "document_id"} and rule.endpoint not in ELSEWHERE:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                prefix = rule.rule.split("<")[0].rstrip("/")
                if "<section>" in rule.rule:
                    assert all((method, prefix.replace("<section>", s)) in covered
                               or (method, f"/account/profile/{s}") in covered for s in SECTIONS), rule
                else:
                    assert (method, prefix) in covered, rule


@pytest.mark.parametrize("method, url, data", ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_another_candidate_cannot_reach_it(client, login_as, victim, method, url, data):
    person, ids, document = victim
    section = url.split("/")[3] if url.startswith("/account/profile/") else None
    target = url.format(row=ids.get(section, 0), doc=document.id)
    login_as("candidate", person=make_person(stage=catalog.CANDIDATE))
    before = snapshot()
    events = AuditEvent.select().where(AuditEvent.person_id == person.id).count()
    if data == "file":
        import io
        response = client.post(target, data={"file": (io.BytesIO(files.pdf()), "x.pdf")},
                               content_type="multipart/form-data")
    elif method == "POST":
        response = client.post(target, data=VALUES)
    else:
        response = client.get(target)
    assert response.status_code in (403, 404)
    body = response.get_data()
    assert b"victim secret" not in body and b"Notat" not in body and b"Svensk" not in body
    assert snapshot() == before
    assert AuditEvent.select().where(AuditEvent.person_id == person.id).count() == events


def test_consents_are_only_ever_the_logged_in_persons(client, login_as, victim):
    person, _, _ = victim
    intruder = login_as("candidate", person=make_person(stage=catalog.CANDIDATE))
    page = client.get("/account/consents").get_data(as_text=True)
    assert "Ikke gitt." in page and "Trekk tilbake" not in page
    client.post("/account/consents/marketing", data={"given": "0", "person_id": str(person.id)})
    assert Consent.select().where(Consent.person == person.id).count() == 1
    assert Consent.get(Consent.person == intruder.person_id).given is False
    assert Person.get_by_id(person.id).email != intruder.email


def test_staff_pages_refuse_candidates_and_candidate_pages_refuse_staff(client, login_as, victim):
    login_as("staff")
    assert client.get("/account").status_code == 403
    assert client.get("/account/profile").status_code == 403
    assert Document.select().count() == 1
