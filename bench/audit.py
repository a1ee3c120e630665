"""Audited reads by many staff at once (`python -m bench.audit`; DATABASE_URL for PostgreSQL).

record() takes no lock: twenty record views in twenty transactions write side by side, and the
sealing job chains them afterwards. Prints the median of each.
"""
import os
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from portal import create_app
from portal.audit.actions import record, seal
from portal.config import TestConfig
from portal.db import db
from portal.schema import migrate


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


def main():
    workdir = tempfile.mkdtemp(prefix="portal-bench-audit-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"

    class Config(TestConfig):
        DATABASE_URL = url
        INSTANCE_DIR = workdir

    app = create_app(Config)
    with app.app_context():
        migrate()
        timed("20 audited record views at once (20 threads)", 300, twenty_record_views)
        timed("seal() 20 waiting events into the chain", 50, seal, prepare=twenty_record_views)


if __name__ == "__main__":
    main()
