"""`make bench` creates its own data, and refuses to run where data of someone else's is."""
import pytest

from bench.__main__ import REDIS_MARKER, Refused, prepare_postgres, prepare_redis
from portal.db import is_postgres
from tests.conftest import TEST_REDIS_URL


def test_the_bench_refuses_a_redis_database_with_keys_it_did_not_write(queue):
    queue.connection.set("someone:else", "1")
    with pytest.raises(Refused, match="holds 1 keys the bench did not write"):
        prepare_redis(TEST_REDIS_URL)
    assert queue.connection.get("someone:else") == b"1"  # untouched


def test_the_bench_empties_a_redis_database_it_marked(queue):
    queue.connection.set(REDIS_MARKER, "1")
    queue.connection.set("rq:job:email-1", "left by an earlier run")
    prepare_redis(TEST_REDIS_URL)
    assert queue.connection.keys() == [REDIS_MARKER.encode()]


def test_the_bench_refuses_a_postgresql_database_with_tables_it_did_not_create(db, database_url):
    if not is_postgres():
        pytest.skip("PostgreSQL only: the bench's SQLite file is always a new one")
    with pytest.raises(Refused, match="holds tables the bench did not create"):
        prepare_postgres(database_url)
    assert "person" in db.get_tables()  # untouched
