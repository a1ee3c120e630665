"""`make bench`: the booking path and the pages, under gunicorn, on SQLite and on PostgreSQL.

    make bench                                   # both databases, about four minutes
    .venv/bin/python -m bench --only sqlite      # one of them
    BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/bench_portal   (the default)
    BENCH_REDIS_URL=redis://127.0.0.1:6379/11                               (the default)

For each database the bench creates its own data, starts the portal as in production
(`gunicorn -w 4`, PORTAL_ENV=production; only the booking limits per IP and per address are
lifted) with one extra endpoint that inserts a row, and prints:

- the rate of each booking request, with 8 clients at once, divided by the rate of the bare
  insert measured just before and just after it on the same server: the form that sends the
  code (POST /book) and the code that makes the booking (POST /book/code);
- the median of GET /book with 100 000 past bookings divided by the same with 1 000;
- the bytes a first visit to /book, /login and /privacy transfers (page and what it loads);
- the peak memory of a worker (no password is checked during the bench).

It never touches a database it did not create: SQLite lives in a new temporary folder, the
PostgreSQL database must be missing, empty or marked as the bench's, and the Redis database
empty or marked; otherwise it says so and stops. DATABASE_URL and REDIS_URL are not used.
Speed is measured here, not in `make test`.
"""
import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/bench_portal")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
REDIS_MARKER = "portal-bench:marker"
WORKERS = 4
CLIENTS = 8
ROUNDS = 3
SECONDS = 3.0  # each measured stretch
FEW, MANY = 1_000, 100_000  # past bookings
HISTORY_TURNS = 5
PAGES = ("/book", "/login", "/privacy")
GOALS = {"ratio": 0.5, "ratio_done": 0.35, "history": 1.2, "first_visit_kb": 30, "worker_mb": 80}


class Refused(Exception):
    """The bench will not run against this: it holds data the bench did not create."""


# --- Its own databases ----------------------------------------------------------------------

def _pg_params(url):
    from playhouse.db_url import parse
    params = parse(url)
    name = params.pop("database")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name or ""):
        raise Refused(f"the bench names its PostgreSQL database with letters, digits and _ only "
                      f"(got {name!r} in BENCH_POSTGRES_URL)")
    return name, {k: v for k, v in params.items() if v is not None}


def prepare_postgres(url):
    """Create the bench's PostgreSQL database, or empty it if it is the bench's; returns
    whether it was created. Raises Refused for a database with tables of someone else's."""
    import psycopg2
    name, params = _pg_params(url)
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
                return True
    finally:
        admin.close()
    conn = psycopg2.connect(dbname=name, **params)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")
            tables = {row[0] for row in cur.fetchall()}
            if tables and "bench_marker" not in tables:
                raise Refused(
                    f"PostgreSQL database {name!r} holds tables the bench did not create "
                    f"({len(tables)}, e.g. {sorted(tables)[0]!r}); the bench creates and empties "
                    f"only its own. Name a new database in BENCH_POSTGRES_URL.")
            if tables:
                cur.execute("DROP SCHEMA public CASCADE")
                cur.execute("CREATE SCHEMA public")
    finally:
        conn.close()
    return False


def drop_postgres(url):
    import psycopg2
    name, params = _pg_params(url)
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        admin.close()


