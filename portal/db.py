"""The deferred peewee database and the base model; portal/schema.py knows every model."""
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Callable, NamedTuple
from zoneinfo import ZoneInfo

from peewee import (
    SQL,
    AutoField,
    DatabaseProxy,
    Insert,
    Model,
    ModelSelect,
    Node,
    NodeList,
    PostgresqlDatabase,
    SqliteDatabase,
    Value,
    fn,
)
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


class Bound(Node):
    """A value given each time a prepared statement runs: `Booking.id == Bound("id")`.

    In a comparison it takes the conversion of the field on its left, as a plain value would;
    elsewhere (an INSERT's values) name the field: `Bound("to", Outbox.to)`."""

    def __init__(self, name, field=None):
        super().__init__()
        self.name, self.field = name, field

    def __sql__(self, ctx):
        convert = self.field.db_value if self.field is not None else ctx.state.converter
        ctx._values.append(_Slot(self.name, convert))
        return ctx.literal(ctx.state.param or "?")


class _Slot(NamedTuple):
    name: str
    convert: Callable | None


class Prepared:
    """A statement on the hot path whose SQL is built once per kind of database, then run with
    new values: peewee builds a query's SQL from its expression tree on every call, which was
    a third of a booking request (docs/PERFORMANCE.md). `build()` returns a peewee query with a
    `Bound(name)` for each value that changes; constants stay constants."""

    def __init__(self, build):
        self.build = build
        self._built = {}

    def _statement(self):
        kind = type(db.obj)
        built = self._built.get(kind)
        if built is None:
            query = self.build()
            if (isinstance(query, Insert) and not query._as_rowcount and query._returning is None
                    and db.obj.returning_clause):
                query._returning = query._pk_returning()  # as Insert.execute() does
            sql, params = db.obj.get_sql_context().sql(query).query()
            built = self._built[kind] = (query, sql, params)
        return built

    def _run(self, values):
        query, sql, params = self._statement()
        bound = []
        for param in params:
            if isinstance(param, _Slot):
                value = values[param.name]
                param = param.convert(value) if param.convert else value
            bound.append(param)
        return query, db.execute_sql(sql, bound)

    def rows(self, **values):
        """A SELECT's rows, as the query would give them (model instances, tuples, ...)."""
        query, cursor = self._run(values)
        return list(query._get_cursor_wrapper(cursor))

    def first(self, **values):
        rows = self.rows(**values)
        return rows[0] if rows else None

    def execute(self, **values):
        """An INSERT's new id, or the number of rows an UPDATE or DELETE changed."""
        query, cursor = self._run(values)
        if isinstance(query, ModelSelect):
            raise TypeError("use rows() or first() for a SELECT")
        if query._returning:
            cursor = query._get_cursor_wrapper(cursor)
        return query.handle_result(db.obj, cursor)


def prepared_insert(model):
    """A prepared INSERT of every column of the model but its id: `create(**values)` makes the
    instance as `model.create` would (defaults filled in) and returns it, with its id."""
    fields = [f for f in model._meta.sorted_fields if f is not model._meta.primary_key]
    statement = Prepared(lambda: model.insert({f: Bound(f.name, f) for f in fields}))

    def create(**values):
        instance = model(**values)
        instance.id = statement.execute(**{f.name: instance.__data__.get(f.name) for f in fields})
        instance._dirty.clear()
        return instance
    return create

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
