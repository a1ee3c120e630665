"""Retention: the catalog's periods enforced to the day, notices once per deadline, contact
declared in one place, and a sweep that a killed worker or a second sweep cannot half-do."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal import catalog
from portal.audit.models import AuditEvent
from portal.candidates.models import JobNote
from portal.consent.actions import decide
from portal.documents.models import Document
from portal.mail.models import Outbox
from portal.people import registry
from portal.people.models import Person, Tombstone
from portal.retention import actions
from portal.retention.models import RetentionNotice, RetentionRun
from tests.factories import PASSWORD, make_person, make_user

OSLO = ZoneInfo("Europe/Oslo")


def years_before(day, years):
    """The same calendar date `years` earlier (the test's own arithmetic, not the portal's)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def contact_at(day, hour=12, minute=0):
    """A stored (UTC) time of contact at an Oslo wall-clock time on an Oslo date."""
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)
    return local.astimezone(UTC).replace(tzinfo=None)


def person_last_seen(day, hour=12, minute=0, **kw):
    return make_person(last_contact_at=contact_at(day, hour, minute), **kw)


def kept_through(last_contact_day):
    """The last day data is kept: three years after the last contact (29 Feb -> 28 Feb)."""
    try:
        return last_contact_day.replace(year=last_contact_day.year + 3)
    except ValueError:
        return last_contact_day.replace(year=last_contact_day.year + 3, day=28)


# Sweep dates around leap days and the change to summer time, and an ordinary one.
TODAYS = [date(2027, 3, 1), date(2027, 2, 28), date(2028, 2, 29), date(2028, 3, 1),
          date(2026, 11, 25), date(2027, 3, 28)]


@pytest.mark.parametrize("today", TODAYS, ids=str)
def test_people_are_erased_the_day_after_three_years_and_not_a_day_before(db, today):
    people = {}
    exactly = years_before(today, 3)
    for label, day in (("3y minus a day", exactly + timedelta(days=1)), ("exactly 3y", exactly),
                       ("3y plus a day", exactly - timedelta(days=1)),
                       ("leap day", date(2024, 2, 29)), ("day after leap", date(2024, 3, 1)),
                       ("day before leap", date(2024, 2, 28))):
        # Just after midnight in Oslo is still the day before in UTC: the Oslo date counts.
        for hour, minute in ((0, 30), (12, 0), (23, 30)):
            people[(label, hour)] = person_last_seen(day, hour, minute)
    expected = {key for key, p in people.items()
                if kept_through(p.last_contact_at.replace(tzinfo=UTC).astimezone(OSLO).date()) < today}
    run = actions.sweep(today=today, now=contact_at(today, 3))
    gone = {key for key, p in people.items() if Person.get_or_none(Person.id == p.id) is None}
    assert gone == expected
    assert json.loads(run.counts)["erased:Person"] == len(expected)
    assert {("3y plus a day", h) for h in (0, 12, 23)} <= gone
    if (today.month, today.day) != (2, 29):  # 29 Feb 2028 has no date exactly 3 years before
        assert not {("exactly 3y", h) for h in (0, 12, 23)} & gone
    assert not {("3y minus a day", h) for h in (0, 12, 23)} & gone


def test_the_portal_and_the_test_agree_on_the_last_day(db):
    for day in (date(2024, 2, 29), date(2023, 12, 31), date(2024, 3, 31)):
        for hour in (0, 12, 23):
            person = person_last_seen(day, hour, 30)
            assert registry.deletion_date(person) == kept_through(day)


