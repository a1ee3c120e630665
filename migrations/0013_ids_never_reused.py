"""Ids are never given twice. SQLite gave a table without AUTOINCREMENT the largest id again
once its row was deleted: after an erasure, the next booking took the erased booking's id, and
with it the erased person's cancel and move links; the next person took their id, and with it
their audit trail. Every table is rebuilt with INTEGER PRIMARY KEY AUTOINCREMENT (rows, links
and indexes as they were), counting on from the largest id it holds or that the audit trail
names (a row erased before this migration is named there). PostgreSQL's sequences never go
back: nothing to do there.
"""
import re

from peewee import *

ID = re.compile(r'"id" INTEGER NOT NULL PRIMARY KEY(?! AUTOINCREMENT)')

# Ids the audit trail keeps of rows that may be gone: (table, SQL giving the largest).
NAMED_BY_THE_TRAIL = (
    ("person", "SELECT MAX(person_id) FROM audit_event"),
    ("user", "SELECT MAX(actor_id) FROM audit_event"),
) + tuple(
    (table, f"SELECT MAX(CAST(json_extract(details, '$.{key}') AS INTEGER)) FROM audit_event "
            f"WHERE json_valid(details)")
    for table, keys in (("booking", ("booking", "moved_to")), ("user", ("user",)),
                        ("privacy_request", ("request", "joined")), ("document", ("document",)),
                        ("evaluation", ("evaluation",)), ("login_session", ("session",)),
                        ("consultant", ("consultant",)), ("tombstone", ("tombstone",)))
    for key in keys)


def up(migrator, db):
    if not isinstance(db, SqliteDatabase):
        return  # PostgreSQL: sequences never give an id twice
    sql = db.execute_sql
    broken_before = set(sql("PRAGMA foreign_key_check").fetchall())
    tables = sql("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                 "'sqlite_%' AND name != 'schema_migration' ORDER BY name").fetchall()
    # Runs with foreign keys off (the SQLite migrator turns them off, in one transaction):
    # each table is copied into a new one, dropped, and the new one renamed to its name;
    # other tables' references name the table, so they hold.
    for table, create in tables:
        if not ID.search(create):
            continue
        indexes = [i for (i,) in sql("SELECT sql FROM sqlite_master WHERE type = 'index' AND "
                                     "tbl_name = ? AND sql IS NOT NULL", (table,)).fetchall()]
        new = f"{table}__autoincrement"
        rebuilt = ID.sub('"id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT', create, count=1)
        rebuilt = re.sub(r'^CREATE TABLE (IF NOT EXISTS )?"?%s"?' % re.escape(table),
                         f'CREATE TABLE "{new}"', rebuilt, count=1)
        sql(rebuilt)
        sql(f'INSERT INTO "{new}" SELECT * FROM "{table}"')
        sql(f'DROP TABLE "{table}"')
        sql(f'ALTER TABLE "{new}" RENAME TO "{table}"')
        for index in indexes:
            sql(index)
    present = {t for t, _ in tables}
    highest = {}
    for table, query in NAMED_BY_THE_TRAIL:
        if table in present and "audit_event" in present:
            value = sql(query).fetchone()[0]
            highest[table] = max(highest.get(table, 0), value or 0)
    for table, value in highest.items():
        held = sql("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
        if held is None:
            sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, value))
        elif held[0] < value:
            sql("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (value, table))
    broken = set(sql("PRAGMA foreign_key_check").fetchall()) - broken_before
    if broken:
        raise RuntimeError(f"rows whose links no longer hold: {sorted(broken)[:5]}")


def down(migrator, db):
    pass  # AUTOINCREMENT only keeps ids from coming back; nothing to undo
