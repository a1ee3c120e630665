"""Proven addresses: one-time codes, their hourly counts, and bookings waiting for a code.

Typed copies (booking.typed_*) made before this change came from bookings whose address was
never proven, so they are deleted rather than offered to anyone as "you typed this" (the
portal holds no real data yet). Time defaults (utcnow) are set by the models."""
from peewee import *


def up(migrator, db):
    class Challenge(Model):
        token = CharField(unique=True, max_length=64)
        email = CharField(index=True, max_length=254)
        purpose = CharField(max_length=20)
        code_hash = CharField(max_length=64)
        tries = IntegerField(default=0)
        created_at = DateTimeField()
        expires_at = DateTimeField(index=True)
        used_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'challenge'
    db.create_tables([Challenge])

    class CodeQuota(Model):
        address_key = CharField(unique=True, max_length=64)
        window_start = DateTimeField(index=True)
        count = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'code_quota'
    db.create_tables([CodeQuota])

    class PendingBooking(Model):
        token = CharField(unique=True, max_length=64)
        challenge = ForeignKeyField(Challenge, null=True, on_delete='SET NULL')
        slot = CharField(max_length=40)
        kind = CharField(max_length=16)
        meeting_place = CharField(max_length=16)
        locale = CharField(max_length=5, default='nb')
        name = CharField(max_length=200)
        street = CharField(max_length=200)
        postal_code = CharField(max_length=20)
        place = CharField(max_length=100)
        country = CharField(max_length=2)
        email = CharField(index=True, max_length=254)
        phone = CharField(max_length=32)
        ip_key = CharField(index=True, max_length=64)
        proven_at = DateTimeField(null=True)
        created_at = DateTimeField()
        expires_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'pending_booking'
    db.create_tables([PendingBooking])

    class Booking(Model):
        typed_name = CharField(null=True, max_length=200)
        typed_street = CharField(null=True, max_length=200)
        typed_postal_code = CharField(null=True, max_length=20)
        typed_place = CharField(null=True, max_length=100)
        typed_country = CharField(null=True, max_length=2)
        typed_phone = CharField(null=True, max_length=32)
        class Meta:
            database = db
            table_name = 'booking'
    Booking.update(typed_name=None, typed_street=None, typed_postal_code=None, typed_place=None,
                   typed_country=None, typed_phone=None).execute()


def down(migrator, db):
    migrator.migrate(migrator.drop_table('pending_booking'))
    migrator.migrate(migrator.drop_table('code_quota'))
    migrator.migrate(migrator.drop_table('challenge'))
