"""Where a meeting happens, and its calendar event (.ics) for the person and for the consultant.

A booking and the bookings it is moved to are one calendar event: the same UID, and a SEQUENCE
that grows with every change. Invitations and updates go out as METHOD:REQUEST, a cancellation
as METHOD:CANCEL, each with the agency as ORGANIZER and the person and the consultant as ATTENDEEs.
"""
import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parseaddr

import phonenumbers
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.booking.models import KIND_LABELS, PLACE_LABELS
from portal.booking.schedule import to_oslo

TZID = "Europe/Oslo"


@functools.cache
def oslo_vtimezone():
    """Europe/Oslo as a VTIMEZONE, built once per process: icalendar takes long to build one.

    It covers the years around the first use, far beyond the weeks that can be booked.
    """
    from icalendar import Timezone  # see event_ics
    year = datetime.now(UTC).year
    return Timezone.from_tzid(TZID, first_date=date(year - 1, 1, 1),
                              last_date=date(year + 10, 1, 1))


@dataclass(frozen=True)
class Meeting:
    """A meeting whose booking is gone (its person erased): what its calendar event needs to be
    cancelled, and no person."""
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    kind: str
    place: str
    consultant: object
    person: object = None


def phone_for_reading(number):
    """A stored E.164 number as people read it: +47 412 34 567."""
    try:
        parsed = phonenumbers.parse(number or "", "NO")
    except phonenumbers.NumberParseException:
        return number or ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def booked_phone(booking):
    """The number to call: the one typed at this booking, else the one held."""
    return phone_for_reading(booking.typed_phone or booking.person.phone)


def where(booking, for_consultant=False):
    """Where the meeting happens, as the reader is told: the office's street address, the video
    link (the consultant's own, else the agency's), or the number we call (lazy text: it is
    translated where it is shown)."""
    if booking.place == "office":
        return current_app.config["OFFICE_ADDRESS"]
    if booking.place == "video":
        return booking.consultant.video_url or current_app.config["VIDEO_URL"]
    if booking.person is None:
        return PLACE_LABELS["phone"]
    if for_consultant:
        return _l("Call %(name)s on %(phone)s", name=booking.person.name,
                  phone=booked_phone(booking))
    return _l("We call you on %(phone)s", phone=booked_phone(booking))


def _address(email, name):
    from icalendar import vCalAddress  # see event_ics
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    return address


def organizer():
    """The agency's address (MAIL_DEFAULT_SENDER) as the event's ORGANIZER."""
    name, email = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    return _address(email, name)


def event_ics(booking, description, method="REQUEST", for_consultant=False):
    """The calendar object of a booking's event, in the current language.

    `method` is REQUEST (an invitation, or an update after a move) or CANCEL; SEQUENCE is the
    booking's, so a reader's calendar replaces the event it holds under the same UID.
    """
    # Imported here: only the e-mail job makes calendar files, and a web worker that never
    # does is 3 MB lighter without icalendar.
    from icalendar import Calendar, Event
    cal = Calendar()
    cal.add("prodid", "-//ressursbasen.no//booking//NO")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", booking.uid)
    event.add("sequence", booking.sequence)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", to_oslo(booking.starts_at))
    event.add("dtend", to_oslo(booking.ends_at))
    event.add("summary", f"{KIND_LABELS[booking.kind]} · ressursbasen.no")
    event.add("location", str(where(booking, for_consultant)))
    event.add("description", description)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("organizer", organizer())
    people = [(booking.consultant.email, booking.consultant.name)]
    if booking.person is not None:  # a meeting whose person is erased names only the consultant
        people.insert(0, (booking.person.email, booking.person.name))
    for email, name in people:
        attendee = _address(email, name)
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        event.add("attendee", attendee)
    cal.add_component(oslo_vtimezone())
    cal.add_component(event)
    return cal.to_ical()
