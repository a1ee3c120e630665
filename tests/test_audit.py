"""The audit trail: written without a lock, sealed into a hash chain afterwards, checked by
`flask audit verify`, and carrying no personal data."""
import threading
from datetime import datetime
from types import SimpleNamespace

import pytest

from jobs.audit import seal_audit_trail
from portal.audit.actions import GENESIS, _digest, check_chain, record, seal, verify_chain
from portal.audit.models import AuditEvent
from portal.db import db as database
from portal.db import is_postgres
from portal.features import cron_entries
from tests.factories import make_person, make_user


def _postgres():
    return is_postgres(database.obj)


def test_an_event_is_written_unsealed_and_sealed_in_id_order(db):
    person = make_person()
    with database.atomic():
        events = [record("person.viewed", person=person, n=n) for n in range(3)]
    stored = AuditEvent.get_by_id(events[0].id)
    assert (stored.seq, stored.prev_hash, stored.hash) == (None, None, None)
    assert seal() == 3
    chain = list(AuditEvent.select().order_by(AuditEvent.seq))
    assert [e.id for e in chain] == [e.id for e in events]
    assert [e.seq for e in chain] == [1, 2, 3]
    assert chain[0].prev_hash == GENESIS
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]
    assert seal() == 0  # nothing waits: a second run changes nothing
    assert check_chain().holds and check_chain().checked == 3


def test_the_sealing_job_runs_every_minute_and_seals(db):
    assert any(job is seal_audit_trail and schedule == {"interval": 60}
               for job, schedule in cron_entries())
    record("retention.sweep", erased=3)
    assert seal_audit_trail() == 1
    assert AuditEvent.get().seq == 1


def test_chain_holds_and_detects_tampering(db):
    person = make_person(name="Ola Hemmelig")
    actor = make_user(role="staff")
    with database.atomic():
        first = record("person.viewed", person=person, actor=actor)
        record("person.updated", person=person, actor=actor, section="address")
        record("retention.sweep", erased=3)
    assert verify_chain() is None
    assert AuditEvent.select().count() == 3
    AuditEvent.update(details='{"section": "salary"}').where(AuditEvent.id == first.id + 1).execute()
    assert verify_chain() == first.id + 1
    assert check_chain().reason == "changed"


def test_removed_event_breaks_the_chain(db):
    events = [record("x.happened", n=n) for n in range(3)]
    seal()
    AuditEvent.delete().where(AuditEvent.id == events[1].id).execute()
    result = check_chain()
    assert (result.broken_id, result.broken_seq, result.reason) == (events[2].id, 3, "missing")
    assert result.checked == 1


def test_an_event_changed_with_a_new_hash_is_found_at_the_next_link(db):
    events = [record("x.happened", n=n) for n in range(3)]
    seal()
    forged = AuditEvent.get_by_id(events[1].id)
    forged.action = "x.nothing_to_see"
    forged.hash = _digest(forged.prev_hash, forged)  # whoever changed it fixed its own hash
    forged.save()
    result = check_chain()
    assert (result.broken_id, result.reason) == (events[2].id, "relinked")


def test_audit_verify_command_reports_the_first_broken_link(db, runner):
    events = [record("person.viewed", person=n) for n in range(1, 6)]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "The audit chain holds: 5 sealed events checked" in result.output
    AuditEvent.update(person_id=99).where(AuditEvent.id == events[3].id).execute()
    AuditEvent.update(person_id=98).where(AuditEvent.id == events[4].id).execute()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert (f"broken at event id {events[3].id} (place 4 in the chain): its contents were "
            f"changed after it was sealed. 3 events before it hold.") in result.output


def test_audit_seal_command_seals_what_waits(db, runner):
    record("x.happened")
    result = runner.invoke(args=["audit", "seal"])
    assert result.exit_code == 0 and "1 events sealed" in result.output


def test_events_name_people_by_id_only(db):
    person = make_person(name="Ola Hemmelig", email="ola@example.no")
    event = record("person.updated", person=person, section="phone")
    seal()
    stored = AuditEvent.get_by_id(event.id)
    flat = " ".join(str(v) for v in stored.__data__.values())
    assert stored.person_id == person.id
    assert "Hemmelig" not in flat and "ola@example.no" not in flat


