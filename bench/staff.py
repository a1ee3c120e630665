"""Time staff search of people and the staff queue at 1 000 and 100 000 people, and report
the ratios.

    python -m bench.staff     # SQLite in a temporary directory, then PostgreSQL in a database
                              # of its own (BENCH_STAFF_POSTGRES_URL, by default
                              # postgresql://postgres@127.0.0.1:5432/bench_staff: created,
                              # refused when it holds tables the bench did not make, dropped after)

The same queries (the start of a name, an address, a number; on PostgreSQL also a part inside a
name) run against the first size, then against the second after more people are added. A search
is a range scan of one index with keyset paging, so its time should hardly depend on how many
people there are: the goal is a ratio of at most 1.5 between the medians.

The queue grows with the people: their last contact is spread over three years (so about one in
forty is erased within 30 days), one in twenty has had a privacy request answered, one in twenty
a meeting held, and there are ever more requests waiting. Already at the first size every page
timed is full (the first thousand people have 200 requests waiting, 100 deletions due and 100
meetings to come), so both sizes show as much: the whole queue, one's own requests, and the
second page of the deletions. They read a page of each kind and count each kind once, so their
time too should hardly depend on the size. Nothing is asserted: speed belongs here, not in the
test suite.
"""
import os
import random
import re
import secrets
import statistics
import sys
import time
from datetime import timedelta

from flask.testing import FlaskClient

from portal import create_app
from portal.booking.models import Booking, Consultant
from portal.config import TestConfig
from portal.db import db, is_postgres, utcnow
from portal.people.models import Person
from portal.requests import deadlines
from portal.requests.models import PrivacyRequest
from portal.schema import migrate
from portal.staff import search

POSTGRES_URL = os.environ.get("BENCH_STAFF_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/bench_staff")
SIZES = [int(n) for n in os.environ.get("BENCH_PEOPLE", "1000,100000").split(",")]
REPEAT = int(os.environ.get("BENCH_REPEAT", 60))
GOAL_RATIO = 1.5

FIRST = ("Kari Ola Ingrid Per Anne Lars Marit Jon Liv Knut Siri Arne Eva Nils Hilde Tor Åse Øyvind "
         "Grete Bjørn Sofie Emil Nora Jakob Emma Filip Ella Lukas Maja Henrik Ida Sander Thea "
         "Magnus Sara Mathias Ingeborg Even Astrid Sindre Tuva Håkon Julie Vetle Frida Aksel "
         "Hedda Tobias Selma Elias").split()
LAST = ("Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen "
        "Johnsen Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl "
        "Jørgensen Halvorsen Henriksen Lund Sørensen Jakobsen Moen Gundersen Iversen Strand "
        "Solberg Svendsen Eide Knutsen Martinsen Paulsen Bakken Kristoffersen Mathisen Lie "
        "Amundsen Nguyen Rasmussen Ali Lunde Solheim Berge Moe Nygård Bakke Ødegård Ærø").split()


FIRST_SIZE = 1000  # the queue of the first thousand is full already: every page as long


def _person(n, rng, now):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    # The first thousand are due for deletion ten times as often: pages as full at both sizes.
    days = (3 * 365 - rng.randint(0, 29)) if n < FIRST_SIZE and rng.random() < .1 else (
        rng.randint(0, 3 * 365 - 1))
    return dict(name=f"{first} {last}", email=f"{first}.{last}.{n}@example.no".lower(),
                phone=f"+47{rng.randint(40000000, 99999999)}", street="Storgata 1",
                postal_code="0155", place="Oslo",
                last_contact_at=now - timedelta(days=days, minutes=rng.randint(0, 24 * 60 - 1)))


def _request(person, rng, now, staff_ids, first):
    """A privacy request of the person: of the first thousand's, every one waits (a full queue
    from the start); later, one in six waits and the rest are answered. Half of those waiting
    are assigned, half of these to the first member of staff (whose own requests are timed)."""
    received = now - timedelta(hours=rng.randint(0, 40 * 24))
    due = deadlines.first_due_date(received)
    waiting = first or rng.random() < 1 / 6
    assignee = (staff_ids[0] if rng.random() < .5 else rng.choice(staff_ids[1:])) if (
        waiting and rng.random() < .5) else None
    status = rng.choice(("verified", "in_progress")) if waiting else rng.choice(("done", "denied"))
    return dict(token=secrets.token_urlsafe(24), kind=rng.choice(("access", "correction",
                                                                  "erasure", "question")),
                status=status, person=person.id, name=person.name, email=person.email,
                received_at=received, verified_at=received, verified_how="account",
                first_due_on=due, due_on=due, closed_at=None if waiting else now,
                assignee=assignee,
                details="Hva har dere om meg?", version=1)


def fill(start, stop, rng, staff_ids):
    """Add people start..stop-1 in batches (search keys are made by Person.insert_many), with
    their privacy requests and meetings held."""
    now = utcnow().replace(second=0, microsecond=0)
    consultants = None
    for lo in range(start, stop, 2000):
        with db.atomic():
            last = Person.select(Person.id).order_by(Person.id.desc()).scalar() or 0
            Person.insert_many([_person(n, rng, now) for n in range(lo, min(lo + 2000, stop))]).execute()
            people = list(Person.select(Person.id, Person.name, Person.email).where(Person.id > last))
            consultants = consultants or _consultants()
            first = lo < FIRST_SIZE
            PrivacyRequest.insert_many([_request(p, rng, now, staff_ids, first) for p in people
                                        if rng.random() < (.2 if first else .05)]).execute()
            Booking.insert_many([
                dict(person=p.id, consultant=consultants[p.id % len(consultants)],
                     starts_at=now - timedelta(hours=p.id), ends_at=now - timedelta(hours=p.id) +
                     timedelta(minutes=45), kind="meeting", place="office", status="attended",
                     marked_at=now) for p in people if p.id % 20 == 0]).execute()
    if is_postgres():
        for table in ("person", "privacy_request", "booking"):  # as autovacuum does after a load
            db.execute_sql(f"VACUUM ANALYZE {table}")


