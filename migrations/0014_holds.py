"""Corrections, erasures and legal holds (issue 14): the values a correction proposes and the
statements beside evaluations; legal holds and what an erasure kept under them. Defaults of
time columns (utcnow) are set by the models."""
from peewee import *

from portal.db import IdField  # never gives a deleted row's id again (SQLite AUTOINCREMENT)


def up(migrator, db):
    class Evaluation(Model):
        class Meta:
            database = db
            table_name = 'evaluation'

    class Person(Model):
        class Meta:
            database = db
            table_name = 'person'

    class PrivacyRequest(Model):
        class Meta:
            database = db
            table_name = 'privacy_request'

    class LegalHold(Model):
        id = IdField()
        person_id = IntegerField(index=True)
        reason = TextField()
        covers = TextField()
        ends_on = DateField(index=True)
        placed_by = IntegerField(null=True)
        placed_at = DateTimeField()
        changed_at = DateTimeField(null=True)
        ended_at = DateTimeField(index=True, null=True)
        ended_by = IntegerField(null=True)
        version = IntegerField(default=0)
        tombstone = IntegerField(null=True)
        email_hash = CharField(index=True, max_length=64, default='')
        class Meta:
            database = db
            table_name = 'legal_hold'
    db.create_tables([LegalHold])

    class HeldData(Model):
        id = IdField()
        hold = ForeignKeyField(LegalHold, on_delete='CASCADE')
        person_id = IntegerField(index=True)
        category = CharField(max_length=40)
        model = CharField(max_length=40)
        row_id = IntegerField()
        fields = TextField()
        storage_id = CharField(null=True, max_length=64)
        kept_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'held_data'
    db.create_tables([HeldData])

    class ProposedValue(Model):
        id = IdField()
        request = ForeignKeyField(PrivacyRequest, on_delete='CASCADE')
        target = CharField(max_length=80)
        value = TextField()
        decision = CharField(max_length=16, default='pending')
        reason = TextField(default='')
        decided_at = DateTimeField(null=True)
        decided_by = IntegerField(null=True)
        told = TextField(default='[]')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'proposed_value'
    db.create_tables([ProposedValue])

    class Statement(Model):
        id = IdField()
        person = ForeignKeyField(Person, on_delete='CASCADE')
        evaluation = ForeignKeyField(Evaluation, on_delete='CASCADE')
        text = TextField()
        request = IntegerField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'statement'
    db.create_tables([Statement])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('statement'))
    migrator.migrate(migrator.drop_table('proposed_value'))
    migrator.migrate(migrator.drop_table('held_data'))
    migrator.migrate(migrator.drop_table('legal_hold'))
