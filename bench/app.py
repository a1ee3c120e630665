"""The portal as `make bench` serves it under gunicorn, with one endpoint of its own.

`POST /bench/insert` inserts one row in a transaction and answers 204: the least a request
that writes can do on the same stack (gunicorn, Flask, the portal's hooks, CSRF, the
database). The booking requests are measured against it. It exists only in this app, never in
the portal's (app.py).

Settings come from the environment, as in production (bench/__main__.py sets them); only the
limits that would stop one client from making thousands of bookings are lifted.
"""
from flask import Blueprint
from peewee import CharField, DateTimeField, Model

from portal import create_app
from portal.auth.guard import public
from portal.config import Config
from portal.db import db, utcnow


class BenchModel(Model):
    """The bench's own tables, in its own database; not the portal's models (portal.db)."""
    class Meta:
        database = db
        legacy_table_names = False


class BenchMarker(BenchModel):
    """Its presence says that the bench created this database, so it may empty it."""
    created_at = DateTimeField(default=utcnow)


class BenchRow(BenchModel):
    """The rows the bare endpoint inserts."""
    note = CharField(max_length=40)
    created_at = DateTimeField(default=utcnow)


BENCH_MODELS = [BenchMarker, BenchRow]

bp = Blueprint("bench", __name__)


@bp.route("/bench/insert", methods=["POST"])
@public
def insert():
    """Insert one row in a transaction: the yardstick of a request that writes."""
    with db.atomic():
        BenchRow.create(note="bare insert")
    return "", 204


class BenchConfig(Config):
    # One client makes thousands of bookings from one address: lift the limits on that only.
    BOOKING_LIMIT = "1000000 per minute"
    PENDING_PER_IP = 10 ** 9
    PENDING_PER_ADDRESS = 10 ** 9


def create_bench_app(config=BenchConfig):
    app = create_app(config)
    app.register_blueprint(bp)
    return app