def _consultants():
    """Five consultants; the first time, with meetings of the coming days for the first hundred
    people (the same at every size)."""
    found = [c.id for c in Consultant.select(Consultant.id).order_by(Consultant.id)]
    if found:
        return found
    ids = [Consultant.create(name=f"Konsulent {n}", email=f"konsulent{n}@bench.test").id
           for n in range(5)]
    start = utcnow().replace(minute=30, second=0, microsecond=0) - timedelta(hours=2)
    Booking.insert_many([dict(person=n + 1, consultant=ids[n % 5],
                              starts_at=start + timedelta(hours=n // 5 * 3),
                              ends_at=start + timedelta(hours=n // 5 * 3, minutes=45),
                              kind="meeting", place="office") for n in range(100)]).execute()
    return ids


def queries(rng):
    """The searches staff type, each finding a page or more at the smaller size already (so
    both sizes show the same amount): the start of a first name, of an address, of a number;
    on PostgreSQL also a part inside a name."""
    picks = [rng.choice(list(Person.select(Person.name, Person.email).order_by(Person.id)
                             .limit(1000))) for _ in range(REPEAT)]
    found = {
        "name, start": [p.name.split()[0][:rng.randint(3, 4)] for p in picks],
        "e-mail, start": [p.email[:p.email.index(".") + 1] for p in picks],
        "phone, start": [str(rng.randint(40, 99)) for _ in picks],
    }
    if is_postgres():
        found["name, inside (pg_trgm)"] = [p.name.split()[1][1:5] for p in picks]
    return found


def _staff():
    from tests.factories import make_user
    return [make_user("staff", email=f"bench.staff{n}@ressursbasen.no") for n in range(3)]


class _Browser(FlaskClient):
    """Each request in an app context of its own, as in production (nothing kept in `g`)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _client(app, user):
    """A test client logged in as staff, for timing the whole page."""
    from portal.auth.actions import start_session
    app.test_client_class = _Browser
    client = app.test_client()
    with app.test_request_context():
        token = start_session(user, second_factor=True)  # as if the code had been given
    with client.session_transaction() as session:
        session.update({"sid": token, "_user_id": str(user.id), "_fresh": True})
    return client


def timed(texts, run):
    """Median and worst time of `run(text)` over the texts, in milliseconds."""
    samples = []
    for text in texts:
        start = time.perf_counter()
        run(text)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def _page(client):
    def get(text):
        response = client.get("/staff/candidates", query_string={"q": text, "why": "matching"})
        assert response.status_code == 200, response.status_code
    return get


def queue_pages(client):
    """The queue's pages as staff open them: the whole queue, their own requests, and the
    second page of the deletions (its link read from the first)."""
    first = client.get("/staff/queue?kind=deletions").get_data(as_text=True)
    found = re.search(r'<a href="([^"]+)" rel="next">', first)
    later = found.group(1).replace("&amp;", "&") if found else "/staff/queue?kind=deletions"
    return {"queue, everything": "/staff/queue",
            "queue, my requests": "/staff/queue?kind=requests&assignee=me",
            "queue, deletions page 2": later}


def _get(client):
    def get(path):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    return get


def measure(url, workdir):
    class Config(TestConfig):
        DATABASE_URL = url
        REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
        INSTANCE_DIR = workdir

    app = create_app(Config)
    rng = random.Random(15)
    with app.app_context():
        migrate()
        db.connect(reuse_if_open=True)
        if url.startswith("postgres"):
            db.execute_sql("CREATE TABLE IF NOT EXISTS bench_marker (id integer)")
        print(f"staff search and queue, {url.split(':')[0]}, {REPEAT} searches and pages per "
              f"kind, page of {search.PAGE_SIZE}")
        results, made, texts, client, staff = {}, 0, None, None, None
        for size in SIZES:
            if staff is None:
                staff = _staff()
            fill(made, size, rng, [u.id for u in staff])
            made = size
            texts = texts or queries(rng)
            client = client or _client(app, staff[0])
            for mode, batch in texts.items():
                timed(batch[:5], search.search)  # warm the cache
                results.setdefault(mode, []).append(timed(batch, search.search))
            page = _page(client)
            timed(texts["name, start"][:5], page)
            results.setdefault("GET /staff/candidates page", []).append(
                timed(texts["name, start"], page))
            waiting = PrivacyRequest.select().where(PrivacyRequest.status.in_(
                ("verified", "in_progress"))).count()
            print(f"  {size:,} people: {waiting:,} requests waiting, "
                  f"{Booking.select().count():,} bookings", flush=True)
            for name, path in queue_pages(client).items():
                timed([path] * 5, _get(client))
                results.setdefault(f"GET {name}", []).append(timed([path] * REPEAT, _get(client)))
        for mode, found in results.items():
            medians = "   ".join(f"{size:>7,} people: median {m:6.2f} ms (max {w:6.1f})"
                                 for size, (m, w) in zip(SIZES, found))
            ratio = found[-1][0] / found[0][0]
            what = "staff queue" if "queue" in mode else "candidate search"
            print(f"{what}, {mode:<30} {medians}   ratio {ratio:4.2f}   goal <= {GOAL_RATIO}")
        db.close()
        db.obj.close_all()  # the pool's idle connections too, so the database can be dropped


def main():
    from bench.__main__ import on_both_databases
    return on_both_databases("portal-bench-staff-", POSTGRES_URL, measure)


if __name__ == "__main__":
    sys.exit(main())
