"""Retention: each run's counts, the notices sent before a deletion (one per person and
deadline), and files waiting to be removed after their rows went. Time defaults (utcnow) are
set by the models."""
from peewee import *

# TODO: created_at: default <function utcnow at 0x7fd46e773600> must be added by hand
# TODO: sent_at: default <function utcnow at 0x7fd46e773600> must be added by hand
# TODO: started_at: default <function utcnow at 0x7fd46e773600> must be added by hand

def up(migrator, db):
    class Person(Model):
        class Meta:
            database = db
            table_name = 'person'

    class PendingFileDeletion(Model):
        storage_id = CharField(unique=True, max_length=64)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'pending_file_deletion'
    db.create_tables([PendingFileDeletion])

    class RetentionNotice(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        deadline = DateField()
        sent_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'retention_notice'
            indexes = ((('person', 'deadline'), True),)
    db.create_tables([RetentionNotice])

    class RetentionRun(Model):
        pace = CharField(max_length=8)
        today = DateField()
        started_at = DateTimeField(index=True)
        finished_at = DateTimeField(null=True)
        counts = TextField(default='{}')
        errors = TextField(default='[]')
        class Meta:
            database = db
            table_name = 'retention_run'
    db.create_tables([RetentionRun])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('retention_run'))
    migrator.migrate(migrator.drop_table('retention_notice'))
    migrator.migrate(migrator.drop_table('pending_file_deletion'))
