"""The nightly retention sweep over many expired people (`python -m bench.retention`).

    python -m bench.retention          # SQLite in a temporary folder, and PostgreSQL in a
                                       # database of its own (created, and dropped after)
    BENCH_RETENTION_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/bench_retention  (default)

For 10 000 and 100 000 (BENCH_RETENTION_PEOPLE) people whose last contact was four years ago,
each with a profile, a job note and a consent, it prints the people erased per second by
`retention.sweep`, the sweep's peak Python memory (it must not grow with the count), and the
ratio of the sweep's time to one set-based SQL delete of the same rows (goal 3, done at 5).
The bench makes its own databases and refuses a PostgreSQL database with tables it did not
create, saying so.
"""
import os
import sys
import time
import tracemalloc
from datetime import date, datetime

from portal import create_app
from portal.candidates.models import JobNote, Profile
from portal.config import TestConfig
from portal.consent.models import Consent
from portal.db import db, make_database
from portal.people.models import Person
from portal.retention import actions
from portal.schema import migrate

POSTGRES_URL = os.environ.get("BENCH_RETENTION_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/bench_retention")
SIZES = [int(n) for n in os.environ.get("BENCH_RETENTION_PEOPLE", "10000,100000").split(",")]
TODAY = date(2027, 6, 1)
LONG_AGO = datetime(2023, 1, 2, 12)


def _app(url, folder):
    class Config(TestConfig):
        DATABASE_URL = url
        REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
        RATELIMIT_STORAGE_URI = REDIS_URL
        DOCUMENT_DIR = f"{folder}/documents"
        ERASURE_LOG_PATH = f"{folder}/erasure-log.jsonl"
        INSTANCE_DIR = folder
    return create_app(Config)


def _fresh(url):
    """An empty schema, marked as the bench's (main() made sure the database is its own)."""
    database = make_database(url)
    if url.startswith("postgres"):
        database.execute_sql("DROP SCHEMA public CASCADE")
        database.execute_sql("CREATE SCHEMA public")
        database.execute_sql("CREATE TABLE bench_marker (id integer)")
    database.close_all()
    if db.obj is not None:
        db.close()
        db.obj.close_all()  # the pool of the run before
    db.initialize(make_database(url))
    migrate()


def _generate(count):
    for start in range(0, count, 5000):
        n = min(5000, count - start)
        with db.atomic():
            Person.insert_many([{"name": f"Person {start + i}", "email": f"p{start + i}@example.no",
                                 "phone": "+4741234567", "last_contact_at": LONG_AGO,
                                 "created_at": LONG_AGO, "updated_at": LONG_AGO}
                                for i in range(n)]).execute()
            # ids are never given twice (portal.db.IdField): read the ones just made
            ids = [p.id for p in Person.select(Person.id).order_by(Person.id.desc()).limit(n)]
            Profile.insert_many([{"person": i, "nationality": "NO"} for i in ids]).execute()
            JobNote.insert_many([{"person": i, "job": "Snekker", "text": "Kan starte i januar"}
                                 for i in ids]).execute()
            Consent.insert_many([{"person": i, "purpose": "marketing", "given": True,
                                  "policy_version": "2021-02-20", "how": "bench"}
                                 for i in ids]).execute()


def _raw_delete():
    """The same rows gone with one set-based SQL delete per table, in one transaction."""
    expired = Person.select(Person.id).where(Person.last_contact_at < datetime(2024, 1, 1))
    with db.atomic():
        for model in (Consent, JobNote, Profile):
            model.delete().where(model.person.in_(expired)).execute()
        Person.delete().where(Person.last_contact_at < datetime(2024, 1, 1)).execute()


def measure(url, folder, count):
    app = _app(url, folder)
    with app.app_context():
        _fresh(url)
        _generate(count)
        started = time.perf_counter()
        run = actions.sweep(today=TODAY)
        sweep_seconds = time.perf_counter() - started
        assert Person.select().count() == 0, run.errors
        _fresh(url)
        _generate(count)
        tracemalloc.start()
        actions.sweep(today=TODAY)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        _fresh(url)
        _generate(count)
        started = time.perf_counter()
        _raw_delete()
        raw_seconds = time.perf_counter() - started
        db.close()
        db.obj.close_all()  # the pool's idle connections too, so the database can be dropped
    return count / sweep_seconds, peak, sweep_seconds / raw_seconds


def measure_sizes(url, folder):
    label = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    peaks = []
    for count in SIZES:
        rate, peak, ratio = measure(url, folder, count)
        peaks.append(peak)
        print(f"retention sweep, {label}, {count:>7} expired people: {rate:8.0f} people/s, "
              f"peak {peak / 2**20:6.1f} MiB, {ratio:4.1f}x one SQL delete (goal 3, done at 5)")
    if len(peaks) > 1:
        print(f"retention sweep, {label}: peak memory at {SIZES[-1]} / at {SIZES[0]} = "
              f"{peaks[-1] / peaks[0]:.2f} (must not grow with the count)")


def main():
    from bench.__main__ import on_both_databases
    return on_both_databases("portal-bench-retention-", POSTGRES_URL, measure_sizes)


if __name__ == "__main__":
    sys.exit(main())
