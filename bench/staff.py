"""Time staff search of people at 1 000 and 100 000 people, and report the ratio.

    python -m bench.staff                  # SQLite in a temporary directory
    DATABASE_URL=postgresql://.../scratch python -m bench.staff   # an EMPTY scratch database

The same queries (the start of a name, an address, a number; on PostgreSQL also a part inside a
name) run against the first size, then against the second after more people are added. A search
is a range scan of one index with keyset paging, so its time should hardly depend on how many
people there are: the goal is a ratio of at most 1.5 between the medians. Nothing is asserted:
speed belongs here, not in the test suite.
"""
import os
import random
import statistics
import sys
import tempfile
import time

from portal import create_app
from portal.config import TestConfig
from portal.db import db, is_postgres
from portal.people.models import Person
from portal.schema import migrate
from portal.staff import search

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


def _person(n, rng):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return dict(name=f"{first} {last}", email=f"{first}.{last}.{n}@example.no".lower(),
                phone=f"+47{rng.randint(40000000, 99999999)}", street="Storgata 1",
                postal_code="0155", place="Oslo")


def fill(start, stop, rng):
    """Add people start..stop-1 in batches (search keys are made by Person.insert_many)."""
    for lo in range(start, stop, 2000):
        with db.atomic():
            Person.insert_many([_person(n, rng) for n in range(lo, min(lo + 2000, stop))]).execute()
    if is_postgres():
        db.execute_sql("VACUUM ANALYZE person")  # what autovacuum does soon after a load like this


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


def _client(app):
    """A test client logged in as staff, for timing the whole page."""
    from portal.auth.actions import start_session
    from tests.factories import make_user
    user = make_user("staff", email="bench.staff@ressursbasen.no")
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


def main():
    workdir = tempfile.mkdtemp(prefix="portal-bench-staff-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"

    class Config(TestConfig):
        DATABASE_URL = url
        REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")

    app = create_app(Config)
    rng = random.Random(15)
    with app.app_context():
        migrate()
        db.connect(reuse_if_open=True)
        if Person.select().exists():
            sys.exit("bench.staff needs an empty database: point DATABASE_URL at a scratch one")
        print(f"staff search, {url.split(':')[0]}, {REPEAT} searches per kind, page of "
              f"{search.PAGE_SIZE}")
        results, made, texts, client = {}, 0, None, None
        for size in SIZES:
            fill(made, size, rng)
            made = size
            texts = texts or queries(rng)
            client = client or _client(app)
            for mode, batch in texts.items():
                timed(batch[:5], search.search)  # warm the cache
                results.setdefault(mode, []).append(timed(batch, search.search))
            page = _page(client)
            timed(texts["name, start"][:5], page)
            results.setdefault("GET /staff/candidates page", []).append(
                timed(texts["name, start"], page))
        for mode, found in results.items():
            medians = "   ".join(f"{size:>7,} people: median {m:6.2f} ms (max {w:6.1f})"
                                 for size, (m, w) in zip(SIZES, found))
            ratio = found[-1][0] / found[0][0]
            print(f"candidate search, {mode:<27} {medians}   ratio {ratio:4.2f}   "
                  f"goal <= {GOAL_RATIO}")
        db.close()


if __name__ == "__main__":
    main()
