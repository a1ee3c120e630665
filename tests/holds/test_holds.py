"""Legal holds: placed, changed and ended by administrators (audited, with clear refusals), shown
to the person, honoured by retention, ending by themselves, and in the staff queue when their end
is near."""
import json
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine

from portal import catalog
from portal.audit.models import AuditEvent
from portal.candidates.models import Evaluation, JobNote
from portal.holds import actions
from portal.holds.models import HeldData, LegalHold
from portal.people import registry
from portal.people.models import Person, Tombstone
from portal.retention import actions as retention
from tests.factories import make_person, make_user

OSLO = retention.today_in_oslo


def _form(**overrides):
    data = {"reason": "Tvist om et oppdrag, varslet av advokat 3. mars.",
            "ends_on": (OSLO() + timedelta(days=90)).isoformat(),
            "categories": ["evaluations", "job_specific"]}
    data.update(overrides)
    return data


def _events(action):
    return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


def _oslo_morning(day):
    from zoneinfo import ZoneInfo
    return datetime.combine(day, time(3, 0), ZoneInfo("Europe/Oslo")).astimezone(UTC)


# --- Placing, changing, ending ------------------------------------------------------------------

def test_an_administrator_places_a_hold_which_is_audited_and_shown_to_the_person(client, login_as):
    person = make_person(stage=catalog.CANDIDATE)
    admin = login_as("admin")
    form = client.get(f"/staff/holds/new/{person.id}").get_data(as_text=True)
    assert "Legg inn en bevaringsplikt" in form and 'value="evaluations"' in form
    assert 'value="audit"' not in form  # kept for five years in any case
    response = client.post(f"/staff/holds/new/{person.id}", data=_form())
    assert response.status_code == 303
    hold = LegalHold.get()
    assert (hold.person_id, hold.categories, hold.placed_by) == (
        person.id, ["evaluations", "job_specific"], admin.id)
    [event] = _events("legal_hold.placed")
    assert (event.actor_id, event.person_id) == (admin.id, person.id)
    assert json.loads(event.details)["categories"] == ["evaluations", "job_specific"]
    assert "advokat" not in event.details  # the reason's text stays out of the audit trail
    listing = client.get("/staff/holds").get_data(as_text=True)
    assert person.name in listing and "Evalueringer og kompetanseanalyser" in listing

    login_as("candidate", person=person)
    account = client.get("/account").get_data(as_text=True)
    assert "<strong>Bevaringsplikt:</strong> Til " in account  # first on the page, folded
    assert "Tvist om et oppdrag, varslet av advokat 3. mars." in account
    assert "Evalueringer og kompetanseanalyser" in account


