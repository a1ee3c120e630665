"""The meeting and its calendar event: a consultant's own video link, and one calendar event
(UID and SEQUENCE) kept across the moves of a booking. Bookings made before keep the UID they
were sent with (booking-<id>@ressursbasen.no, see Booking.uid)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('consultant', 'video_url', CharField(null=True, max_length=500)))
    migrator.migrate(migrator.add_column('booking', 'calendar_uid', CharField(null=True, max_length=100)))
    migrator.migrate(migrator.add_column('booking', 'sequence', IntegerField(default=0)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('booking', 'sequence'))
    migrator.migrate(migrator.drop_column('booking', 'calendar_uid'))
    migrator.migrate(migrator.drop_column('consultant', 'video_url'))