def on_both_databases(prefix, postgres_url, measure):
    """Run measure(url, workdir) on a new SQLite file, then in a PostgreSQL database of the
    bench's own (created, refused when it holds tables the bench did not create, dropped
    after); returns the exit status (2: refused)."""
    workdir = tempfile.mkdtemp(prefix=prefix)
    try:
        measure(f"sqlite:///{workdir}/bench.sqlite3", workdir)
        try:
            created = prepare_postgres(postgres_url)
        except Refused as refused:
            print(f"refused: {refused}")
            return 2
        except Exception as exc:  # noqa: BLE001 - no PostgreSQL here: said, and SQLite stands
            print(f"PostgreSQL skipped: cannot use {postgres_url} ({str(exc).strip()})")
            return 0
        try:
            measure(postgres_url, workdir)
        finally:
            if created:
                drop_postgres(postgres_url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def prepare_redis(url):
    """The bench's Redis database: empty, or marked as the bench's (then emptied)."""
    import redis
    conn = redis.Redis.from_url(url)
    keys = conn.dbsize()
    if keys and not conn.exists(REDIS_MARKER):
        raise Refused(f"Redis database {url} holds {keys} keys the bench did not write; the "
                      f"bench empties its Redis database. Name an empty one in BENCH_REDIS_URL.")
    conn.flushdb()
    conn.set(REDIS_MARKER, "1")
    return conn


# --- The portal under gunicorn ----------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settings(url, workdir, port, secret_key):
    from cryptography.fernet import Fernet
    return {
        "PORTAL_ENV": "production", "SECRET_KEY": secret_key, "BASE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "RATELIMIT_STORAGE_URI": REDIS_URL,
        "INSTANCE_PATH": str(workdir / "instance"), "MAIL_BACKEND": "locmem",
        "DOCUMENT_KEYS": Fernet.generate_key().decode(),
    }


def local_app(environment):
    """The same app in this process, for loading data and reading the codes e-mailed."""
    from bench.app import BenchConfig, create_bench_app
    overrides = {k: environment[k] for k in ("SECRET_KEY", "BASE_URL", "DATABASE_URL", "REDIS_URL",
                                             "RATELIMIT_STORAGE_URI", "MAIL_BACKEND")}
    instance = environment["INSTANCE_PATH"]
    config = type("LocalBenchConfig", (BenchConfig,), dict(
        overrides, ENV_NAME="bench", INSTANCE_DIR=instance, MAIL_OUTBOX_DIR=f"{instance}/outbox",
        DOCUMENT_DIR=f"{instance}/documents"))
    return create_bench_app(config)


@contextlib.contextmanager
def gunicorn(environment, port, workdir):
    log = open(workdir / "gunicorn.log", "ab")
    process = subprocess.Popen(  # nosec B603 # our own gunicorn, fixed arguments
        [str(Path(sys.executable).with_name("gunicorn")), "-w", str(WORKERS),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "bench.wsgi:app"],
        cwd=ROOT, env={**os.environ, **environment}, stdout=log, stderr=log)
    try:
        from bench.client import Browser
        deadline = time.monotonic() + 60
        while True:
            try:
                if Browser(port).get("/health").status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {workdir / 'gunicorn.log'}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def workers_cpu(master):
    """CPU seconds the gunicorn workers have used so far (user and system)."""
    path = Path(f"/proc/{master.pid}/task/{master.pid}/children")
    ticks = 0
    for pid in path.read_text().split():
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def worker_peaks_mb(master):
    """Each gunicorn worker's peak resident memory (VmHWM), in MB."""
    path = Path(f"/proc/{master.pid}/task/{master.pid}/children")
    peaks = []
    for pid in path.read_text().split():
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
    return peaks


# --- Measurements -------------------------------------------------------------------------

def median_ms(port, path, count=40):
    """The median time of GET path, one request at a time, from one visitor."""
    from bench.client import Browser
    browser = Browser(port)
    for _ in range(5):
        browser.get(path)
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = browser.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
    browser.close()
    return statistics.median(samples)


class Booker:
    """Booking requests as visitors make them: the form, then the code from the e-mail."""

    FORM = dict(kind="conversation", meeting_place="office", street="Storgata 1",
                postal_code="0155", place="Oslo", country="NO", phone="41234567", website="")

    def __init__(self, app, port, slots, master):
        from bench.client import Browser
        self.app, self.port, self.master = app, port, master
        self.cpu = {"bare": [0.0, 0], "form": [0.0, 0], "code": [0.0, 0]}  # worker seconds, requests
        self.slots = iter(slots)
        self.left = len(slots)
        self.browsers = [Browser(port) for _ in range(CLIENTS)]
        self.tokens = {id(b): b.csrf_token() for b in self.browsers}
        self.count = 0

    def _count_cpu(self, what, before, requests):
        self.cpu[what][0] += workers_cpu(self.master) - before
        self.cpu[what][1] += requests

    def cpu_ms(self, what):
        """The workers' CPU time per request of a kind, in ms (the databases' and Redis' not
        counted)."""
        seconds, requests = self.cpu[what]
        return seconds / requests * 1000

    def _expect(self, answers, status, what):
        wrong = [(item, r.status) for item, r in answers if r.status != status]
        if wrong:
            item, got = wrong[0]
            raise RuntimeError(f"{what}: {len(wrong)} of {len(answers)} answers were not {status} "
                               f"(first: {got} for {item})")

    def bare(self, seconds=SECONDS):
        from bench.client import run_concurrently

        def insert(browser, _item):
            return browser.post("/bench/insert", {"csrf_token": self.tokens[id(browser)]})
        before = workers_cpu(self.master)
        answers, elapsed = run_concurrently(self.browsers, insert, seconds=seconds)
        self._count_cpu("bare", before, len(answers))
        self._expect(answers, 204, "POST /bench/insert")
        return len(answers) / elapsed

    def forms(self, count):
        """POST /book for `count` new visitors; returns (rate, [(email, cookies)])."""
        from bench.client import run_concurrently
        count = min(count, self.left)
        self.left -= count
        items = []
        for _ in range(count):
            self.count += 1
            items.append((f"bench.visitor{self.count}@example.no", next(self.slots).id))

        def form(browser, item):
            email, slot = item
            token = self.tokens[id(browser)]
            # Each visitor a session of its own: the browser's cookies as they were before any
            # form, so that no visitor's booking replaces another's waiting one.
            response = browser.post("/book", dict(self.FORM, slot=slot, name="Bench Visitor",
                                                  email=email, csrf_token=token),
                                    keep_cookies=False)
            # The code goes with the session that came back, and the same CSRF token.
            response.visitor = (email, {**browser.cookies, **response.cookies}, token)
            return response
        before = workers_cpu(self.master)
        answers, elapsed = run_concurrently(self.browsers, form, items=items)
        self._count_cpu("form", before, len(answers))
        self._expect(answers, 303, "POST /book")
        return count / elapsed, [response.visitor for _item, response in answers]

    def codes(self, sessions):
        """POST /book/code with the code e-mailed to each visitor; returns the rate."""
        from bench.client import run_concurrently
        codes = self.emailed_codes([email for email, _c, _t in sessions])

        def confirm(browser, item):
            email, cookies, token = item
            return browser.post("/book/code", {"code": codes[email], "csrf_token": token},
                                cookies=cookies, keep_cookies=False)
        before = workers_cpu(self.master)
        answers, elapsed = run_concurrently(self.browsers, confirm, items=sessions)
        self._count_cpu("code", before, len(answers))
        self._expect(answers, 302, "POST /book/code")
        return len(sessions) / elapsed

    def emailed_codes(self, emails):
        from portal.mail.models import Outbox
        from portal.verification.actions import CODE_EMAIL
        with self.app.app_context():
            rows = Outbox.select(Outbox.to, Outbox.params).where(
                Outbox.to.in_(emails), Outbox.template == CODE_EMAIL)
            return {row.to: json.loads(row.params)["code"] for row in rows}


def first_visit(port, path):
    """Bytes on the wire for a first visit: the page and every file it loads (compressed
    as the server sends it to a browser that accepts gzip and br)."""
    from bench.client import Browser
    accept = {"Accept-Encoding": "gzip, br", "Accept-Language": "nb-NO,nb;q=0.9"}
    visitor = Browser(port, headers=accept)
    page = visitor.get(path)
    total = page.wire_bytes
    plain = Browser(port, headers={"Accept-Language": "nb-NO,nb;q=0.9"})
    html = plain.get(path).text
    files = re.findall(r'<(?:link[^>]*\bhref|script[^>]*\bsrc|img[^>]*\bsrc)="(/[^"]+)"', html)
    for css in [f for f in files if f.split("?")[0].endswith(".css")]:
        files += [u for u in re.findall(r'url\(["\']?(/[^)"\']+)', plain.get(css).text)]
    for url in dict.fromkeys(files):
        total += visitor.get(url).wire_bytes
    return total, len(dict.fromkeys(files)) + 1


# --- One database -------------------------------------------------------------------------

def measure(kind, url, workdir):
    """Every figure for one database."""
    from bench import data
    from bench.app import BENCH_MODELS
    from portal.db import db
    from portal.schema import migrate
    port = free_port()
    environment = settings(url, workdir, port, secrets.token_urlsafe(48))
    app = local_app(environment)
    figures = {}
    with app.app_context():
        migrate()
        with db.connection_context():
            db.create_tables(BENCH_MODELS)
            BENCH_MODELS[0].create()
            days = data.load_consultants()
            people = data.add_people()
            data.add_past_bookings(people, 0, FEW)
            recent = data.last_booking_id()
            data.add_past_bookings(people, FEW, MANY - FEW, archive=True)
            if kind == "PostgreSQL":
                db.execute_sql("ANALYZE")  # as autovacuum does after a bulk load
            slots = data.bookable_slots(days)
    print(f"  {kind}: data loaded ({MANY:,} past bookings, {len(slots)} times to book)", flush=True)
    with gunicorn(environment, port, workdir) as master:
        # With 1 000 past bookings, then 100 000, taking turns: the same load on both.
        few, many = [], []
        for _ in range(HISTORY_TURNS):
            few.append(median_ms(port, "/book"))
            with app.app_context(), db.connection_context():
                data.show_history()
            many.append(median_ms(port, "/book"))
            with app.app_context(), db.connection_context():
                data.hide_history(recent)
        figures["few_ms"], figures["many_ms"] = statistics.median(few), statistics.median(many)
        figures["history"] = statistics.median(m / f for f, m in zip(few, many))
        with app.app_context(), db.connection_context():
            data.show_history()  # the bookings below are made with the whole history

        booker = Booker(app, port, slots, master)
        per_round = max(100, min(len(slots) // (ROUNDS + 1), 1000))
        rate, sessions = booker.forms(CLIENTS * 5)  # warm-up, and a first estimate
        booker.codes(sessions)
        count = int(max(CLIENTS * 10, min(rate * SECONDS, per_round)))
        bares, forms, codes = [booker.bare()], [], []
        for _ in range(ROUNDS):
            rate, sessions = booker.forms(count)
            forms.append(rate)
            bares.append(booker.bare())
            codes.append(booker.codes(sessions))
            bares.append(booker.bare())
        figures["bare"] = statistics.median(bares)
        figures["form"] = statistics.median(forms)
        figures["code"] = statistics.median(codes)
        figures["form_ratio"] = statistics.median(
            f / ((bares[2 * i] + bares[2 * i + 1]) / 2) for i, f in enumerate(forms))
        figures["code_ratio"] = statistics.median(
            c / ((bares[2 * i + 1] + bares[2 * i + 2]) / 2) for i, c in enumerate(codes))
        figures["booked"] = booker.count
        figures["cpu"] = {what: booker.cpu_ms(what) for what in ("bare", "form", "code")}

        figures["pages"] = {path: first_visit(port, path) for path in PAGES}
        figures["worker_mb"] = max(worker_peaks_mb(master))
    with app.app_context():
        if hasattr(db.obj, "close_all"):  # the pool: no connection may outlive the database
            db.obj.close_all()
        elif not db.is_closed():
            db.close()
    return figures


# --- Report -------------------------------------------------------------------------------

def machine():
    cpu = ""
    with contextlib.suppress(OSError):
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text()).group(1)
    memory = ""
    with contextlib.suppress(OSError):
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f", {kb / 1024 / 1024:.0f} GB"
    import sqlite3

    import gunicorn as gunicorn_package
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu.strip()}){memory}, "
            f"load {os.getloadavg()[0]:.1f}; Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, gunicorn {gunicorn_package.__version__}")


