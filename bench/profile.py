"""Where a booking request's time goes: `python -m bench.profile` (SQLite, in this process).

Runs the bare insert and the two booking requests through the bench app (Flask's test client,
CSRF on) under cProfile and prints, for each, the CPU time per request and the share of it
spent in each part of the work. cProfile slows code with many small calls (peewee's query
builder most), so read the shares as an order, not as exact figures; the rates under gunicorn
come from `make bench`.
"""
import cProfile
import json
import os
import pstats
import re
import shutil
import sys
import tempfile
import time

REQUESTS = int(os.environ.get("BENCH_PROFILE_REQUESTS", 200))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")

# (label, file ending, function): cumulative time of that function within one request.
PARTS = {
    "bare": [
        ("the insert and its commit", "bench/app.py", "insert"),
    ],
    "form": [
        ("the view, in all", "booking/views.py", "book"),
        ("form: parsing and validation", "wtforms/form.py", "validate"),
        ("slot check (4 queries)", "booking/schedule.py", "claimable_slot"),
        ("code: count per address (1 upsert)", "verification/actions.py", "allow_code_to"),
        ("e-mails per address (1 query, Redis)", "mail/limits.py", "allow_mail_to"),
        ("code e-mail written (1 insert)", "mail/actions.py", "write_email"),
        ("e-mail job queued after commit", "portal/queue.py", "enqueue"),
        ("POST limit per IP (Flask-Limiter, Redis)", "flask_limiter/_extension.py", "_check_request_limit"),
    ],
    "code": [
        ("the view, in all", "booking/views.py", "code"),
        ("waiting entry and its challenge (1 query)", "booking/pending.py", "live"),
        ("code checked, try counted (1 update)", "verification/actions.py", "check"),
        ("code spent (1 update)", "verification/actions.py", "spend_code"),
        ("slot check (4 queries)", "booking/schedule.py", "claimable_slot"),
        ("person found or created (2 statements)", "booking/actions.py", "_find_or_create_person"),
        ("audit event (2 statements)", "audit/actions.py", "record"),
        ("e-mails written (2 inserts)", "mail/actions.py", "write_email"),
        ("e-mail job queued after commit", "portal/queue.py", "enqueue"),
        ("POST limit per IP (Flask-Limiter, Redis)", "flask_limiter/_extension.py", "_check_request_limit"),
    ],
}


def _app(workdir):
    from bench import data
    from bench.app import BENCH_MODELS, BenchConfig, create_bench_app
    from portal.db import db
    from portal.schema import migrate
    config = type("ProfileConfig", (BenchConfig,), dict(
        DATABASE_URL=f"sqlite:///{workdir}/profile.sqlite3", REDIS_URL=REDIS_URL,
        RATELIMIT_STORAGE_URI=REDIS_URL, SECRET_KEY="bench-profile-" + "x" * 40,
        BASE_URL="http://127.0.0.1:5000", MAIL_BACKEND="locmem", ENV_NAME="bench",
        INSTANCE_DIR=workdir, MAIL_OUTBOX_DIR=f"{workdir}/outbox", DOCUMENT_DIR=f"{workdir}/documents"))
    app = create_bench_app(config)
    with app.app_context():
        migrate()
        with db.connection_context():
            db.create_tables(BENCH_MODELS)
            slots = data.bookable_slots(data.load_consultants())
    return app, slots


def main():
    from bench.__main__ import Refused, prepare_redis
    try:
        redis_conn = prepare_redis(REDIS_URL)
    except Refused as refused:
        print(f"refused: {refused}")
        return 2
    workdir = tempfile.mkdtemp(prefix="portal-bench-profile-")
    try:
        return _profile(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        redis_conn.flushdb()


def _profile(workdir):
    from bench.client import CSRF
    from portal.mail.models import Outbox
    app, slots = _app(workdir)
    client = app.test_client()
    token = CSRF.search(client.get("/book").get_data(as_text=True)).group(1)
    fresh = client.get_cookie("portal_session").value
    sessions = {}
    form_data = dict(kind="conversation", meeting_place="office", street="Storgata 1",
                     postal_code="0155", place="Oslo", country="NO", phone="41234567", website="")

    def bare(n):
        assert client.post("/bench/insert", data={"csrf_token": token}).status_code == 204

    def form(n):
        client.set_cookie("portal_session", fresh)
        response = client.post("/book", data=dict(form_data, slot=slots[n].id, name="Bench Visitor",
                                                   email=f"profile{n}@example.no", csrf_token=token))
        assert response.status_code == 303, response.status_code
        sessions[n] = client.get_cookie("portal_session").value

    def code(n):
        with app.app_context():
            row = Outbox.get(Outbox.to == f"profile{n}@example.no")
        client.set_cookie("portal_session", sessions[n])
        response = client.post("/book/code", data={"code": json.loads(row.params)["code"],
                                                   "csrf_token": token})
        assert response.status_code == 302, response.status_code

    warm = range(20)
    for n in warm:
        bare(n), form(n), code(n)
    measured = range(20, 20 + REQUESTS)
    print(f"{REQUESTS} requests each, SQLite, in one process; CPU time per request")
    for name, step in (("bare", bare), ("form", form), ("code", code)):
        profile = cProfile.Profile(time.process_time)
        start = time.process_time()
        profile.runcall(lambda: [step(n) for n in measured])
        total = (time.process_time() - start) / REQUESTS * 1000
        stats = pstats.Stats(profile).stats
        label = {"bare": "POST /bench/insert", "form": "POST /book", "code": "POST /book/code"}[name]
        print(f"\n{label}: {total:.2f} ms per request (profiled)")
        request = _cumulative(stats, "flask/app.py", "wsgi_app")
        for text, path, func in PARTS[name]:
            spent = _cumulative(stats, path, func)
            print(f"  {spent / request * 100:5.1f} %  {text}")
    return 0


def _cumulative(stats, path, func):
    """Cumulative time of the function, not counting its recursive calls twice."""
    found = [v[3] for (file, _line, name), v in stats.items()
             if name == func and re.sub(r"\\", "/", file).endswith(path)]
    return sum(found)


if __name__ == "__main__":
    sys.exit(main())
