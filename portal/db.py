"""The deferred peewee database and the base model; portal/schema.py knows every model."""
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from peewee import SQL, AutoField, DatabaseProxy, Model, NodeList, PostgresqlDatabase, SqliteDatabase, Value, fn
from playhouse.db_url import parse
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

from portal.private_files import create_private, private_dir

db = DatabaseProxy()

# secure_delete: deleted values are overwritten, not left readable in free pages of the file.
SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": "normal",
                  "secure_delete": 1}
# Connections are kept open between requests, in a pool per process (gunicorn worker, RQ work
# horse): opening a PostgreSQL connection took about a third of a short request, and the last
# SQLite connection to close checkpoints and deletes the WAL, which the next request re-creates.
# A connection unused for POOL_STALE_SECONDS is closed rather than reused.
POOL_MAX_CONNECTIONS = 32
POOL_STALE_SECONDS = 300


OSLO = ZoneInfo("Europe/Oslo")


def utcnow():
    """Now in UTC, naive: the database stores UTC and Babel shows Europe/Oslo."""
    return datetime.now(UTC).replace(tzinfo=None)


def oslo_date(stored):
    """The Oslo calendar date of a stored (naive UTC) time."""
    return stored.replace(tzinfo=UTC).astimezone(OSLO).date()


def oslo_midnight(day):
    """The start of an Oslo calendar date, as a stored (naive UTC) time."""
    return datetime.combine(day, datetime.min.time(), OSLO).astimezone(UTC).replace(tzinfo=None)


def any_of(column, values):
    """`column IN values` as one query parameter, however many values: set-based work over
    thousands of ids or addresses without building (and parsing) thousands of placeholders."""
    values = list(values)
    if isinstance(db.obj, PostgresqlDatabase):
        return column == fn.ANY(Value(values, converter=list, unpack=False))
    return column.in_(SQL("(SELECT value FROM json_each(?))", [json.dumps(values)]))


def checkpoint():
    """On SQLite, copy the write-ahead log into the file and empty it: with secure_delete on,
    values just deleted or overwritten are then gone everywhere SQLite keeps them."""
    if isinstance(db.obj, SqliteDatabase):
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


class IdField(AutoField):
    """The id of every table: never given twice, whatever was deleted.

    SQLite gives a plain INTEGER PRIMARY KEY the largest id again once its row is deleted (an
    erased person's booking id to the next booking, and with it their e-mailed links, a
    browser's session, their audit trail); AUTOINCREMENT makes it keep counting. PostgreSQL's
    sequences never go back. Tables made before this had their ids rebuilt by migration 0013.
    """

    def ddl(self, ctx):
        column = super().ddl(ctx)
        database = self.model._meta.database
        if isinstance(database, DatabaseProxy):
            database = database.obj
        if isinstance(database, SqliteDatabase):
            return NodeList((column, SQL("AUTOINCREMENT")))
        return column


class BaseModel(Model):
    id = IdField()

    class Meta:
        database = db
        legacy_table_names = False


def make_database(url):
    """A peewee database for DATABASE_URL: SQLite with WAL, or PostgreSQL."""
    if url.startswith("sqlite:"):
        path = url.split(":///", 1)[1] if ":///" in url else ":memory:"
        if path != ":memory:":
            # Made 0600 before SQLite opens it; SQLite gives its -wal and -shm the same mode.
            private_dir(Path(path).parent)
            create_private(path)
        # BEGIN IMMEDIATE: a write transaction takes the lock up front, so a read-then-write
        # never fails with "database is locked" under concurrent requests.
        options = dict(pragmas=SQLITE_PRAGMAS, check_same_thread=False, lock_type="IMMEDIATE")
        if path == ":memory:":  # one database per connection: nothing to keep
            return SqliteDatabase(path, **options)
        return PooledSqliteDatabase(path, max_connections=POOL_MAX_CONNECTIONS,
                                    stale_timeout=POOL_STALE_SECONDS, timeout=10, **options)
    if url.startswith(("postgres:", "postgresql:")):
        return PooledPostgresqlDatabase(**parse(url), max_connections=POOL_MAX_CONNECTIONS,
                                        stale_timeout=POOL_STALE_SECONDS, timeout=10)
    raise ValueError(f"Unsupported DATABASE_URL scheme: {url.split(':', 1)[0]}")


def is_postgres(database=None):
    """Whether the database (default: the portal's) is PostgreSQL, pooled or not."""
    database = database if database is not None else db.obj
    return isinstance(database, PostgresqlDatabase)


def init_app(app):
    db.initialize(make_database(app.config["DATABASE_URL"]))
    app.extensions["peewee"] = db

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()
