"""Time the hot paths of the public booking page, and audited reads by many staff at once, on
generated data.

    make bench                 # SQLite in a temporary directory
    DATABASE_URL=postgresql://... make bench

Prints one line per measurement; goals are stated beside each (not asserted: speed belongs
here, not in the test suite).
"""
import os
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import time as clock
from datetime import timedelta

from portal import create_app
from portal.audit.actions import record, seal
from portal.booking import availability, schedule
from portal.booking.models import Consultant
from portal.config import TestConfig
from portal.db import db
from portal.schema import migrate

CONSULTANTS = int(os.environ.get("BENCH_CONSULTANTS", 20))
BOOKINGS = int(os.environ.get("BENCH_BOOKINGS", 200))


def timed(label, goal_ms, func, repeat=20, prepare=None):
    samples = []
    for _ in range(repeat):
        if prepare is not None:  # not timed
            prepare()
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    median = statistics.median(samples)
    worst = max(samples)
    print(f"{label:<48} median {median:8.1f} ms   max {worst:8.1f} ms   goal < {goal_ms} ms")
    return median


def main():
    workdir = tempfile.mkdtemp(prefix="portal-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"

    class Config(TestConfig):
        DATABASE_URL = url
        RATELIMIT_ENABLED = False
        # Confirmation e-mails are queued to a Redis database of their own, emptied at the end.
        REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
        MAIL_OUTBOX_DIR = f"{workdir}/outbox"

    app = create_app(Config)
    with app.app_context():
        migrate()
        for n in range(CONSULTANTS):
            consultant = Consultant.create(name=f"Konsulent {n}", email=f"k{n}@ressursbasen.no")
            for weekday in range(5):
                availability.add_weekly_hours(consultant, weekday, clock(8), clock(16))
        days = [schedule.oslo_today() + timedelta(days=d) for d in range(1, 29)]
        slots = schedule.free_slots(days)
        client = app.test_client()
        print(f"{CONSULTANTS} consultants, {len(slots)} free slots over 4 weeks, {url.split(':')[0]}")

        # Mostly the 20 connections being opened; before, one global lock also made each
        # audited read wait for every other transaction holding an audit event.
        timed("20 audited record views at once (20 threads)", 300, twenty_record_views)
        timed("seal() 20 waiting events into the chain", 50, seal, prepare=twenty_record_views)
        timed("free_slots() for 4 weeks", 150, lambda: schedule.free_slots(days), repeat=10)
        timed("GET /book (page, this week)", 200, lambda: client.get("/book"))
        timed("GET /book/slots?week=2 (htmx fragment)", 150,
              lambda: client.get("/book/slots?week=2", headers={"HX-Request": "true"}))

        free = iter(slots)

        def book_one(counter=iter(range(10**6))):
            n = next(counter)
            slot = next(free)
            response = client.post("/book", data=dict(
                slot=slot.id, kind="conversation", meeting_place="office", name=f"Person {n}",
                street="Storgata 1", postal_code="0155", place="Oslo", country="NO",
                email=f"p{n}@example.no", phone="41234567", website=""))
            assert response.status_code == 302, response.status_code
        timed("POST /book (one booking, one transaction)", 100, book_one, repeat=BOOKINGS)
        timed("GET /book with bookings held", 200, lambda: client.get("/book"))
        from portal.queue import redis_connection
        redis_connection(app).flushdb()


def twenty_record_views():
    """Twenty staff open a record at the same moment: one audit event each, each in its own
    transaction and connection. record() takes no lock: on PostgreSQL they write side by side."""
    start = threading.Barrier(20)

    def view(n):
        with db.connection_context():
            start.wait()
            with db.atomic():
                record("person.viewed", person=n + 1)

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(view, range(20)))


if __name__ == "__main__":
    main()