def test_event_is_rolled_back_with_its_change(db):
    person = make_person()
    try:
        with database.atomic():
            record("person.updated", person=person)
            raise ValueError
    except ValueError:
        pass
    assert AuditEvent.select().count() == 0
    assert seal() == 0


# --- Many staff reading records at once (PostgreSQL) ------------------------------------------

def _in_own_connection(work):
    """Run work() in a thread of its own with its own database connection and transaction."""
    def run():
        with database.connection_context(), database.atomic():
            work()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_twenty_record_views_do_not_wait_for_an_open_audit_write(db):
    """record() took one global advisory lock per event: while one transaction that had written
    an audit event stayed open, every other audit write waited for it. Now none waits, and the
    late event is chained after the ones that committed before it."""
    if not _postgres():
        pytest.skip("SQLite has one writer at a time by design; PostgreSQL is where writers run in parallel")
    person = make_person()
    holding, release = threading.Event(), threading.Event()

    def long_change():  # e.g. a slow erasure: its audit event is written, the commit comes later
        record("person.updated", person=person.id)
        holding.set()
        assert release.wait(120)

    slow = _in_own_connection(long_change)
    done, finished = threading.Condition(), []
    start = threading.Barrier(20)

    def view():
        start.wait()
        event = record("person.viewed", person=person.id)
        with done:
            finished.append(event.id)
            done.notify_all()

    try:
        assert holding.wait(60)
        threads = [_in_own_connection(view) for _ in range(20)]
        with done:
            # A guard against a hang (the old lock): all twenty commit while the first is open.
            all_done = done.wait_for(lambda: len(finished) == 20, timeout=120)
        assert all_done, f"only {len(finished)} of 20 audit writes finished while one was open"
        # The open transaction holds no advisory lock (record() took one for the whole chain).
        assert database.execute_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()[0] == 0
        for thread in threads:
            thread.join(timeout=60)
        assert seal() == 20  # sealed while the first is still open
    finally:
        release.set()
        slow.join(timeout=60)
    slow_event = AuditEvent.get(AuditEvent.action == "person.updated")
    assert slow_event.seq is None and slow_event.id < min(finished)
    assert seal() == 1
    assert AuditEvent.get_by_id(slow_event.id).seq == 21  # chained after the twenty
    assert check_chain().holds and check_chain().checked == 21


def test_two_sealers_at_once_build_one_chain(db):
    """The cron job and an administrator's page may seal at the same moment."""
    for n in range(40):
        record("person.viewed", person=n + 1)
    counts = []
    threads = [_in_own_connection(lambda: counts.append(seal())) for _ in range(2)]
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(counts) == [0, 40]
    assert [e.seq for e in AuditEvent.select().order_by(AuditEvent.seq)] == list(range(1, 41))
    assert check_chain().holds


# --- Events chained before sealing existed ----------------------------------------------------

def test_a_chain_written_before_sealing_still_holds_after_the_migration(tmp_path):
    from playhouse.migrations import Runner

    from portal.db import make_database
    from portal.schema import MIGRATIONS
    old = make_database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    runner = Runner(old, directory=str(MIGRATIONS))
    runner.up(target="0006_registry")
    prev = GENESIS
    for n in range(3):  # what the old record() wrote: each event chained at once, in id order
        event = SimpleNamespace(at=datetime(2026, 11, 1, 9, n, 0, 123456 * n),
                                actor_id=None, actor_role="anonymous", action="x.happened",
                                person_id=n + 1, details="{}")
        digest = _digest(prev, event)
        old.execute_sql("INSERT INTO audit_event (at, actor_id, actor_role, action, person_id, "
                        "details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (event.at, None, "anonymous", event.action, event.person_id, "{}", prev,
                         digest))
        prev = digest
    runner.up()
    with old.bind_ctx([AuditEvent]):
        result = check_chain(seal_first=False)
        assert [e.seq for e in AuditEvent.select().order_by(AuditEvent.id)] == [1, 2, 3]
    assert result.holds and result.checked == 3
    old.close()
