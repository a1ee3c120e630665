"""Fixtures: app, client, runner, db, login_as(role), outbox, queue, live_server."""
import contextlib
import os
import socket
import threading

import pytest
import redis as redis_lib
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from portal import create_app
from portal import db as portal_db
from portal.config import TestConfig
from portal.features import all_models
from portal.schema import migrate

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or (
    os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/15")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """DATABASE_URL from the environment (PostgreSQL in CI), else a SQLite file."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    database = portal_db.make_database(url)
    if url.startswith("postgres"):
        database.execute_sql("DROP SCHEMA public CASCADE")
        database.execute_sql("CREATE SCHEMA public")
    database.close()
    portal_db.db.initialize(database)
    migrate()
    database.close()
    return url


class FreshContextClient(FlaskClient):
    """A test client whose every request gets its own app context, hence its own `g`.

    The `app` fixture keeps an app context open for the test body; without this, Flask would
    reuse it for requests and `g` (the CSRF token, flask-login's current user) would leak from
    one request to the next, which no browser ever sees.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app_config():
    """Config overrides for the `app` fixture: override this fixture in a module, or
    parametrize a test with it, e.g. to keep rate limits in the real Redis."""
    return {}


def config_for(database_url, folder, **overrides):
    """TestConfig on the test database and Redis, with files under `folder`."""
    class Config(TestConfig):
        DATABASE_URL = database_url
        REDIS_URL = TEST_REDIS_URL
        INSTANCE_DIR = str(folder)
        MAIL_OUTBOX_DIR = str(folder / "outbox")
        DOCUMENT_DIR = str(folder / "documents")
        ERASURE_LOG_PATH = str(folder / "erasure-log.jsonl")

    for name, value in overrides.items():
        setattr(Config, name, value)
    return Config


@pytest.fixture
def app(database_url, tmp_path, app_config):
    Config = config_for(database_url, tmp_path, **app_config)

    app = create_app(Config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
    _empty_tables()


def _empty_tables():
    database = portal_db.db
    database.connect(reuse_if_open=True)
    models = all_models()
    if portal_db.is_postgres(database.obj):
        names = ", ".join(f'"{m._meta.table_name}"' for m in models)
        database.execute_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    else:
        with database.atomic():
            for model in reversed(models):
                model.delete().execute()
    database.close()


@pytest.fixture
def db(app):
    portal_db.db.connect(reuse_if_open=True)
    yield portal_db.db


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture
def login_as(client, db):
    """Log the test client in as a new user of a role; returns the user. Staff and admin
    sessions are opened as if the second factor was given (tests/test_second_factor.py logs in
    the whole way)."""
    from tests.factories import make_user

    def login(role="candidate", **overrides):
        user = make_user(role=role, **overrides)
        from portal.auth.actions import start_session
        token = start_session(user, second_factor=user.is_staff)
        with client.session_transaction() as session:
            session.clear()
            session["sid"] = token
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return user
    return login


class Outbox:
    """E-mails as a person would receive them: pending outbox rows are delivered first."""

    def __init__(self, app):
        self.app = app

    @property
    def messages(self):
        from portal.mail.actions import send
        from portal.mail.models import Outbox as Row
        # A list first: sending an erasure's confirmation checkpoints SQLite, which an open
        # cursor on the same connection would block ("database table is locked").
        for row in list(Row.select(Row.id).where(Row.sent_at.is_null())):
            send(row.id)
        return list(getattr(self.app.extensions["mailman"], "outbox", []))

    def to(self, address):
        return [m for m in self.messages if address in m.to]


@pytest.fixture
def outbox(app, db):
    return Outbox(app)


@pytest.fixture
def queue(app):
    """A real RQ queue on its own Redis database, empty before and after the test."""
    from portal.queue import get_queue, redis_connection
    conn = redis_connection(app)
    try:
        conn.flushdb()
    except redis_lib.RedisError as exc:
        pytest.fail(f"Redis at {TEST_REDIS_URL} is needed for this test: {exc}")
    yield get_queue(app)
    conn.flushdb()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



@contextlib.contextmanager
def serve(app):
    """Serve `app` on a free local port in a thread; the server has `.url`."""
    server = make_server("127.0.0.1", _free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app, db):
    """The app served on a free local port in a thread, for the browser tests."""
    app.config["WTF_CSRF_ENABLED"] = True  # a browser gets the real thing
    with serve(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser."""
    return {**browser_type_launch_args, "executable_path": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A browser that asks for Norwegian, as most visitors' do: pages follow Accept-Language."""
    return {**browser_context_args, "locale": "nb-NO"}
