"""A person's record for staff: opened for a stated purpose, every opening audited and shown to
the person on /account (the role and the purpose, not who), everything held on the page, and
openings in parallel waiting for no one."""
import re
import threading
from datetime import date

import pytest

from portal import catalog
from portal.audit.actions import verify_chain
from portal.audit.models import AuditEvent
from portal.candidates.models import Profile, WorkExperience
from portal.consent.actions import decide
from portal.db import is_postgres
from portal.people import registry
from portal.people.models import Person
from portal.staff import record as records
from portal.staff.models import RecordView
from tests.factories import make_person, make_user


@pytest.fixture
def candidate(db):
    person = make_person(name="Ingeborg Testesen", email="ingeborg@example.no", phone="+4791112233",
                         street="Fjordveien 12", stage=catalog.CANDIDATE)
    Profile.create(person=person, nationality="Svensk", availability="Kvelder",
                   salary_expectation=550000, birth_date=date(1988, 3, 4))
    WorkExperience.create(person=person, employer="Fjord Bygg AS", title="Tømrer")
    decide(person, "marketing", True)
    return person


def _openings():
    return list(AuditEvent.select().where(AuditEvent.action == "person.record_opened"))


def test_the_record_shows_everything_held_by_category(client, login_as, candidate):
    login_as("staff")
    page = client.get(f"/staff/candidates/{candidate.id}/matching").get_data(as_text=True)
    for text in ("Ingeborg Testesen", "ingeborg@example.no", "+4791112233", "Fjordveien 12",
                 "Svensk", "Kvelder", "550", "4. mars 1988", "Fjord Bygg AS · Tømrer",
                 "Markedsføring", "Åpnet for: Matching mot en jobb"):
        assert text in page, text
    for group in registry.export_person(candidate):
        assert f'id="category-{group.category.key}"' in page, group.category.key


# Pages about one person opened for one purpose of their own, not one chosen in the route: each
# opening is audited, whatever of the person the page shows.
FIXED_PURPOSE = {"customers.share": "matching"}  # sharing with a customer is matching work


def test_every_route_that_shows_a_record_audits_it(app, client, login_as, candidate):
    """Walk every staff GET route about one person: a page that shows more of them than their
    name (the search shows that much) wrote one audit event and one RecordView."""
    staff = login_as("staff")
    routes = [r for r in app.url_map.iter_rules() if "person_id" in r.arguments and "GET" in r.methods]
    assert {r.endpoint for r in routes} >= {"staff.choose", "staff.record", *FIXED_PURPOSE}
    opened = []
    for rule in routes:
        for why in (records.PURPOSES if "why" in rule.arguments else [None]):
            before = len(_openings())
            path = rule.build({"person_id": candidate.id, **({"why": why} if why else {})})[1]
            page = client.get(path).get_data(as_text=True)
            if rule.endpoint in FIXED_PURPOSE or any(
                    v in page for v in (candidate.email, candidate.phone, candidate.street)):
                purpose = why or FIXED_PURPOSE[rule.endpoint]
                opened.append(("staff", purpose))
                events = _openings()[before:]
                assert [(e.person_id, e.actor_id, e.actor_role) for e in events] == [
                    (candidate.id, staff.id, "staff")], path
                assert f'"purpose": "{purpose}"' in events[0].details
    assert sorted(opened) == sorted([("staff", p) for p in records.PURPOSES]
                                    + [("staff", p) for p in FIXED_PURPOSE.values()])
    assert sorted((v.role, v.purpose) for v in RecordView.select()) == sorted(opened)
    assert verify_chain() is None


def test_the_candidate_then_sees_when_and_why_their_record_was_opened(client, login_as, candidate):
    staff = login_as("staff", email="silje.saksbehandler@ressursbasen.no")
    client.get(f"/staff/candidates/{candidate.id}/privacy_request")
    login_as("admin")
    client.get(f"/staff/candidates/{candidate.id}/follow_up")
    login_as("candidate", person=candidate)
    page = client.get("/account").get_data(as_text=True)
    card = page[page.index('id="category-record_views"'):]
    card = card[:card.index("</section>")]
    assert "Når våre ansatte åpnet opplysningene dine" in card
    assert "En administrator: Oppfølging av en bestilling eller et møte" in card
    assert "En av våre ansatte: Behandling av en personvernhenvendelse" in card
    assert card.index("En administrator") < card.index("En av våre ansatte")  # newest first
    assert staff.email not in page and "silje" not in page.lower()
    assert "Opplysningene dine ble åpnet av våre ansatte" in page  # the log says it too
    # And in their copy of everything held, under its own category, from the portal.
    views = {g.category.key: g for g in registry.export_person(candidate)}["record_views"]
    assert [(i.source, i.fields["role"], i.fields["purpose"]) for i in views.items] == [
        ("portal", "staff", "privacy_request"), ("portal", "admin", "follow_up")]


def test_a_person_without_openings_sees_no_such_card(client, login_as, candidate):
    login_as("candidate", person=candidate)
    page = client.get("/account").get_data(as_text=True)
    assert "Når våre ansatte åpnet" not in page and 'id="category-record_views"' not in page


def test_the_purpose_is_chosen_before_anything_is_shown(client, login_as, candidate):
    login_as("staff")
    page = client.get(f"/staff/candidates/{candidate.id}").get_data(as_text=True)
    assert "Hvorfor åpner du dem?" in page and candidate.email not in page
    for key in records.PURPOSES:
        assert f"/staff/candidates/{candidate.id}/{key}" in page
    assert _openings() == [] and RecordView.select().count() == 0


