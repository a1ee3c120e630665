"""The deferred peewee database, the base model and the list of every model."""
import importlib
from datetime import UTC, datetime
from pathlib import Path

import click
from peewee import DatabaseProxy, Model, PostgresqlDatabase, SqliteDatabase, sort_models
from playhouse.db_url import parse
from playhouse.migrations import Runner

db = DatabaseProxy()

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": "normal"}

# Every feature that owns tables lists its models module here.
MODEL_MODULES = (
    "portal.candidates.models",
    "portal.auth.models",
    "portal.audit.models",
    "portal.mail.models",
    "portal.documents.models",
    "portal.consent.models",
    "portal.booking.models",
)


def utcnow():
    """Now in UTC, naive: the database stores UTC and Babel shows Europe/Oslo."""
    return datetime.now(UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


def all_models():
    """Every model of every feature, parents before children."""
    found = []
    for name in MODEL_MODULES:
        module = importlib.import_module(name)
        found += [v for v in vars(module).values()
                  if isinstance(v, type) and issubclass(v, BaseModel) and v is not BaseModel
                  and v.__module__ == name]
    return sort_models(found)


def make_database(url):
    """A peewee database for DATABASE_URL: SQLite with WAL, or PostgreSQL."""
    if url.startswith("sqlite:"):
        path = url.split(":///", 1)[1] if ":///" in url else ":memory:"
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # BEGIN IMMEDIATE: a write transaction takes the lock up front, so a read-then-write
        # never fails with "database is locked" under concurrent requests.
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                              lock_type="IMMEDIATE")
    if url.startswith(("postgres:", "postgresql:")):
        params = parse(url)
        return PostgresqlDatabase(**params)
    raise ValueError(f"Unsupported DATABASE_URL scheme: {url.split(':', 1)[0]}")


def migrate():
    """Apply every pending migration; returns the names applied."""
    with db.connection_context():
        return Runner(db.obj, directory=str(MIGRATIONS)).up()


def init_app(app):
    db.initialize(make_database(app.config["DATABASE_URL"]))

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()

    @app.cli.group("db")
    def db_cli():
        """Database schema."""

    @db_cli.command("migrate")
    def migrate_command():
        """Apply pending migrations."""
        applied = migrate()
        click.echo("\n".join(f"applied: {n}" for n in applied) or "database is up to date")

    @db_cli.command("generate")
    @click.argument("name")
    def generate_command(name):
        """Write a migration from the difference between models and database."""
        from playhouse.migrations import template
        from playhouse.schema_diff import diff_models
        with db.connection_context():
            diff = diff_models(db.obj, all_models())
            if not diff:
                click.echo("schema matches models")
                return
            click.echo(Runner(db.obj, directory=str(MIGRATIONS)).create(name, body=template(diff)))
