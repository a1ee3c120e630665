"""The overlap check of a booking reads one range of start times per consultant, not the whole
history: an index on (consultant, start), and none on the status alone, which has a few values
over every past booking and led SQLite's planner to read them all."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.drop_index('booking', 'booking_status'))
    migrator.migrate(migrator.add_index('booking', ('consultant_id', 'starts_at'), False,
                                        name='booking_consultant_starts'))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('booking', 'booking_consultant_starts'))
    migrator.migrate(migrator.add_index('booking', ('status',), False))
