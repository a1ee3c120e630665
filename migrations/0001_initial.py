"""Initial schema: people, logins and their sessions, the audit trail, the e-mail outbox.

Time defaults (utcnow) are set by the models, not by the database."""
from peewee import *


def up(migrator, db):
    class AuditEvent(Model):
        at = DateTimeField(index=True)
        actor_id = IntegerField(null=True)
        actor_role = CharField(max_length=16, default='anonymous')
        action = CharField(index=True, max_length=64)
        person_id = IntegerField(index=True, null=True)
        details = TextField(default='{}')
        prev_hash = CharField(max_length=64)
        hash = CharField(unique=True, max_length=64)
        class Meta:
            database = db
            table_name = 'audit_event'
    db.create_tables([AuditEvent])

    class Person(Model):
        name = CharField(max_length=200)
        street = CharField(max_length=200, default='')
        postal_code = CharField(max_length=20, default='')
        place = CharField(max_length=100, default='')
        country = CharField(max_length=2, default='NO')
        email = CharField(unique=True, max_length=254)
        phone = CharField(max_length=32, default='')
        stage = CharField(max_length=16, default='booking')
        locale = CharField(max_length=5, default='nb')
        last_contact_at = DateTimeField(index=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'person'
    db.create_tables([Person])

    class User(Model):
        email = CharField(unique=True, max_length=254)
        password_hash = CharField()
        role = CharField(max_length=16, default='candidate')
        person = ForeignKeyField(Person, null=True, on_delete='SET NULL')
        active = BooleanField(default=True)
        created_at = DateTimeField()
        last_login_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])

    class LoginSession(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        token_hash = CharField(unique=True, max_length=64)
        created_at = DateTimeField()
        last_seen_at = DateTimeField()
        fresh_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'login_session'
    db.create_tables([LoginSession])

    class Outbox(Model):
        person = ForeignKeyField(Person, null=True, on_delete='CASCADE')
        to = CharField(max_length=254)
        subject = CharField()
        body_text = TextField()
        body_html = TextField(default='')
        attachments = TextField(default='[]')
        created_at = DateTimeField(index=True)
        sent_at = DateTimeField(index=True, null=True)
        attempts = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'outbox'
    db.create_tables([Outbox])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('outbox'))
    migrator.migrate(migrator.drop_table('login_session'))
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('person'))
    migrator.migrate(migrator.drop_table('audit_event'))