def test_notices_go_exactly_thirty_days_before_and_once_per_deadline(app, db, outbox):
    today = date(2027, 5, 10)
    first_kept = years_before(today, 3)  # kept through today: erased tomorrow
    people = {n: person_last_seen(first_kept + timedelta(days=n)) for n in (-1, 0, 1, 29, 30, 31)}
    actions.sweep(today=today, now=contact_at(today, 3))
    told = {n for n, p in people.items() if RetentionNotice.select().where(
        RetentionNotice.person == p.id).exists()}
    # Erased on first_kept + n + 3 years + 1 day = today + n + 1: told when that is at most 30
    # days away. -1 is erased today; 30 is told tomorrow.
    assert told == {0, 1, 29}
    mail = outbox.to(people[29].email)[-1]
    erase_on = today + timedelta(days=30)
    assert erase_on == kept_through(first_kept + timedelta(days=29)) + timedelta(days=1)
    assert f"{erase_on.day}. " in mail.body and "/keep/" in mail.body
    actions.sweep(today=today, now=contact_at(today, 3))
    assert RetentionNotice.select().count() == 3  # once per person per deadline
    tomorrow = today + timedelta(days=1)
    actions.sweep(today=tomorrow, now=contact_at(tomorrow, 3))
    assert {n for n, p in people.items() if RetentionNotice.select().where(
        RetentionNotice.person == p.id).exists()} == {1, 29, 30}  # 0 is erased, notice and all


def test_the_keep_link_is_contact_and_moves_the_date(app, client, db, outbox):
    today = date(2027, 5, 10)
    person = person_last_seen(years_before(today, 3) + timedelta(days=10))
    actions.sweep(today=today, now=contact_at(today, 3))
    url = [line for line in outbox.to(person.email)[-1].body.splitlines() if "/keep/" in line][0]
    path = url.split("portal.test", 1)[1]
    page = client.get(path, follow_redirects=True)
    assert page.status_code == 200 and "Ja, behold opplysningene mine" in page.get_data(as_text=True)
    before = registry.deletion_date(person)
    done = client.post(page.request.path)
    assert done.status_code == 200
    after = registry.deletion_date(Person.get_by_id(person.id))
    assert after > before
    assert AuditEvent.select().where(AuditEvent.action == "retention.kept").count() == 1


def test_a_keep_link_with_query_words_of_its_own_still_leaves_the_url(client, db):
    """What follows "?" is kept on the way to /keep/link/..., but never as url_for's own words."""
    person = make_person()
    path = actions.keep_link(person, date(2030, 1, 1)).split("portal.test", 1)[1]
    for query in ("?handle=x", "?_external=1&_scheme=https", "?_anchor=x", "?utm_source=mail"):
        answer = client.get(path + query)
        assert answer.status_code == 303, query
        target = answer.headers["Location"]
        assert target.startswith("/keep/link/") and path.split("/keep/")[1] not in target, query
        assert "#" not in target
    assert client.get(path + "?utm_source=mail").headers["Location"].endswith("?utm_source=mail")


@pytest.mark.parametrize("lang,message", [("nb", "Denne lenken er ikke gyldig"),
                                          ("en", "This link is not valid")])
def test_a_tampered_keep_link_is_refused_and_changes_nothing(client, db, lang, message):
    person = make_person()
    token = actions.keep_serializer().dumps({"p": person.id, "d": "2030-01-01"})
    client.post("/language", data={"lang": lang})
    before = Person.get_by_id(person.id).last_contact_at
    for bad in (token[:-2] + "xx", "garbage"):
        for method in (client.get, client.post):
            answer = method(f"/keep/{bad}", follow_redirects=True)
            assert answer.status_code == 404 and message in answer.get_data(as_text=True)
    assert Person.get_by_id(person.id).last_contact_at == before


def test_a_keep_link_never_keeps_someone_who_got_the_same_id_later(app, client, db):
    """SQLite gives the id of the last row deleted to the next row: an erased person's keep
    link must not start the clock of whoever is created with that id afterwards."""
    import time_machine
    with time_machine.travel(datetime.now(UTC) - timedelta(days=2), tick=False):
        person = make_person()
        path = actions.keep_link(person, date(2030, 1, 1)).split("portal.test", 1)[1]
    registry.erase_person(person, "retention: after_last_contact", confirm=False)
    newcomer = make_person(id=person.id, last_contact_at=contact_at(date(2025, 1, 1)))
    for method in (client.get, client.post):
        answer = method(path, follow_redirects=True)
        assert answer.status_code == 404
        assert "Vi har ikke lenger opplysninger" in answer.get_data(as_text=True)
    assert _contact(newcomer) == contact_at(date(2025, 1, 1))
    assert AuditEvent.select().where(AuditEvent.action == "retention.kept").count() == 0


