"""The staff queue's "assign to me": who handles a privacy request (a staff user id) and since
when."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('privacy_request', 'assignee', IntegerField(index=True, null=True)))
    migrator.migrate(migrator.add_column('privacy_request', 'assigned_at', DateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('privacy_request', 'privacy_request_assignee'))
    migrator.migrate(migrator.drop_column('privacy_request', 'assigned_at'))
    migrator.migrate(migrator.drop_column('privacy_request', 'assignee'))
