"""Booking: consultants, their weekly hours and exceptions, and bookings.

Time defaults (utcnow) are set by the models. The partial unique index makes double booking
impossible: one holding booking per consultant and start time."""
from peewee import *


def up(migrator, db):
    class Person(Model):
        class Meta:
            database = db
            table_name = 'person'

    class Consultant(Model):
        name = CharField(max_length=200)
        email = CharField(max_length=254)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'consultant'
    db.create_tables([Consultant])

    class AvailabilityException(Model):
        consultant = ForeignKeyField(Consultant, on_delete='CASCADE')
        on = DateField()
        kind = CharField(max_length=8)
        starts = TimeField(null=True)
        ends = TimeField(null=True)
        class Meta:
            database = db
            table_name = 'availability_exception'
    db.create_tables([AvailabilityException])

    class Booking(Model):
        person = ForeignKeyField(Person, on_delete='CASCADE')
        consultant = ForeignKeyField(Consultant, on_delete='RESTRICT')
        starts_at = DateTimeField(index=True)
        ends_at = DateTimeField()
        kind = CharField(max_length=16)
        place = CharField(max_length=16)
        status = CharField(index=True, max_length=16, default='booked')
        locale = CharField(max_length=5, default='nb')
        typed_name = CharField(null=True, max_length=200)
        typed_street = CharField(null=True, max_length=200)
        typed_postal_code = CharField(null=True, max_length=20)
        typed_place = CharField(null=True, max_length=100)
        typed_country = CharField(null=True, max_length=2)
        typed_phone = CharField(null=True, max_length=32)
        moved_to = ForeignKeyField('self', null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        reminder_sent_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'booking'
    Booking.add_index(Booking.index(
        Booking.consultant, Booking.starts_at, unique=True,
        where=Booking.status.in_(['booked', 'attended', 'no_show']), name='booking_slot_held'))
    db.create_tables([Booking])

    class WeeklyHours(Model):
        consultant = ForeignKeyField(Consultant, on_delete='CASCADE')
        weekday = IntegerField()
        starts = TimeField()
        ends = TimeField()
        class Meta:
            database = db
            table_name = 'weekly_hours'
    db.create_tables([WeeklyHours])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('weekly_hours'))
    migrator.migrate(migrator.drop_table('booking'))
    migrator.migrate(migrator.drop_table('availability_exception'))
    migrator.migrate(migrator.drop_table('consultant'))