# -- What counts as contact ---------------------------------------------------------------------

def _contact(person):
    return Person.get_by_id(person.id).last_contact_at


def test_contact_between_finding_someone_due_and_erasing_them_keeps_them(app, db, monkeypatch):
    """A login (or a keep link) arriving while a batch is being erased: what was due is
    checked again where the erasure locks the people."""
    from portal.people.contact import contact
    today = date(2027, 6, 1)
    due = [person_last_seen(date(2024, 1, 1)) for _ in range(3)]
    found = actions.due_people

    def then_a_login(*args, **kwargs):
        ids = found(*args, **kwargs)
        if ids:
            contact(due[1], "login")
        return ids
    monkeypatch.setattr(actions, "due_people", then_a_login)
    run = actions.sweep(today=today, now=contact_at(today, 3))
    assert json.loads(run.counts)["erased:Person"] == 2
    assert [p.id for p in Person.select()] == [due[1].id]


def test_what_is_contact_and_what_is_not(app, client, db):
    long_ago = contact_at(date(2025, 1, 1))
    person = make_person(last_contact_at=long_ago, stage=catalog.CANDIDATE)
    user = make_user("candidate", person=person, email=person.email)
    note = JobNote.create(person=person, job="x", text="y")

    registry.rectify(person, {"name": "Staff Changed"}, by="staff")
    decide(person, "marketing", False)  # withdrawing
    from portal.candidates.actions import SECTIONS, delete_row
    delete_row(person, next(s for s in SECTIONS.values() if s.model is JobNote), note)
    from portal.mail.actions import queue_email
    queue_email(person.email, "Hei", "people/email/erased", tombstone=1, erased_at=long_ago.isoformat())
    assert _contact(person) == long_ago  # none of that is contact

    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert _contact(person) > long_ago  # logging in is


def test_a_meeting_marked_held_before_it_starts_is_refused_and_no_contact(app, client, db, login_as):
    """Staff work is never contact: "You met one of our consultants" only once the meeting
    has started (a click in the queue days before is refused and changes nothing)."""
    import time_machine

    from portal.booking import actions as booking
    from portal.booking.models import Booking
    from tests.booking.conftest import booking_form
    slot = _free_slot()
    made = booking.book(slot.id, "conversation", "office", {
        k: v for k, v in booking_form(slot.id).items()
        if k in ("name", "street", "postal_code", "place", "country", "email", "phone")}, "nb")
    long_ago = contact_at(date(2025, 1, 1))
    Person.update(last_contact_at=long_ago).where(Person.id == made.person_id).execute()
    login_as("staff")
    assert f"/staff/bookings/{made.id}/attended" not in client.get("/staff/queue").get_data(as_text=True)
    for action in ("attended", "no-show"):
        client.post(f"/staff/bookings/{made.id}/{action}")
        page = client.get("/staff/queue").get_data(as_text=True)
        assert "Dette møtet har ikke startet ennå" in page
    assert Booking.get_by_id(made.id).status == "booked"
    assert _contact(Person.get_by_id(made.person_id)) == long_ago
    assert Person.get_by_id(made.person_id).stage == catalog.BOOKING

    with time_machine.travel(made.starts_at.replace(tzinfo=UTC) + timedelta(minutes=5)):
        login_as("staff")  # the next day: a new session
        client.post(f"/staff/bookings/{made.id}/attended")
    assert Booking.get_by_id(made.id).status == "attended"
    assert _contact(Person.get_by_id(made.person_id)) > long_ago


def _free_slot():
    from datetime import time

    from portal.booking import availability, schedule
    from portal.booking.models import Consultant
    consultant = Consultant.create(name="Ingrid Bakke", email="ingrid@ressursbasen.no")
    for weekday in range(7):
        availability.add_weekly_hours(consultant, weekday, time(8), time(16))
    days = [schedule.oslo_today() + timedelta(days=d) for d in range(1, 8)]
    return schedule.free_slots(days)[0]


