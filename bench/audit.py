"""Audited reads by many staff at once (`python -m bench.audit`, part of `make bench`).

record() takes no lock: twenty record views in twenty transactions write side by side, and the
sealing job chains them afterwards. Prints the median of each, on SQLite (a temporary folder)
and on PostgreSQL, in a database of its own (BENCH_AUDIT_POSTGRES_URL, by default
postgresql://postgres@127.0.0.1:5432/bench_audit: created and dropped after; one with tables
the bench did not create is refused). DATABASE_URL is not used.
"""
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from portal import create_app
from portal.audit.actions import record, seal
from portal.config import TestConfig
from portal.db import db
from portal.schema import migrate

POSTGRES_URL = os.environ.get("BENCH_AUDIT_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/bench_audit")


def timed(label, goal_ms, func, repeat=20, prepare=None):
    samples = []
    for _ in range(repeat):
        if prepare is not None:  # not timed
            prepare()
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    print(f"{label:<48} median {statistics.median(samples):8.1f} ms   max {max(samples):8.1f} ms"
          f"   goal < {goal_ms} ms")


def twenty_record_views():
    """Twenty staff open a record at the same moment: one audit event each, each in its own
    transaction and connection."""
    start = threading.Barrier(20)

    def view(n):
        with db.connection_context():
            start.wait()
            with db.atomic():
                record("person.viewed", person=n + 1)

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(view, range(20)))


def measure(url, workdir):
    label = "PostgreSQL" if url.startswith("postgres") else "SQLite"

    class Config(TestConfig):
        DATABASE_URL = url
        INSTANCE_DIR = workdir

    app = create_app(Config)
    with app.app_context():
        migrate()
        if url.startswith("postgres"):
            db.execute_sql("CREATE TABLE IF NOT EXISTS bench_marker (id integer)")
        timed(f"{label}: 20 audited record views at once (20 threads)", 300, twenty_record_views)
        timed(f"{label}: seal() 20 waiting events into the chain", 50, seal,
              prepare=twenty_record_views)
        db.close()
        db.obj.close_all()  # the pool's idle connections too, so the database can be dropped


def main():
    from bench.__main__ import on_both_databases
    return on_both_databases("portal-bench-audit-", POSTGRES_URL, measure)


if __name__ == "__main__":
    sys.exit(main())
