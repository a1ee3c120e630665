"""Prepared statements (portal/db.py): the SQL built once, each run with its own values, giving
what the same peewee query gives, on SQLite and PostgreSQL."""
from datetime import date, datetime, time, timedelta

import pytest

from portal.booking.models import AvailabilityException, Consultant, WeeklyHours
from portal.db import Bound, Prepared, prepared_insert, utcnow

ACTIVE_BY_ID = Prepared(lambda: Consultant.select().where(Consultant.id == Bound("id"),
                                                         Consultant.active == Bound("active")))
EXCEPTIONS = Prepared(lambda: AvailabilityException.select().where(
    AvailabilityException.consultant == Bound("consultant"),
    AvailabilityException.on.between(Bound("first"), Bound("last"))).order_by(AvailabilityException.on))
RENAME = Prepared(lambda: Consultant.update(name=Bound("name", Consultant.name)).where(
    Consultant.id == Bound("id")))
new_consultant = prepared_insert(Consultant)


def test_a_prepared_select_gives_what_the_query_gives_for_each_set_of_values(db):
    ann = Consultant.create(name="Ann", email="ann@example.no")
    off = Consultant.create(name="Off", email="off@example.no", active=False)
    for person in (ann, off):
        for active in (True, False):
            expected = list(Consultant.select().where(Consultant.id == person.id,
                                                      Consultant.active == active))
            got = ACTIVE_BY_ID.rows(id=person.id, active=active)
            assert [(c.id, c.name, c.active) for c in got] == [(c.id, c.name, c.active) for c in expected]
    assert ACTIVE_BY_ID.first(id=off.id, active=True) is None
    assert ACTIVE_BY_ID.first(id=ann.id, active=True).name == "Ann"


def test_dates_and_foreign_keys_are_converted_as_peewee_converts_them(db):
    ann = Consultant.create(name="Ann", email="ann@example.no")
    for day in (date(2026, 1, 30), date(2026, 2, 2), date(2026, 3, 1)):
        AvailabilityException.create(consultant=ann, on=day, kind="off")
    got = EXCEPTIONS.rows(consultant=ann.id, first=date(2026, 1, 31), last=date(2026, 3, 1))
    assert [x.on for x in got] == [date(2026, 2, 2), date(2026, 3, 1)]
    assert all(x.consultant_id == ann.id for x in got)


def test_a_prepared_insert_fills_defaults_returns_the_id_and_the_row_reads_back(db):
    before = utcnow()
    made = new_consultant(name="Bo", email="bo@example.no")
    again = new_consultant(name="Cy", email="cy@example.no", active=False)
    assert made.id and again.id and made.id != again.id
    row = Consultant.get_by_id(made.id)
    assert (row.name, row.email, row.active, row.video_url) == ("Bo", "bo@example.no", True, None)
    assert before - timedelta(seconds=1) <= row.created_at <= utcnow()
    assert Consultant.get_by_id(again.id).active is False
    WeeklyHours.create(consultant=made, weekday=0, starts=time(9), ends=time(10))


def test_a_prepared_update_returns_the_rows_changed_and_hostile_text_stays_a_value(db):
    ann = Consultant.create(name="Ann", email="ann@example.no")
    hostile = "Robert'); DROP TABLE consultant;-- %s ? $1 \\ \u202e"
    assert RENAME.execute(name=hostile, id=ann.id) == 1
    assert RENAME.execute(name="Nobody", id=ann.id + 1000) == 0
    assert Consultant.get_by_id(ann.id).name == hostile
    assert Consultant.select().count() == 1


def test_a_value_left_out_is_an_error_not_a_null(db):
    with pytest.raises(KeyError):
        ACTIVE_BY_ID.rows(id=1)
    with pytest.raises(TypeError):
        ACTIVE_BY_ID.execute(id=1, active=True)


def test_datetimes_round_trip(db):
    at = datetime(2026, 11, 25, 22, 30, 15, 123456)
    made = new_consultant(name="Di", email="di@example.no", created_at=at)
    assert Consultant.get_by_id(made.id).created_at == at
