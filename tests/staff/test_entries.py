"""What staff write: evaluations and competence analyses, availability and salary as noted.
Each is catalogued with its source, changed only through rectify(), and in the person's copy;
two staff at once, bad input and a closed candidate stage each get a message and change nothing."""
import json
from datetime import date, timedelta

import pytest

from portal import catalog
from portal.audit.models import AuditEvent
from portal.candidates.models import Evaluation, NotedAvailability, Profile
from portal.people import registry
from portal.people.models import Person
from portal.staff.record import open_record
from tests.factories import make_person

HTMX = {"HX-Request": "true"}


@pytest.fixture
def candidate(db):
    person = make_person(name="Ivar Kandidat", stage=catalog.CANDIDATE)
    Profile.create(person=person, availability="Fra mars", salary_expectation=600000)
    return person


@pytest.fixture
def login_as(login_as):
    """Staff here have opened the record of everyone there is when they log in (the entries'
    routes refuse a record not opened: tests/staff/test_record.py)."""
    def login(role="candidate", **overrides):
        user = login_as(role, **overrides)
        if user.is_staff:
            for person in Person.select():
                open_record(person.id, "staff_entries", user)
        return user
    return login


def _evaluation(**overrides):
    data = {"new-kind": "competence_analysis", "new-held_on": "2026-11-20",
            "new-summary": "Sterk i prosjektledelse", "new-result": "Godt egnet som prosjektleder",
            "new-why": "staff_entries"}
    data.update(overrides)
    return data


def _snapshot():
    return ([(e.id, e.kind, e.held_on, e.summary, e.result, e.updated_at) for e in Evaluation.select()],
            [(n.available_from, n.availability, n.salary, n.updated_at) for n in NotedAvailability.select()],
            AuditEvent.select().count())


def test_staff_add_an_evaluation_that_the_person_can_read(client, login_as, candidate):
    staff = login_as("staff")
    response = client.post(f"/staff/candidates/{candidate.id}/evaluations", data=_evaluation())
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/staff/candidates/{candidate.id}/staff_entries")
    row = Evaluation.get()
    assert (row.kind, row.held_on, row.recorded_by) == ("competence_analysis", date(2026, 11, 20), staff.id)
    assert "evaluation.recorded" in {e.action for e in AuditEvent.select()}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kompetanseanalyse" in page and "20. november 2026" in page and staff.email in page
    # Catalogued, from staff, in the person's copy: kind, date, result.
    group = {g.category.key: g for g in registry.export_person(candidate)}["evaluations"]
    assert group.category.source == "staff"
    item = group.items[0]
    assert item.source == "staff"
    assert (item.fields["kind"], item.fields["held_on"], item.fields["result"]) == (
        "competence_analysis", "2026-11-20", "Godt egnet som prosjektleder")
    login_as("candidate", person=candidate)
    assert "Godt egnet som prosjektleder" in client.get("/account").get_data(as_text=True)


def test_a_change_goes_through_rectify_and_leaves_the_retention_clock(client, login_as, candidate):
    login_as("staff")
    client.post(f"/staff/candidates/{candidate.id}/evaluations", data=_evaluation())
    row = Evaluation.get()
    contact = Person.get_by_id(candidate.id).last_contact_at
    response = client.post(f"/staff/candidates/{candidate.id}/evaluations/{row.id}", data={
        f"ev{row.id}-kind": "evaluation", f"ev{row.id}-held_on": "2026-11-21",
        f"ev{row.id}-summary": "", f"ev{row.id}-result": "Egnet etter ny samtale",
        f"ev{row.id}-seen": row.updated_at.isoformat(), f"ev{row.id}-why": "matching"},
        headers=HTMX)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<div id="evaluations"') and "Egnet etter ny samtale" in page
    changed = Evaluation.get_by_id(row.id)
    assert (changed.kind, changed.held_on, changed.summary) == ("evaluation", date(2026, 11, 21), "")
    event = AuditEvent.select().where(AuditEvent.action == "person.rectified").get()
    assert json.loads(event.details) == {"by": "staff", "fields": ["held_on", "kind", "result", "summary"],
                                         "model": "Evaluation", "row": row.id}
    assert Person.get_by_id(candidate.id).last_contact_at == contact


