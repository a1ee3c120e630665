"""The person registry: a tombstone for each erasure (no identity, a keyed hash of the address),
and e-mail records that lose their address once sent (an erasure's confirmation). Time defaults
(utcnow) are set by the model."""
from peewee import *

# TODO: erased_at: default <function utcnow at 0x7f9551f41580> must be added by hand

def up(migrator, db):
    class Tombstone(Model):
        erased_at = DateTimeField()
        reason = CharField(max_length=200)
        email_hash = CharField(index=True, max_length=64)
        redis_pending = TextField(default='')
        class Meta:
            database = db
            table_name = 'tombstone'
    db.create_tables([Tombstone])

    migrator.migrate(migrator.add_column('outbox', 'forget_after_send', BooleanField(default=False)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('outbox', 'forget_after_send'))
    migrator.migrate(migrator.drop_table('tombstone'))
