"""Staff workspace (issue 15): search keys on Person for keyset-paged prefix search (and, on
PostgreSQL, trigram indexes for substring search), when a booking was marked (and the retention
clock before, for an undo), the date and the last change of an evaluation, availability and
salary as noted by staff, and each opening of a person's record. Time defaults (utcnow) are set
by the models."""
from peewee import *

from portal.people.models import name_key, phone_key


def up(migrator, db):
    class Person(Model):
        class Meta:
            database = db
            table_name = 'person'

    class NotedAvailability(Model):
        person = ForeignKeyField(Person, unique=True, on_delete='CASCADE')
        available_from = DateField(null=True)
        availability = CharField(max_length=200, default='')
        salary = IntegerField(null=True)
        noted_by = IntegerField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'noted_availability'

    class RecordView(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        at = DateTimeField()
        role = CharField(max_length=16)
        purpose = CharField(max_length=32)
        class Meta:
            database = db
            table_name = 'record_view'
    db.create_tables([NotedAvailability, RecordView])

    migrator.migrate(migrator.add_column('person', 'name_key', CharField(max_length=255, default='')))
    migrator.migrate(migrator.add_column('person', 'phone_key', CharField(max_length=255, default='')))
    # The keys of people already held, computed as Person.insert/update compute them.
    rows = db.execute_sql('SELECT id, name, phone FROM person').fetchall()
    for start in range(0, len(rows), 1000):
        for pk, name, phone in rows[start:start + 1000]:
            db.execute_sql('UPDATE person SET name_key = %s, phone_key = %s WHERE id = %s'
                           .replace('%s', db.param), (name_key(name), phone_key(phone), pk))
    migrator.migrate(migrator.add_column('booking', 'marked_at', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('booking', 'contact_before', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('evaluation', 'held_on', DateField(null=True)))
    migrator.migrate(migrator.add_column('evaluation', 'updated_at', DateTimeField(null=True)))
    db.execute_sql('UPDATE evaluation SET updated_at = created_at')
    migrator.migrate(migrator.add_not_null('evaluation', 'updated_at'))
    # Marked meetings before this migration: their last change is when they were marked.
    db.execute_sql("UPDATE booking SET marked_at = updated_at WHERE status IN ('attended', 'no_show')")

    if isinstance(db, PostgresqlDatabase):
        # Search compares these byte by byte (prefix ranges in index order, whatever the
        # database's collation); e-mail addresses are stored lower-case, so nothing else changes.
        db.execute_sql('ALTER TABLE person ALTER COLUMN email TYPE varchar(254) COLLATE "C"')
        db.execute_sql('ALTER TABLE person ALTER COLUMN name_key TYPE varchar(255) COLLATE "C"')
        db.execute_sql('ALTER TABLE person ALTER COLUMN phone_key TYPE varchar(255) COLLATE "C"')
    migrator.migrate(migrator.add_index('person', ('name_key', 'id')))
    migrator.migrate(migrator.add_index('person', ('phone_key', 'id')))

    if isinstance(db, PostgresqlDatabase):
        try:
            with db.atomic():
                db.execute_sql('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        except ProgrammingError as exc:
            raise RuntimeError(
                'Staff search needs the pg_trgm extension, which this database user may not '
                'create. Run `CREATE EXTENSION pg_trgm;` in this database as a superuser (or '
                'the database owner), then migrate again.') from exc
        # fastupdate off: a new person goes straight into the index instead of a pending list
        # that every search would read through until the next vacuum.
        db.execute_sql('CREATE INDEX person_name_key_trgm ON person USING gin '
                       '(name_key gin_trgm_ops) WITH (fastupdate = off)')
        db.execute_sql('CREATE INDEX person_email_trgm ON person USING gin '
                       '(email gin_trgm_ops) WITH (fastupdate = off)')


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql('DROP INDEX IF EXISTS person_email_trgm')
        db.execute_sql('DROP INDEX IF EXISTS person_name_key_trgm')
        db.execute_sql('ALTER TABLE person ALTER COLUMN email TYPE varchar(254) COLLATE "default"')
    migrator.migrate(migrator.drop_index('person', 'person_phone_key_id'))
    migrator.migrate(migrator.drop_index('person', 'person_name_key_id'))
    migrator.migrate(migrator.drop_column('evaluation', 'updated_at'))
    migrator.migrate(migrator.drop_column('evaluation', 'held_on'))
    migrator.migrate(migrator.drop_column('booking', 'contact_before'))
    migrator.migrate(migrator.drop_column('booking', 'marked_at'))
    migrator.migrate(migrator.drop_column('person', 'phone_key'))
    migrator.migrate(migrator.drop_column('person', 'name_key'))
    migrator.migrate(migrator.drop_table('record_view'))
    migrator.migrate(migrator.drop_table('noted_availability'))
