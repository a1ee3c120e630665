"""The migrations build exactly the schema the models describe."""
from portal.schema import schema_diff


def test_migrated_schema_matches_the_models(db):
    diff = schema_diff(db.obj)
    assert not diff, f"models and migrations differ; run `flask --app app db generate NAME`:\n{diff}"


def test_typed_copies_from_unproven_bookings_are_deleted_by_the_proven_address_migration(tmp_path):
    """Before codes, anyone could book with anyone's address: those typed copies are not offered."""
    from datetime import datetime

    from playhouse.migrations import Runner

    from portal.db import make_database
    from portal.schema import MIGRATIONS
    database = make_database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    runner = Runner(database, directory=str(MIGRATIONS))
    assert runner.up(target="0003_candidates")
    now = datetime(2026, 11, 1, 9, 0)
    database.execute_sql(
        "INSERT INTO person (name, street, postal_code, place, country, email, phone, stage, "
        "locale, last_contact_at, created_at, updated_at) VALUES ('Kari', '', '', '', 'NO', "
        "'kari@example.no', '', 'booking', 'nb', ?, ?, ?)", (now, now, now))
    database.execute_sql(
        "INSERT INTO consultant (name, email, active, created_at) "
        "VALUES ('Ingrid', 'i@example.no', 1, ?)", (now,))
    database.execute_sql(
        "INSERT INTO booking (person_id, consultant_id, starts_at, ends_at, kind, place, status, "
        "locale, typed_name, typed_phone, created_at, updated_at) "
        "VALUES (1, 1, ?, ?, 'meeting', 'video', 'booked', 'nb', 'Mallory', '+4799887766', ?, ?)",
        (now, now, now, now))
    assert runner.up(target="0004_verification") == ["0004_verification"]
    assert database.execute_sql(
        "SELECT typed_name, typed_phone, status FROM booking").fetchall() == [(None, None, "booked")]
    database.close()