def test_two_staff_changing_one_evaluation_the_second_is_told_and_changes_nothing(
        client, login_as, candidate):
    login_as("staff")
    client.post(f"/staff/candidates/{candidate.id}/evaluations", data=_evaluation())
    row = Evaluation.get()
    seen = row.updated_at.isoformat()

    def change(result):
        return client.post(f"/staff/candidates/{candidate.id}/evaluations/{row.id}", data={
            f"ev{row.id}-kind": "evaluation", f"ev{row.id}-held_on": "2026-11-20",
            f"ev{row.id}-result": result, f"ev{row.id}-seen": seen})

    assert change("Først").status_code == 302
    before = _snapshot()
    response = change("Sist")
    assert response.status_code == 409
    assert "Noen andre endret dette i mellomtiden" in response.get_data(as_text=True)
    assert "Først" in response.get_data(as_text=True)
    assert _snapshot() == before


@pytest.mark.parametrize("overrides, message", [
    ({"new-result": ""}, "Skriv resultatet."),
    ({"new-result": "x" * 10_000}, "Skriv høyst 4000 tegn."),
    ({"new-held_on": ""}, "Skriv inn datoen for vurderingen."),
    ({"new-held_on": "2026-02-30"}, "Skriv datoen som ÅÅÅÅ-MM-DD"),
    ({"new-held_on": (date.today() + timedelta(days=3)).isoformat()}, "Datoen kan ikke være fram i tid."),
    ({"new-kind": "horoscope"}, "Velg ett av alternativene."),
    ({"new-summary": "Bra\x00"}, "Fjern de usynlige kontrolltegnene."),
])
def test_bad_evaluations_get_a_message_and_change_nothing(client, login_as, candidate, overrides, message):
    login_as("staff")
    before = _snapshot()
    response = client.post(f"/staff/candidates/{candidate.id}/evaluations", data=_evaluation(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _snapshot() == before
    fragment = client.post(f"/staff/candidates/{candidate.id}/evaluations",
                           data=_evaluation(**overrides), headers=HTMX)
    assert fragment.status_code == 200 and message in fragment.get_data(as_text=True)
    assert _snapshot() == before


def test_nothing_is_written_before_the_candidate_stage_opens(client, login_as, db):
    staff = login_as("staff")
    person = make_person(name="Bare Bestilt")
    open_record(person.id, "staff_entries", staff)
    before = _snapshot()
    response = client.post(f"/staff/candidates/{person.id}/evaluations", data=_evaluation())
    assert response.status_code == 409 and "Kandidatfasen er ikke åpnet" in response.get_data(as_text=True)
    response = client.post(f"/staff/candidates/{person.id}/availability", data={
        "noted-availability": "Heltid", "noted-seen": ""})
    assert response.status_code == 409
    assert _snapshot() == before


def test_an_evaluation_of_someone_else_is_not_found(client, login_as, candidate):
    staff = login_as("staff")
    client.post(f"/staff/candidates/{candidate.id}/evaluations", data=_evaluation())
    other = make_person(stage=catalog.CANDIDATE)
    open_record(other.id, "staff_entries", staff)
    row = Evaluation.get()
    before = _snapshot()
    response = client.post(f"/staff/candidates/{other.id}/evaluations/{row.id}", data={
        f"ev{row.id}-kind": "evaluation", f"ev{row.id}-held_on": "2026-11-20",
        f"ev{row.id}-result": "Feil person", f"ev{row.id}-seen": row.updated_at.isoformat()})
    assert response.status_code == 404 and _snapshot() == before


def test_staff_note_availability_and_salary_beside_the_persons_own(client, login_as, candidate):
    login_as("staff")
    response = client.post(f"/staff/candidates/{candidate.id}/availability", data={
        "noted-available_from": "2027-01-04", "noted-availability": "Heltid, helst dagtid",
        "noted-salary": "625000", "noted-seen": "", "noted-why": "follow_up"})
    assert response.headers["Location"].startswith(f"/staff/candidates/{candidate.id}/follow_up")
    noted = NotedAvailability.get()
    assert (noted.available_from, noted.availability, noted.salary) == (
        date(2027, 1, 4), "Heltid, helst dagtid", 625000)
    profile = Profile.get(Profile.person == candidate.id)
    assert (profile.availability, profile.salary_expectation) == ("Fra mars", 600000)
    # A change goes through rectify, by staff.
    response = client.post(f"/staff/candidates/{candidate.id}/availability", data={
        "noted-available_from": "2027-02-01", "noted-availability": "Heltid, helst dagtid",
        "noted-salary": "640000", "noted-seen": noted.updated_at.isoformat()}, headers=HTMX)
    assert response.get_data(as_text=True).lstrip().startswith('<div id="noted"')
    assert NotedAvailability.get().salary == 640000
    event = AuditEvent.select().where(AuditEvent.action == "person.rectified").get()
    assert json.loads(event.details)["by"] == "staff"
    # In the copy: one category, each item with its source.
    group = {g.category.key: g for g in registry.export_person(candidate)}["availability_salary"]
    sources = {(i.model, i.source) for i in group.items}
    assert sources == {("Profile", "person"), ("NotedAvailability", "staff")}
    page = client.get(f"/staff/candidates/{candidate.id}/follow_up").get_data(as_text=True)
    assert "Notert av ansatte" in page and "640" in page and "Fra mars" in page


def test_two_staff_noting_at_once_the_second_is_told(client, login_as, candidate):
    login_as("staff")
    form = {"noted-availability": "Deltid", "noted-seen": ""}
    assert client.post(f"/staff/candidates/{candidate.id}/availability", data=form).status_code == 302
    before = _snapshot()
    response = client.post(f"/staff/candidates/{candidate.id}/availability",
                           data={"noted-availability": "Heltid", "noted-seen": ""})
    assert response.status_code == 409 and "Noen andre endret dette" in response.get_data(as_text=True)
    assert _snapshot() == before


@pytest.mark.parametrize("data, message", [
    ({"noted-salary": "mange penger"}, "Skriv et helt tall uten mellomrom eller bokstaver."),
    ({"noted-salary": "-5"}, "Skriv et beløp mellom 0 og 10 000 000."),
    ({"noted-availability": "<script>alert(1)</script>"}, "Fjern vinkelparentesene"),
    ({"noted-availability": "a" * 10_000}, "Skriv høyst 200 tegn."),
    ({"noted-available_from": "2999-01-01"}, "Skriv inn en dato mellom 1900 og 2100."),
])
def test_bad_notes_get_a_message_and_change_nothing(client, login_as, candidate, data, message):
    login_as("staff")
    before = _snapshot()
    response = client.post(f"/staff/candidates/{candidate.id}/availability", data={"noted-seen": "", **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _snapshot() == before


def test_every_change_of_a_staff_entry_is_written_by_rectify_alone(client, login_as, candidate,
                                                                   monkeypatch):
    """With rectify refusing everything, no change of an evaluation or a note gets through:
    the save path has no write of its own (who noted it is stamped by rectify too)."""
    staff = login_as("staff")
    client.post(f"/staff/candidates/{candidate.id}/evaluations", data=_evaluation())
    client.post(f"/staff/candidates/{candidate.id}/availability", data={
        "noted-availability": "Deltid", "noted-salary": "500000", "noted-seen": ""})
    evaluation, noted = Evaluation.get(), NotedAvailability.get()
    NotedAvailability.update(noted_by=None).where(NotedAvailability.id == noted.id).execute()
    noted = NotedAvailability.get()
    before = _snapshot()
    calls = []

    def refusing(person, changes, by, row=None, **kwargs):
        calls.append((type(row).__name__, sorted(changes), by, kwargs))
        raise registry.NotRectifiable("refused in this test")
    monkeypatch.setattr(registry, "rectify", refusing)
    for path, data in (
            (f"evaluations/{evaluation.id}", {
                f"ev{evaluation.id}-kind": "evaluation", f"ev{evaluation.id}-held_on": "2026-11-21",
                f"ev{evaluation.id}-summary": "", f"ev{evaluation.id}-result": "Endret",
                f"ev{evaluation.id}-seen": evaluation.updated_at.isoformat()}),
            ("availability", {"noted-availability": "Heltid", "noted-salary": "700000",
                              "noted-seen": noted.updated_at.isoformat()})):
        response = client.post(f"/staff/candidates/{candidate.id}/{path}", data=data)
        assert response.status_code == 422, (path, response.status_code)
        assert "refused in this test" in response.get_data(as_text=True)
    assert _snapshot() == before
    assert NotedAvailability.get().noted_by is None
    assert [c[:3] for c in calls] == [
        ("Evaluation", ["held_on", "kind", "result", "summary"], "staff"),
        ("NotedAvailability", ["availability", "available_from", "salary"], "staff")]
    assert calls[1][3] == {"stamp": {"noted_by": staff.id}}

    monkeypatch.undo()  # rectify as it is: the change and who made it, in one write
    client.post(f"/staff/candidates/{candidate.id}/availability", data={
        "noted-availability": "Heltid", "noted-salary": "700000",
        "noted-seen": noted.updated_at.isoformat()})
    noted = NotedAvailability.get()
    assert (noted.salary, noted.noted_by) == (700000, staff.id)