@pytest.mark.parametrize("path", ["/staff/candidates/{id}/curiosity", "/staff/candidates/99999/matching",
                                  "/staff/candidates/99999"])
def test_an_unknown_purpose_or_person_is_not_found_and_nothing_is_written(client, login_as, candidate, path):
    login_as("staff")
    response = client.get(path.format(id=candidate.id))
    assert response.status_code == 404
    assert candidate.email not in response.get_data(as_text=True)
    assert _openings() == [] and RecordView.select().count() == 0


def test_candidates_cannot_open_records(client, login_as, candidate):
    login_as("candidate", person=candidate)
    assert client.get(f"/staff/candidates/{candidate.id}/matching").status_code == 403
    assert RecordView.select().count() == 0


def test_erasure_takes_the_openings_and_the_audit_keeps_them(candidate):
    staff = make_user("staff")
    records.open_record(candidate.id, "matching", staff)
    registry.erase_person(candidate, "test", confirm=False)
    assert RecordView.select().count() == 0
    assert [e.actor_id for e in _openings()] == [staff.id]


def _opened_in_a_thread(app, person_id, staff, errors):
    from portal.db import db
    try:
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                person = records.open_record(person_id, "matching", staff)
                records.record_page(person)
            finally:
                db.close()
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def test_an_opening_being_read_holds_up_no_other_opening(app, db, monkeypatch):
    """A record slow to read (a large one) has committed its opening first: another member of
    staff opens another record meanwhile, on SQLite and on PostgreSQL alike."""
    staff = make_user("staff")
    slow, quick = make_person(), make_person()
    db.close()
    reading, release = threading.Event(), threading.Event()
    real_export = registry.export_person

    def slow_export(person):
        if person.id == slow.id:
            reading.set()
            assert release.wait(30)
        return real_export(person)

    monkeypatch.setattr(registry, "export_person", slow_export)
    errors = []
    first = threading.Thread(target=_opened_in_a_thread, args=(app, slow.id, staff, errors))
    first.start()
    assert reading.wait(30)
    second = threading.Thread(target=_opened_in_a_thread, args=(app, quick.id, staff, errors))
    second.start()
    second.join(30)
    finished_while_the_first_was_reading = not second.is_alive()
    release.set()
    first.join(30)
    db.connect(reuse_if_open=True)
    assert errors == []
    assert finished_while_the_first_was_reading
    assert RecordView.select().count() == 2 and len(_openings()) == 2


def test_twenty_openings_at_once_all_finish_and_the_chain_holds(app, db):
    if not is_postgres():
        pytest.skip("parallel writers: PostgreSQL (SQLite has one writer at a time by design)")
    staff = make_user("staff")
    people = [make_person() for _ in range(20)]
    db.close()
    start, errors = threading.Barrier(20), []

    def open_one(person):
        start.wait(30)
        _opened_in_a_thread(app, person.id, staff, errors)

    threads = [threading.Thread(target=open_one, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.connect(reuse_if_open=True)
    assert errors == [] and not any(t.is_alive() for t in threads)
    assert sorted(v.person_id for v in RecordView.select()) == sorted(p.id for p in people)
    assert len(_openings()) == 20 and verify_chain() is None


def test_record_lines_read_as_words(client, login_as, candidate):
    login_as("staff")
    client.get(f"/staff/candidates/{candidate.id}/matching")
    page = client.get(f"/staff/candidates/{candidate.id}/follow_up").get_data(as_text=True)
    views = page[page.index('id="category-record_views"'):]
    assert re.search(r"En av våre ansatte · Matching mot en jobb", views)
    assert Person.get_by_id(candidate.id).last_contact_at == candidate.last_contact_at


def test_the_staff_entries_show_nothing_of_a_record_not_opened(client, login_as, candidate):
    """Found by attack15: a post to an entry route (even an empty, refused one) answered with
    every evaluation and the noted salary, with no opening kept or audited. Now such a post is
    refused, writes nothing, and shows nothing until the staff member opens the record."""
    from portal.candidates.models import Evaluation, NotedAvailability
    Evaluation.create(person=candidate, kind="evaluation", held_on=date(2026, 11, 2),
                      result="Hemmelig vurdering")
    NotedAvailability.create(person=candidate, availability="Fra januar", salary=777123)
    login_as("staff")
    posts = [(f"/staff/candidates/{candidate.id}/evaluations", {"new-why": "matching"}),
             (f"/staff/candidates/{candidate.id}/availability", {"noted-salary": "x"})]
    for path, data in posts:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.post(path, data=data, headers=headers)
            page = response.get_data(as_text=True)
            assert response.status_code == 303, path
            assert "Hemmelig vurdering" not in page and "777" not in page
            assert response.headers["Location"] == f"/staff/candidates/{candidate.id}"
    assert _openings() == [] and RecordView.select().count() == 0
    assert Evaluation.select().count() == 1 and NotedAvailability.get().salary == 777123
    chosen = client.get(f"/staff/candidates/{candidate.id}").get_data(as_text=True)
    assert "Åpne opplysningene for et formål først" in chosen
    # Opened (and audited): the same refused post shows the section with its message.
    client.get(f"/staff/candidates/{candidate.id}/matching")
    page = client.post(posts[0][0], data=posts[0][1]).get_data(as_text=True)
    assert "Hemmelig vurdering" in page and "Skriv resultatet." in page
    assert len(_openings()) == 1