def test_only_the_contact_module_moves_the_clock():
    """Every other module goes through portal/people/contact.py, where contact is declared."""
    root = os.path.join(os.path.dirname(__file__), "..", "..", "portal")
    callers = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                if ".touch()" in open(path, encoding="utf-8").read():
                    callers.append(os.path.relpath(path, root))
    assert callers == [os.path.join("people", "contact.py")]


# -- Short-lived data ---------------------------------------------------------------------------

def test_short_lived_rows_go_at_their_own_pace(app, db, outbox):
    from portal.auth.actions import RESET, issue_token
    from portal.verification import actions as codes
    now = datetime(2027, 1, 10, 12, 0)
    codes.start("a@example.no", "booking", now=now - timedelta(minutes=11))  # expired
    waiting = codes.start("b@example.no", "booking", now=now)
    user = make_user("staff")
    issue_token(RESET, user.email, timedelta(hours=1), user=user)
    sent = Outbox.create(to="x@example.no", subject="s", template="t", sent_at=now - timedelta(days=31))
    Outbox.create(to="y@example.no", subject="s", template="t", sent_at=now - timedelta(days=29))
    minute = actions.sweep(pace="minute", now=now)
    counts = json.loads(minute.counts)
    assert counts.get("until_proven:Challenge") == 1
    assert Outbox.get_or_none(Outbox.id == sent.id) is not None  # daily data waits for the night
    from portal.verification.models import Challenge
    assert [c.token for c in Challenge.select()] == [waiting.token]
    nightly = json.loads(actions.sweep(now=now + timedelta(hours=2)).counts)
    assert nightly["after_sending:Outbox"] == 1 and nightly["until_used:AccountToken"] == 1


def test_an_email_never_sent_goes_thirty_days_after_it_was_written(app, client, db):
    """Failed for good, or never picked up: its address and values do not stay for ever."""
    import time_machine
    written = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
    with time_machine.travel(written, tick=False):
        unsent = Outbox.create(to="aldri@example.no", subject="s", template="t", params='{"k": 1}')
        sent = Outbox.create(to="sendt@example.no", subject="s", template="t")
    Outbox.update(sent_at=datetime(2027, 2, 5, 12, 0)).where(Outbox.id == sent.id).execute()
    with time_machine.travel(written + timedelta(days=30) - timedelta(minutes=1), tick=False):
        counts = json.loads(actions.sweep().counts)
        assert counts.get("unsent:Outbox", 0) == 0
        assert Outbox.get_or_none(Outbox.id == unsent.id) is not None  # still tried
    with time_machine.travel(written + timedelta(days=30, minutes=1), tick=False):
        assert actions.preview(actions.today_in_oslo())["unsent:Outbox"] == 1
        counts = json.loads(actions.sweep().counts)
    assert counts["unsent:Outbox"] == 1
    assert Outbox.get_or_none(Outbox.id == unsent.id) is None
    assert Outbox.get_or_none(Outbox.id == sent.id) is not None  # sent: 30 days after sending
    # The privacy page says so, from the catalog, in both languages.
    assert "aldri ble sendt" in client.get("/privacy").get_data(as_text=True)
    client.post("/language", data={"lang": "en"})
    assert "never went out" in client.get("/privacy").get_data(as_text=True)


def _queries_of(db, work):
    """How many SQL statements `work` runs."""
    count = []
    real = db.obj.execute_sql
    db.obj.execute_sql = lambda *a, **k: count.append(1) or real(*a, **k)
    try:
        work()
    finally:
        del db.obj.execute_sql
    return len(count)