@pytest.mark.parametrize("lang, overrides, message", [
    ("nb", {"reason": "  "}, "Skriv hvorfor opplysningene må beholdes."),
    ("en", {"reason": ""}, "Write why the data must be kept."),
    ("nb", {"ends_on": "today"}, "Siste dag må være etter i dag."),
    ("en", {"ends_on": "2001-01-01"}, "The last day must be after today."),
    ("en", {"ends_on": "in 11 years"}, "A hold can last at most ten years."),
    ("nb", {"ends_on": "31.12.2030"}, "Skriv datoen som ÅÅÅÅ-MM-DD"),
    ("en", {"ends_on": ""}, "Give the last day of the hold, as YYYY-MM-DD."),
    ("nb", {"categories": []}, "Velg minst én type opplysninger som skal beholdes."),
    ("en", {"categories": ["audit"]}, "Choose from the list."),
    ("en", {"categories": ["shoe_size"]}, "Choose from the list."),
    ("nb", {"reason": "Tvist <script>"}, "Fjern vinkelparentesene"),
    ("nb", {"reason": "Tvist\x00"}, "Fjern de usynlige kontrolltegnene."),
])
def test_a_hold_without_reason_or_with_an_end_in_the_past_is_refused(client, login_as, lang,
                                                                     overrides, message):
    person = make_person()
    login_as("admin")
    with client.session_transaction() as session:
        session["lang"] = lang
    if overrides.get("ends_on") == "today":
        overrides["ends_on"] = OSLO().isoformat()
    if overrides.get("ends_on") == "in 11 years":
        overrides["ends_on"] = (OSLO() + timedelta(days=366 * 11)).isoformat()
    response = client.post(f"/staff/holds/new/{person.id}", data=_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert LegalHold.select().count() == 0 and not _events("legal_hold.placed")


def test_the_rules_hold_without_the_form_too(db):
    person, admin = make_person(), make_user("admin")
    for reason, ends_on, categories, code in (
            ("", OSLO() + timedelta(days=5), ["cv"], "no_reason"),
            ("Tvist", OSLO(), ["cv"], "past"),
            ("Tvist", OSLO() + timedelta(days=5), [], "no_categories"),
            ("Tvist", OSLO() + timedelta(days=5), ["audit"], "no_categories")):
        with pytest.raises(actions.HoldProblem) as refused:
            actions.place(person, reason, ends_on, categories, admin)
        assert refused.value.code == code
    assert LegalHold.select().count() == 0


def test_only_administrators_place_change_or_end_holds(client, login_as):
    person = make_person()
    hold = actions.place(person, "Tvist", OSLO() + timedelta(days=9), ["cv"], make_user("admin"))
    login_as("staff")
    assert client.post(f"/staff/holds/new/{person.id}", data=_form()).status_code == 403
    assert client.post(f"/staff/holds/{hold.id}", data=_form(version=0)).status_code == 403
    assert client.post(f"/staff/holds/{hold.id}/end", data={"version": 0}).status_code == 403
    assert LegalHold.get_by_id(hold.id).ended_at is None and LegalHold.select().count() == 1


def test_changing_and_ending_a_hold_in_place_is_audited(client, login_as):
    person = make_person()
    admin = login_as("admin")
    hold = actions.place(person, "Tvist", OSLO() + timedelta(days=9), ["cv"], admin)
    later = (OSLO() + timedelta(days=40)).isoformat()
    response = client.post(f"/staff/holds/{hold.id}", headers={"HX-Request": "true"},
                           data=_form(version=hold.version, ends_on=later, reason="Tvist",
                                      categories=["cv", "evaluations"]))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and "Endret." in body
    changed = LegalHold.get_by_id(hold.id)
    assert changed.ends_on.isoformat() == later and changed.categories == ["cv", "evaluations"]
    [event] = _events("legal_hold.changed")
    assert sorted(json.loads(event.details)["fields"]) == ["categories", "ends_on"]
    assert event.actor_id == admin.id
    # A change from a page someone else's change overtook is refused.
    stale = client.post(f"/staff/holds/{hold.id}", headers={"HX-Request": "true"},
                        data=_form(version=hold.version, reason="Noe annet", ends_on=later))
    assert "Noen andre endret denne bevaringsplikten i samme øyeblikk" in stale.get_data(as_text=True)
    assert LegalHold.get_by_id(hold.id).reason == "Tvist"
    # Ending it early.
    response = client.post(f"/staff/holds/{hold.id}/end", data={"version": changed.version})
    assert response.status_code == 303
    ended = LegalHold.get_by_id(hold.id)
    assert ended.ended_at is not None and ended.ended_by == admin.id
    assert json.loads(_events("legal_hold.ended")[0].details)["early"] is True
    again = client.post(f"/staff/holds/{hold.id}/end", data={"version": ended.version},
                        headers={"HX-Request": "true"})
    assert "Denne bevaringsplikten er allerede avsluttet." in again.get_data(as_text=True)
    assert len(_events("legal_hold.ended")) == 1


def test_a_change_to_an_end_in_the_past_is_refused(client, login_as):
    person = make_person()
    login_as("admin")
    hold = actions.place(person, "Tvist", OSLO() + timedelta(days=9), ["cv"], make_user("admin"))
    with client.session_transaction() as session:
        session["lang"] = "en"
    response = client.post(f"/staff/holds/{hold.id}", data=_form(
        version=hold.version, ends_on=(OSLO() - timedelta(days=1)).isoformat()))
    assert response.status_code == 400 and "The last day must be after today." in \
        response.get_data(as_text=True)
    assert LegalHold.get_by_id(hold.id).ends_on == OSLO() + timedelta(days=9)


# --- The queue -------------------------------------------------------------------------------------

def test_the_queue_shows_holds_ending_within_30_days(client, login_as):
    admin = make_user("admin")
    soon = actions.place(make_person(name="Snart Slutt"), "Tvist", OSLO() + timedelta(days=12),
                         ["cv"], admin)
    actions.place(make_person(name="Lenge Igjen"), "Tvist", OSLO() + timedelta(days=45), ["cv"],
                  admin)
    from portal.staff.sections import Query
    items = actions.queue_section().find(Query())
    assert [item.row.id for item in items] == [soon.id]
    login_as("staff")
    page = client.get("/staff/queue").get_data(as_text=True)
    section = page[page.index("Bevaringsplikter som slutter innen 30 dager"):]
    assert "Snart Slutt" in section and "Lenge Igjen" not in section
    assert f"/staff/holds/{soon.id}" not in section  # staff see it; administrators change it


# --- Erasure and retention honour holds ----------------------------------------------------------

def test_retention_keeps_the_held_categories_restricted_and_erases_them_when_the_hold_ends(db):
    long_ago = datetime(2020, 1, 15, 12, 0)
    person = make_person(last_contact_at=long_ago, stage=catalog.CANDIDATE)
    JobNote.create(person=person, job="Snekker", text="Kan starte i januar")
    Evaluation.create(person=person, kind="evaluation", result="Egnet som formann")
    other = make_person(last_contact_at=long_ago)
    ends = OSLO() + timedelta(days=20)
    hold = actions.place(person, "Tvist om lønn", ends, ["job_specific"], make_user("admin"))

    run = retention.sweep()
    assert json.loads(run.counts)["erased:Person"] == 2
    assert Person.get_or_none(Person.id == person.id) is None
    assert Person.get_or_none(Person.id == other.id) is None
    kept = list(HeldData.select())
    assert {(k.category, k.model) for k in kept} == {("job_specific", "JobNote")}
    assert "Kan starte i januar" in kept[0].fields
    assert JobNote.select().count() == 0 and Evaluation.select().count() == 0
    assert LegalHold.get_by_id(hold.id).tombstone == Tombstone.get(
        Tombstone.email_hash == registry._email_hash(person.email)).id
    # The retention preview (the staff page, `retention preview --on`) says when it goes.
    assert retention.preview(ends)["held items erased"] == 0
    ahead = retention.preview(ends + timedelta(days=1))
    assert (ahead["holds ended"], ahead["holds released"], ahead["held items erased"]) == (1, 1, 1)
    # The hold's last day: still kept.
    with time_machine.travel(_oslo_morning(ends), tick=False):
        retention.sweep()
    assert HeldData.select().count() == 1
    # The day after: it ends by itself, and what it kept is erased.
    with time_machine.travel(_oslo_morning(ends + timedelta(days=1)), tick=False):
        run = retention.sweep()
    counts = json.loads(run.counts)
    assert (counts["holds ended"], counts["held items erased"]) == (1, 1)
    assert HeldData.select().count() == 0 and LegalHold.select().count() == 0
    [ended] = _events("legal_hold.ended")
    assert ended.actor_id is None and json.loads(ended.details)["early"] is False
    assert json.loads(_events("legal_hold.released")[0].details)["items"] == 1


def test_a_hold_that_ended_keeps_nothing(db):
    person = make_person(stage=catalog.CANDIDATE)
    JobNote.create(person=person, job="Snekker", text="Kan starte i januar")
    hold = actions.place(person, "Tvist", OSLO() + timedelta(days=5), ["job_specific"],
                         make_user("admin"))
    actions.end(hold, hold.version, make_user("admin"))
    registry.erase_person(person, "request 4", confirm=False)
    assert HeldData.select().count() == 0
    registry.end_holds()  # the ended hold of an erased person goes too
    assert LegalHold.select().count() == 0


def test_a_hold_on_someone_erased_can_keep_less_but_not_more(client, login_as):
    person = make_person(stage=catalog.CANDIDATE)
    JobNote.create(person=person, job="Snekker", text="Kan starte i januar")
    Evaluation.create(person=person, kind="evaluation", result="Egnet")
    admin = login_as("admin")
    hold = actions.place(person, "Tvist", OSLO() + timedelta(days=60),
                         ["job_specific", "evaluations"], admin)
    registry.erase_person(person, "request 9", confirm=False)
    hold = LegalHold.get_by_id(hold.id)
    assert HeldData.select().count() == 2
    page = client.get(f"/staff/holds/{hold.id}").get_data(as_text=True)
    assert f"På en slettet person (sletting {hold.tombstone})" in page and person.name not in page
    more = client.post(f"/staff/holds/{hold.id}", data=_form(
        version=hold.version, categories=["job_specific", "evaluations", "cv"],
        ends_on=hold.ends_on.isoformat(), reason=hold.reason))
    assert "kan gjelde mindre nå, men ikke mer" in more.get_data(as_text=True)
    assert HeldData.select().count() == 2
    client.post(f"/staff/holds/{hold.id}", data=_form(
        version=hold.version, categories=["evaluations"], ends_on=hold.ends_on.isoformat(),
        reason=hold.reason))
    assert [k.category for k in HeldData.select()] == ["evaluations"]
    hold = LegalHold.get_by_id(hold.id)
    client.post(f"/staff/holds/{hold.id}/end", data={"version": hold.version})
    assert HeldData.select().count() == 0 and LegalHold.select().count() == 0


def test_holds_of_an_erased_person_never_stand_for_someone_new_with_the_same_id(db):
    person = make_person()
    actions.place(person, "Tvist", OSLO() + timedelta(days=60), ["cv"], make_user("admin"))
    registry.erase_person(person, "request 1", confirm=False)
    newcomer = make_person(id=person.id)
    assert registry.standing_holds([newcomer.id]) == {}
    assert actions.holds_of(newcomer) == []


def test_a_standing_hold_is_in_the_erasure_preview(db):
    person = make_person(stage=catalog.CANDIDATE)
    JobNote.create(person=person, job="Snekker", text="x")
    actions.place(person, "Bokføringsloven", OSLO() + timedelta(days=60), ["job_specific"],
                  make_user("admin"))
    preview = registry.erasure_preview(person)
    [held] = preview.of("hold")
    assert (held.model, held.rows, held.reason) == ("JobNote", 1, "Bokføringsloven")
    assert held.until == OSLO() + timedelta(days=60)
    assert "JobNote" not in {line.model for line in preview.of("delete")}
    assert "Person" in {line.model for line in preview.of("delete")}


def test_a_hold_placed_while_the_person_is_being_erased_waits_and_finds_them_gone(app, db,
                                                                                  monkeypatch):
    """An erasure that has read the standing holds is under way: a hold placed meanwhile waits
    for it, and then finds nobody (never a hold on someone gone, which no run would release)."""
    import threading
    person, admin = make_person(stage=catalog.CANDIDATE), make_user("admin")
    db.close()
    erasing, release, results = threading.Event(), threading.Event(), []
    real = registry._tell_recipients

    def slow_tell(people):  # inside the erasure's transaction, after its holds were read
        erasing.set()
        assert release.wait(30)
        return real(people)

    monkeypatch.setattr(registry, "_tell_recipients", slow_tell)

    def in_thread(work):
        with app.test_request_context():
            db.connect(reuse_if_open=True)
            try:
                results.append(work())
            except actions.HoldProblem as problem:
                results.append(problem.code)
            finally:
                db.close()

    erase = threading.Thread(target=in_thread, args=(
        lambda: registry.erase_person(person, "request 9", confirm=False) and "erased",))
    erase.start()
    assert erasing.wait(30)
    place = threading.Thread(target=in_thread, args=(lambda: actions.place(
        person, "Tvist om lønn", OSLO() + timedelta(days=30), ["job_specific"], admin).id,))
    place.start()
    place.join(1)
    waited = place.is_alive()
    release.set()
    erase.join(30)
    place.join(30)
    db.connect(reuse_if_open=True)
    assert waited and sorted(results) == ["erased", "no_person"]
    assert LegalHold.select().count() == 0
