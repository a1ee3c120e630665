"""Privacy requests and the copies of a person's data made for access requests. Time defaults
(utcnow) are set by the models."""
from peewee import *


def up(migrator, db):
    class Challenge(Model):
        class Meta:
            database = db
            table_name = 'challenge'

    class Person(Model):
        class Meta:
            database = db
            table_name = 'person'

    class PrivacyRequest(Model):
        token = CharField(unique=True, max_length=64)
        kind = CharField(max_length=16)
        status = CharField(index=True, max_length=16, default='received')
        person = ForeignKeyField(Person, null=True, on_delete='SET NULL')
        name = CharField(max_length=200)
        email = CharField(index=True, max_length=254)
        details = TextField(default='')
        locale = CharField(max_length=5, default='nb')
        challenge = ForeignKeyField(Challenge, null=True, on_delete='SET NULL')
        ip_key = CharField(index=True, max_length=64, default='')
        received_at = DateTimeField(index=True)
        verified_at = DateTimeField(null=True)
        verified_how = CharField(max_length=16, default='')
        started_at = DateTimeField(null=True)
        first_due_on = DateField()
        due_on = DateField(index=True)
        extended_at = DateTimeField(null=True)
        extension_reason = TextField(default='')
        closed_at = DateTimeField(index=True, null=True)
        answer = TextField(default='')
        nothing_held = BooleanField(default=False)
        decided_by = IntegerField(null=True)
        version = IntegerField(default=0)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'privacy_request'
    db.create_tables([PrivacyRequest])

    class AccessExport(Model):
        request = ForeignKeyField(PrivacyRequest, unique=True, on_delete='CASCADE')
        person = ForeignKeyField(Person, null=True, on_delete='SET NULL')
        email = CharField(index=True, max_length=254)
        status = CharField(index=True, max_length=16, default='queued')
        storage_id = CharField(unique=True, null=True, max_length=64)
        size = BigIntegerField(default=0)
        documents = IntegerField(default=0)
        attempts = IntegerField(default=0)
        created_at = DateTimeField()
        started_at = DateTimeField(null=True)
        built_at = DateTimeField(null=True)
        released_at = DateTimeField(null=True)
        expires_at = DateTimeField(index=True, null=True)
        downloaded_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'access_export'
    db.create_tables([AccessExport])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('access_export'))
    migrator.migrate(migrator.drop_table('privacy_request'))