def test_the_staff_retention_page_runs_the_same_queries_for_few_or_many_people(
        client, db, login_as):
    """Set-based: what falls due is counted, not looked up person by person."""
    login_as("staff")
    today = actions.today_in_oslo()
    counted = []
    for people in (3, 30):
        Person.delete().execute()
        for n in range(people):  # due within 30 to 60 days, half of them told already
            person = person_last_seen(years_before(today, 3) + timedelta(days=40 + n % 15))
            if n % 2:
                RetentionNotice.create(person=person, deadline=registry.deletion_date(person))
        page = []
        counted.append(_queries_of(db, lambda: page.append(
            client.get("/staff/retention"))))
        assert page[0].status_code == 200
        assert actions.preview(today + timedelta(days=30))["notices"] == people - people // 2
    assert counted[0] == counted[1], counted


# -- Bad input ----------------------------------------------------------------------------------

def test_dates_on_the_command_line_are_checked(runner, db):
    for args in (["retention", "preview", "--on", "tomorrow"],
                 ["retention", "run", "--today", "2026-13-01"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 2 and "not a date" in result.output, result.output
    assert RetentionRun.select().count() == 0
    ok = runner.invoke(args=["retention", "preview", "--on", "2030-01-01"])
    assert ok.exit_code == 0 and "erased:Person" in ok.output


def test_a_run_as_of_a_later_date_or_an_impossible_one_is_refused(runner, db):
    """A year mistyped on the command line (2062 for 2026) would erase everyone not yet due."""
    kept = person_last_seen(actions.today_in_oslo() - timedelta(days=10))
    later = (actions.today_in_oslo() + timedelta(days=3 * 366 + 30)).isoformat()
    for args in (["retention", "run", "--today", later],
                 ["retention", "run", "--today", "0001-01-02"],
                 ["retention", "preview", "--on", "0001-01-01"],
                 ["retention", "preview", "--on", "9999-12-31"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 2 and "Error: Invalid value" in result.output, (args, result.output)
    assert "retention preview --on" in runner.invoke(args=["retention", "run", "--today", later]).output
    assert Person.get_or_none(Person.id == kept.id) is not None
    assert RetentionRun.select().count() == 0
    assert runner.invoke(args=["retention", "preview", "--on", later]).exit_code == 0


def test_a_broken_rule_is_reported_and_the_rest_runs(db, monkeypatch):
    from dataclasses import replace

    from portal.people.holdings import Expiry
    broken = replace(catalog.UNTIL_USED, days=-1)
    holdings = registry.row_holdings()
    patched = [replace(h, expires=Expiry(broken))
               if any(e.rule is catalog.UNTIL_USED for e in h.expiries) else h for h in holdings]
    monkeypatch.setattr(registry, "row_holdings", lambda kind=None: patched)
    person = person_last_seen(date(2020, 1, 1))
    run = actions.sweep(today=date(2027, 1, 1))
    assert any("until_used" in e for e in json.loads(run.errors))
    assert Person.get_or_none(Person.id == person.id) is None  # the rest ran


def test_a_missing_file_and_redis_down_do_not_stop_the_sweep(app, db, monkeypatch):
    from portal import storage
    from portal.people import registry as module
    person = person_last_seen(date(2020, 1, 1))
    storage_id = storage.put(b"cv")
    Document.create(person=person, kind="cv", storage_id=storage_id, filename="cv.pdf",
                    content_type="application/pdf", size=2)
    storage.delete(storage_id)  # already missing on disk

    def down(fragments):
        raise ConnectionError("Redis is down")
    monkeypatch.setattr(module, "forget_keys", down)
    run = actions.sweep(today=date(2027, 1, 1))
    assert Person.get_or_none(Person.id == person.id) is None
    assert json.loads(run.counts)["erased:Person"] == 1
    assert Tombstone.get().redis_pending != ""  # said so, and finished by a later run
    monkeypatch.undo()
    actions.sweep(today=date(2027, 1, 2))
    assert Tombstone.get().redis_pending == ""


def test_each_run_is_audited_with_counts_and_no_personal_data(db):
    person = person_last_seen(date(2020, 1, 1), name="Hemmelig Navnesen")
    actions.sweep(today=date(2027, 1, 1))
    event = AuditEvent.select().where(AuditEvent.action == "retention.run").get()
    details = json.loads(event.details)
    assert details["counts"]["erased:Person"] == 1 and "seconds" in details
    assert "Hemmelig" not in event.details and person.email not in event.details


# -- Two sweeps, and a killed worker ----------------------------------------------------------

def test_two_sweeps_at_once_give_the_same_result_as_one(app, db, outbox):
    today = date(2027, 6, 1)
    due = [person_last_seen(date(2024, 1, 1)) for _ in range(8)]
    told = [person_last_seen(years_before(today, 3) + timedelta(days=5)) for _ in range(3)]
    db.close()
    errors = []

    def run():
        try:
            with app.app_context():
                db.connect(reuse_if_open=True)
                actions.sweep(today=today, now=contact_at(today, 3))
                db.close()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    import time_machine
    threads = [threading.Thread(target=run) for _ in range(2)]
    # The clock of that night: the notices one sweep writes are new to the other (whose
    # clock would otherwise find them never sent for months, and delete them).
    with time_machine.travel(contact_at(today, 3).replace(tzinfo=UTC)):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    db.connect(reuse_if_open=True)
    assert errors == []
    assert Tombstone.select().count() == len(due)
    assert Person.select().where(Person.id.in_([p.id for p in due])).count() == 0
    assert RetentionNotice.select().count() == len(told)
    assert len([m for p in told for m in outbox.to(p.email)]) == len(told)


def test_a_worker_killed_mid_sweep_leaves_nobody_half_erased(app, db, database_url, tmp_path):
    """A real `rq worker` process, killed with SIGKILL while it erases; the next run finishes."""
    from portal import storage
    from portal.queue import get_queue, redis_connection
    from tests.conftest import TEST_REDIS_URL
    conn = redis_connection(app)
    conn.flushdb()
    people = []
    for n in range(600):
        person = person_last_seen(date(2020, 1, 1), name=f"Gammel {n}")
        JobNote.create(person=person, job="j", text="t")
        storage_id = storage.put(b"x")
        Document.create(person=person, kind="cv", storage_id=storage_id, filename="cv.pdf",
                        content_type="application/pdf", size=1)
        people.append(person.id)
    db.close()
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=TEST_REDIS_URL,
               DOCUMENT_DIR=app.config["DOCUMENT_DIR"], DOCUMENT_KEYS=",".join(storage._keys(app)),
               ERASURE_LOG_PATH=str(tmp_path / "log.jsonl"), MAIL_BACKEND="locmem",
               SECRET_KEY=app.config["SECRET_KEY"], RETENTION_BATCH="20",
               RQ_QUEUE=app.config["RQ_QUEUE"], INSTANCE_PATH=str(tmp_path))
    get_queue(app).enqueue("jobs.retention.sweep", "2027-01-01")
    rq = os.path.join(os.path.dirname(sys.executable), "rq")
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    worker = subprocess.Popen([rq, "worker", "--burst", "--url", TEST_REDIS_URL,
                               app.config["RQ_QUEUE"]], env=env, cwd=root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db.connect(reuse_if_open=True)
    deadline = time.monotonic() + 120
    while Tombstone.select().count() < 40 and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.02)
    # The work horse the worker forked for the job (rq puts it in a session of its own) and
    # the worker itself: both die at once, as in a crash.
    horses = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout
    for pid in [worker.pid] + [int(p) for p in horses.split()]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.wait()
    erased_before = Tombstone.select().count()
    assert 0 < erased_before < len(people), "the worker was killed mid-sweep"

    def whole_or_gone():
        for pid in people:
            present = Person.select().where(Person.id == pid).exists()
            rows = (JobNote.select().where(JobNote.person == pid).count(),
                    Document.select().where(Document.person == pid).count())
            assert rows == ((1, 1) if present else (0, 0)), pid
    whole_or_gone()
    actions.sweep(today=date(2027, 1, 1))
    whole_or_gone()
    assert Person.select().where(Person.id.in_(people)).count() == 0
    assert Tombstone.select().count() == len(people)
    stored = [n for _, _, names in os.walk(app.config["DOCUMENT_DIR"]) for n in names]
    assert stored == []  # no orphan file
    conn.flushdb()
