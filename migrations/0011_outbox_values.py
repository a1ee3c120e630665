"""E-mails are rendered when they are sent, not in the transaction that writes them: an outbox
row holds its template, language and values instead of its text. E-mails written before and
not yet sent keep their text, as the values of the template mail/email/rendered."""
import json

from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('outbox', 'template', CharField(max_length=100, default='')))
    migrator.migrate(migrator.add_column('outbox', 'locale', CharField(max_length=5, default='nb')))
    migrator.migrate(migrator.add_column('outbox', 'params', TextField(default='{}')))

    class Outbox(Model):
        template = CharField(max_length=100)
        params = TextField()
        body_text = TextField()
        sent_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'outbox'
    for row in Outbox.select(Outbox.id, Outbox.body_text).where(Outbox.sent_at.is_null()):
        Outbox.update(template='mail/email/rendered', params=json.dumps({'text': row.body_text})
                      ).where(Outbox.id == row.id).execute()
    migrator.migrate(migrator.drop_column('outbox', 'body_text'))
    migrator.migrate(migrator.drop_column('outbox', 'body_html'))


def down(migrator, db):
    migrator.migrate(migrator.add_column('outbox', 'body_html', TextField(default='')))
    migrator.migrate(migrator.add_column('outbox', 'body_text', TextField(default='')))
    migrator.migrate(migrator.drop_column('outbox', 'params'))
    migrator.migrate(migrator.drop_column('outbox', 'locale'))
    migrator.migrate(migrator.drop_column('outbox', 'template'))
