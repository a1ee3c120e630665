"""Who can meet when, and the bookings that claim those times."""
from flask_babel import lazy_gettext as _l
from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TimeField

from portal.db import BaseModel, utcnow
from portal.people.models import Person
from portal.verification.models import Challenge

KIND_LABELS = {"conversation": _l("Conversation"), "meeting": _l("Meeting"),
               "interview": _l("Interview")}
PLACE_LABELS = {"office": _l("At our office"), "phone": _l("By phone"), "video": _l("By video")}
STATUS_LABELS = {"booked": _l("Booked"), "attended": _l("Held"), "no_show": _l("Did not come"),
                 "cancelled": _l("Cancelled"), "moved": _l("Moved to another time")}
# The labels of the typed_* columns, for staff and for the person's overview.
FIELD_LABELS = {"name": _l("Name"), "street": _l("Street address"), "postal_code": _l("Postal code"),
                "place": _l("Place"), "country": _l("Country"), "phone": _l("Phone")}
KINDS = tuple(KIND_LABELS)
PLACES = tuple(PLACE_LABELS)
# A booking in one of these states holds its time; cancelled and moved ones free it.
HOLDING = ("booked", "attended", "no_show")


class Consultant(BaseModel):
    """A member of staff whom people can book a meeting with."""
    name = CharField(max_length=200)
    email = CharField(max_length=254)
    video_url = CharField(max_length=500, null=True)  # their own video room; else VIDEO_URL
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)


class WeeklyHours(BaseModel):
    """Opening hours of a consultant on one weekday, in Oslo local time."""
    consultant = ForeignKeyField(Consultant, backref="weekly_hours", on_delete="CASCADE")
    weekday = IntegerField()
    starts = TimeField()
    ends = TimeField()


class AvailabilityException(BaseModel):
    """A day off (or hours off) or extra hours of a consultant on one date, Oslo local time."""
    consultant = ForeignKeyField(Consultant, backref="exceptions", on_delete="CASCADE")
    on = DateField()
    kind = CharField(max_length=8)  # off | extra
    starts = TimeField(null=True)  # an "off" without times is the whole day
    ends = TimeField(null=True)


class Booking(BaseModel):
    """A first conversation, meeting or interview: a person claims one consultant's time.

    The typed_* columns keep what the person typed when it differs from the Person row, so
    that a booking never silently overwrites what is held; staff see the differences.
    """
    person = ForeignKeyField(Person, backref="bookings", on_delete="CASCADE")
    consultant = ForeignKeyField(Consultant, backref="bookings", on_delete="RESTRICT")
    starts_at = DateTimeField(index=True)  # UTC
    ends_at = DateTimeField()  # UTC
    kind = CharField(max_length=16)
    place = CharField(max_length=16)  # where the meeting is held: office, phone or video
    # Not indexed on its own: a few values over the whole history, which tempted SQLite's planner
    # to read every past booking of that status (see booking_consultant_starts below).
    status = CharField(max_length=16, default="booked")
    locale = CharField(max_length=5, default="nb")
    typed_name = CharField(max_length=200, null=True)
    typed_street = CharField(max_length=200, null=True)
    typed_postal_code = CharField(max_length=20, null=True)
    typed_place = CharField(max_length=100, null=True)
    typed_country = CharField(max_length=2, null=True)
    typed_phone = CharField(max_length=32, null=True)
    moved_to = ForeignKeyField("self", null=True, on_delete="SET NULL")
    # One calendar event for the whole chain of moves: the UID is copied to the booking a move
    # makes and SEQUENCE counts every change (a move, a cancellation) of that event.
    calendar_uid = CharField(max_length=100, null=True)
    sequence = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    reminder_sent_at = DateTimeField(null=True)
    marked_at = DateTimeField(null=True)  # when staff marked it attended or no-show (undo: that day)
    contact_before = DateTimeField(null=True)  # the person's last contact before "attended"

    @property
    def has_started(self):
        """Whether the meeting's time has come: only then can staff mark it held or missed."""
        return self.starts_at <= utcnow()

    @property
    def uid(self):
        """The UID of the booking's calendar event (bookings made before calendar_uid: from the id)."""
        return self.calendar_uid or f"booking-{self.id}@ressursbasen.no"

    @property
    def differing(self):
        """What the person typed that differs from the Person row, as (column, value) pairs."""
        return [(column, getattr(self, "typed_" + column)) for column in TYPED
                if getattr(self, "typed_" + column) is not None]


class PendingBooking(BaseModel):
    """A booking waiting for the code sent to its address: what was typed, the time, the challenge.

    Nothing else is kept before the code: no slot is held and no Person is created or changed.
    Deleted when booked, and by the per-minute job when it expires.
    """
    token = CharField(max_length=64, unique=True)  # random; kept in the visitor's session
    challenge = ForeignKeyField(Challenge, null=True, on_delete="SET NULL")
    slot = CharField(max_length=40)
    kind = CharField(max_length=16)
    meeting_place = CharField(max_length=16)
    locale = CharField(max_length=5, default="nb")
    name = CharField(max_length=200)
    street = CharField(max_length=200)
    postal_code = CharField(max_length=20)
    place = CharField(max_length=100)
    country = CharField(max_length=2)
    email = CharField(max_length=254, index=True)
    phone = CharField(max_length=32)
    ip_key = CharField(max_length=64, index=True)  # a keyed hash of the IP address, for its limit
    proven_at = DateTimeField(null=True)  # the right code was given (the time was taken meanwhile)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(index=True)


TYPED = ("name", "street", "postal_code", "place", "country", "phone")

# Double booking is impossible in the database: one holding booking per consultant and start.
Booking.add_index(Booking.index(Booking.consultant, Booking.starts_at, unique=True,
                                where=Booking.status.in_(HOLDING), name="booking_slot_held"))
# The overlap check (schedule.holding) reads one range of starts per consultant, however long
# the history: SQLite cannot use the partial index above for it (its statuses are bound
# parameters), so it gets one of its own.
Booking.add_index(Booking.index(Booking.consultant, Booking.starts_at,
                                name="booking_consultant_starts"))