def verdict(ok):
    return "meets" if ok else "MISSES"


def report(results):
    names = list(results)
    width = 14

    def row(label, values, goal=""):
        print(f"{label:<44}" + "".join(f"{v:>{width}}" for v in values) + f"   {goal}")

    print()
    row("", names)
    row("POST /book (form, code e-mailed) / bare", [f"{r['form_ratio']:.2f}" for r in results.values()],
        f"goal >= {GOALS['ratio']}, done at {GOALS['ratio_done']}")
    row("POST /book/code (the booking) / bare", [f"{r['code_ratio']:.2f}" for r in results.values()],
        f"goal >= {GOALS['ratio']}, done at {GOALS['ratio_done']}")
    row("  requests/s: bare insert", [f"{r['bare']:.0f}" for r in results.values()])
    row("  requests/s: POST /book", [f"{r['form']:.0f}" for r in results.values()])
    row("  requests/s: POST /book/code", [f"{r['code']:.0f}" for r in results.values()])
    row("  worker CPU ms per request: bare", [f"{r['cpu']['bare']:.1f}" for r in results.values()])
    row("  worker CPU ms per request: /book", [f"{r['cpu']['form']:.1f}" for r in results.values()])
    row("  worker CPU ms per request: /book/code", [f"{r['cpu']['code']:.1f}" for r in results.values()])
    row(f"GET /book median, {MANY:,} / {FEW:,} past", [f"{r['history']:.2f}" for r in results.values()],
        f"goal <= {GOALS['history']}")
    row("  median ms at 1 000 / 100 000", [f"{r['few_ms']:.1f}/{r['many_ms']:.1f}" for r in results.values()])
    for path in PAGES:
        row(f"first visit {path}: KB (requests)",
            [f"{r['pages'][path][0] / 1024:.1f} ({r['pages'][path][1]})" for r in results.values()],
            f"goal <= {GOALS['first_visit_kb']} KB")
    row("worker peak memory, MB", [f"{r['worker_mb']:.0f}" for r in results.values()],
        f"goal < {GOALS['worker_mb']} MB")
    print()
    for name, r in results.items():
        checks = {
            "booking form ratio": r["form_ratio"] >= GOALS["ratio"],
            "booking code ratio": r["code_ratio"] >= GOALS["ratio"],
            "history": r["history"] <= GOALS["history"],
            "first visits": all(b <= GOALS["first_visit_kb"] * 1024 for b, _n in r["pages"].values()),
            "worker memory": r["worker_mb"] < GOALS["worker_mb"],
        }
        missed = [k for k, ok in checks.items() if not ok]
        print(f"{name}: " + ("every goal met" if not missed else "misses: " + ", ".join(missed)))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args(argv)
    started = time.monotonic()
    print(f"portal bench, {datetime.now():%Y-%m-%d %H:%M}: {machine()}")
    print(f"gunicorn -w {WORKERS} (PORTAL_ENV=production), {CLIENTS} clients at once; "
          f"each booking rate is divided by the bare insert's, measured just before and after")
    if os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is not used: the bench creates its own databases.")
    try:
        redis_conn = prepare_redis(REDIS_URL)
    except Refused as refused:
        print(f"refused: {refused}")
        return 2
    except Exception as exc:
        print(f"Redis at {REDIS_URL} cannot be used ({exc}); set BENCH_REDIS_URL")
        return 2
    postgres = None  # whether the bench created the database (to drop it after), when usable
    if args.only in (None, "postgresql"):
        try:
            postgres = prepare_postgres(POSTGRES_URL)
        except Refused as refused:
            print(f"refused: {refused}")
            redis_conn.flushdb()
            return 2
        except Exception as exc:
            print(f"PostgreSQL skipped: cannot use {POSTGRES_URL} ({str(exc).strip()})")
    results = {}
    try:
        if args.only in (None, "sqlite"):
            workdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
            try:
                results["SQLite"] = measure("SQLite", f"sqlite:///{workdir}/bench.sqlite3", workdir)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
            redis_conn.flushdb()
            redis_conn.set(REDIS_MARKER, "1")
        if postgres is not None:
            workdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
            try:
                results["PostgreSQL"] = measure("PostgreSQL", POSTGRES_URL, workdir)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
                if postgres:
                    drop_postgres(POSTGRES_URL)
    finally:
        redis_conn.flushdb()
    if results:
        report(results)
    print(f"\n{time.monotonic() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
