"""Staff administration: a second factor for staff (the authenticator app's encrypted secret,
single-use recovery codes, and the moment a session's second factor was given), and an audit
trail that is written without a lock and chained afterwards by a sealing job: `seq` is an
event's place in the chain; prev_hash and hash stay empty until it is sealed. Events chained
before this migration keep their hashes and get their place in id order, the order they were
chained in. Time defaults (utcnow) are set by the models."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class RecoveryCode(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        code_hash = CharField()
        created_at = DateTimeField()
        used_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'recovery_code'
    db.create_tables([RecoveryCode])

    class SecondFactor(Model):
        user = ForeignKeyField(User, unique=True, on_delete='CASCADE')
        secret = TextField()
        created_at = DateTimeField()
        confirmed_at = DateTimeField(null=True)
        last_step = BigIntegerField(null=True)
        class Meta:
            database = db
            table_name = 'second_factor'
    db.create_tables([SecondFactor])

    migrator.migrate(migrator.add_column('login_session', 'second_factor_at', DateTimeField(null=True)))

    migrator.migrate(migrator.add_column('audit_event', 'seq', IntegerField(unique=True, null=True)))
    migrator.migrate(migrator.drop_not_null('audit_event', 'prev_hash'))
    migrator.migrate(migrator.drop_not_null('audit_event', 'hash'))
    ids = [row[0] for row in db.execute_sql(
        'SELECT id FROM audit_event WHERE hash IS NOT NULL ORDER BY id').fetchall()]
    param = db.param
    for seq, event_id in enumerate(ids, start=1):
        db.execute_sql(f'UPDATE audit_event SET seq = {param} WHERE id = {param}', (seq, event_id))


def down(migrator, db):
    db.execute_sql('DELETE FROM audit_event WHERE hash IS NULL')  # never sealed: no chain to join
    migrator.migrate(migrator.add_not_null('audit_event', 'hash'))
    migrator.migrate(migrator.add_not_null('audit_event', 'prev_hash'))
    migrator.migrate(migrator.drop_index('audit_event', 'audit_event_seq'))
    migrator.migrate(migrator.drop_column('audit_event', 'seq'))
    migrator.migrate(migrator.drop_column('login_session', 'second_factor_at'))
    migrator.migrate(migrator.drop_table('second_factor'))
    migrator.migrate(migrator.drop_table('recovery_code'))
