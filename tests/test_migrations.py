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


def test_ids_are_never_given_twice_after_the_autoincrement_migration(tmp_path):
    """0013 rebuilds every table with AUTOINCREMENT on SQLite, rows, links and indexes kept:
    the id of a row deleted before it (the last booking, person or e-mail) is not given
    again, nor an id the audit trail names."""
    from datetime import datetime

    from playhouse.migrations import Runner

    from portal.db import make_database
    from portal.schema import MIGRATIONS, schema_diff
    database = make_database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    runner = Runner(database, directory=str(MIGRATIONS))
    runner.up(target="0012_booking_overlap_index")
    now = datetime(2026, 11, 1, 9, 0)
    sql = database.execute_sql
    for n in (1, 2, 3):
        sql("INSERT INTO person (name, street, postal_code, place, country, email, phone, stage, "
            "locale, last_contact_at, created_at, updated_at, name_key, phone_key) VALUES "
            "(?, '', '', '', 'NO', ?, '', 'booking', 'nb', ?, ?, ?, '', '')",
            (f"Person {n}", f"p{n}@example.no", now, now, now))
    sql("INSERT INTO consultant (name, email, active, created_at) VALUES ('I', 'i@x.no', 1, ?)", (now,))
    for person in (1, 2):
        sql("INSERT INTO booking (person_id, consultant_id, starts_at, ends_at, kind, place, "
            "status, locale, created_at, updated_at, sequence) VALUES "
            "(?, 1, ?, ?, 'meeting', 'video', 'booked', 'nb', ?, ?, 0)",
            (person, now.replace(hour=9 + person), now, now, now))
    sql("INSERT INTO audit_event (at, actor_role, action, person_id, details) VALUES "
        "(?, 'anonymous', 'booking.created', 5, '{\"booking\": 7}')", (now,))
    sql("DELETE FROM booking WHERE id = 2")
    sql("DELETE FROM person WHERE id = 3")  # the largest ids, erased before the migration
    indexes = sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                  "ORDER BY name").fetchall()

    assert runner.up(target="0013_ids_never_reused") == ["0013_ids_never_reused"]
    assert sql("SELECT id, name FROM person ORDER BY id").fetchall() == [(1, "Person 1"), (2, "Person 2")]
    assert sql("SELECT id, person_id FROM booking").fetchall() == [(1, 1)]
    assert sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
               "ORDER BY name").fetchall() == indexes
    assert sql("PRAGMA foreign_key_check").fetchall() == []
    assert [r[2] for r in sql("PRAGMA foreign_key_list(booking)").fetchall()] == [
        "booking", "consultant", "person"]
    sql("INSERT INTO person (name, street, postal_code, place, country, email, phone, stage, "
        "locale, last_contact_at, created_at, updated_at, name_key, phone_key) VALUES "
        "('Ny', '', '', '', 'NO', 'ny@example.no', '', 'booking', 'nb', ?, ?, ?, '', '')",
        (now, now, now))
    assert sql("SELECT MAX(id) FROM person").fetchone()[0] == 6  # after 5, named by the trail
    sql("INSERT INTO booking (person_id, consultant_id, starts_at, ends_at, kind, place, status, "
        "locale, created_at, updated_at, sequence) VALUES (1, 1, ?, ?, 'meeting', 'video', "
        "'cancelled', 'nb', ?, ?, 0)", (now, now, now, now))
    assert sql("SELECT MAX(id) FROM booking").fetchone()[0] == 8  # after 7, named by the trail
    runner.up()  # the migrations after it
    assert not schema_diff(database)
    database.close()
