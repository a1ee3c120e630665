"""Candidate area: profile rows, evaluations, documents, consents and e-mailed account tokens.

Time defaults (utcnow) are set by the models, not by the database."""
from peewee import *


def up(migrator, db):
    class Person(Model):
        class Meta:
            database = db
            table_name = 'person'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class AccountToken(Model):
        purpose = CharField(max_length=20)
        token_hash = CharField(unique=True, max_length=64)
        email = CharField(max_length=254)
        name = CharField(max_length=200, default='')
        user = ForeignKeyField(User, null=True, on_delete='CASCADE')
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'account_token'
    db.create_tables([AccountToken])

    class Certificate(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        title = CharField(max_length=200)
        issuer = CharField(max_length=200, default='')
        valid_until = DateField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'certificate'
    db.create_tables([Certificate])

    class Consent(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        purpose = CharField(max_length=64)
        given = BooleanField()
        policy_version = CharField(max_length=20)
        at = DateTimeField()
        how = CharField(max_length=64)
        class Meta:
            database = db
            table_name = 'consent'
            indexes = ((('person', 'purpose', 'at'), False),)
    db.create_tables([Consent])

    class Document(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        kind = CharField(index=True, max_length=16)
        storage_id = CharField(unique=True, max_length=64)
        filename = CharField(max_length=100)
        content_type = CharField(max_length=100)
        size = IntegerField()
        uploaded_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'document'
    db.create_tables([Document])

    class Evaluation(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        kind = CharField(max_length=100)
        summary = TextField(default='')
        result = TextField(default='')
        recorded_by = IntegerField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'evaluation'
    db.create_tables([Evaluation])

    class JobNote(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        job = CharField(max_length=200)
        text = TextField()
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'job_note'
    db.create_tables([JobNote])

    class LanguageSkill(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        language = CharField(max_length=100)
        level = CharField(max_length=2)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'language_skill'
    db.create_tables([LanguageSkill])

    class Profile(Model):
        person = ForeignKeyField(Person, unique=True, on_delete='CASCADE')
        birth_date = DateField(null=True)
        marital_status = CharField(max_length=32, default='')
        gender = CharField(max_length=32, default='')
        nationality = CharField(max_length=100, default='')
        available_from = DateField(null=True)
        availability = CharField(max_length=200, default='')
        salary_expectation = IntegerField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'profile'
    db.create_tables([Profile])

    class Qualification(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        title = CharField(max_length=200)
        institution = CharField(max_length=200, default='')
        completed_on = DateField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'qualification'
    db.create_tables([Qualification])

    class Reference(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        name = CharField(max_length=200)
        relation = CharField(max_length=200, default='')
        email = CharField(max_length=254, default='')
        phone = CharField(max_length=32, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'reference'
    db.create_tables([Reference])

    class WorkExperience(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        employer = CharField(max_length=200)
        title = CharField(max_length=200)
        started_on = DateField(null=True)
        ended_on = DateField(null=True)
        description = TextField(default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'work_experience'
    db.create_tables([WorkExperience])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('work_experience'))
    migrator.migrate(migrator.drop_table('reference'))
    migrator.migrate(migrator.drop_table('qualification'))
    migrator.migrate(migrator.drop_table('profile'))
    migrator.migrate(migrator.drop_table('language_skill'))
    migrator.migrate(migrator.drop_table('job_note'))
    migrator.migrate(migrator.drop_table('evaluation'))
    migrator.migrate(migrator.drop_table('document'))
    migrator.migrate(migrator.drop_table('consent'))
    migrator.migrate(migrator.drop_table('certificate'))
    migrator.migrate(migrator.drop_table('account_token'))
