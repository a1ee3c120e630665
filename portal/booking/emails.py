"""The e-mails a booking causes, to the person and to the consultant, with their .ics files.

Inside the booking's transaction only outbox rows are written, and queued as one job after
commit: the booking's id and what the e-mail must remember of that moment (the calendar event's
SEQUENCE, the time before a move).
The text and the calendar file are made from the booking when the e-mail is sent (the
`email_context` functions below, called by portal/mail), outside the transaction.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.booking import calendar
from portal.booking.links import link_url
from portal.booking.models import KIND_LABELS, PLACE_LABELS, Booking, Consultant
from portal.candidates.actions import invite_path
from portal.mail.actions import Gone, email_context, queue_after_commit, queue_email, write_email
from portal.people.models import Person
from portal.web.formats import format_when
from portal.web.links import external_url

CONFIRMATION = "booking/email/confirmation"
MOVED = "booking/email/moved"
CANCELLED = "booking/email/cancelled"
REMINDER = "booking/email/reminder"
CONSULTANT = "booking/email/consultant"
CONSULTANT_ERASED = "booking/email/consultant_erased"

CONSULTANT_SUBJECTS = {
    "new": _l("New booking: %(when)s, %(name)s"),
    "moved": _l("Booking moved: %(when)s, %(name)s"),
    "cancelled": _l("Booking cancelled: %(when)s, %(name)s"),
}
ERASED_SUBJECT = _l("Meeting cancelled: %(when)s")
CONSULTANT_LOCALE = "nb"  # the agency's language


# --- Written with the change (inside its transaction): ids and values ------------------------

def send_confirmation(booking):
    """The person's confirmation with its .ics invite, and the consultant's invitation."""
    queue_after_commit(
        write_email(booking.person.email, _l("Your booking with ressursbasen.no"), CONFIRMATION,
                    booking.locale, person=booking.person, booking=booking.id,
                    sequence=booking.sequence),
        _to_consultant(booking, "new"))


def send_moved(old, new):
    """Tell the person the meeting moved (the same calendar event, updated, and new links);
    the consultant gets the update, or a cancellation and an invitation when it changed hands."""
    rows = [write_email(new.person.email, _l("Your meeting with ressursbasen.no has moved"), MOVED,
                        new.locale, person=new.person, booking=new.id, sequence=new.sequence,
                        before=old.starts_at.isoformat())]
    if old.consultant_id == new.consultant_id:
        rows.append(_to_consultant(new, "moved", before=old.starts_at))
    else:
        # The first consultant's copy ends here; the event goes on in the second one's calendar.
        rows += [_to_consultant(old, "cancelled", sequence=new.sequence), _to_consultant(new, "new")]
    queue_after_commit(*rows)


def send_cancellation(booking):
    """Tell the person and the consultant that the meeting is cancelled, with a METHOD:CANCEL .ics."""
    queue_after_commit(
        write_email(booking.person.email, _l("Your meeting with ressursbasen.no is cancelled"),
                    CANCELLED, booking.locale, person=booking.person, booking=booking.id,
                    sequence=booking.sequence),
        _to_consultant(booking, "cancelled"))


def send_reminder(booking):
    """Remind the person of the meeting, in the language they use now."""
    queue_email(booking.person.email, _l("Reminder: your meeting with ressursbasen.no"), REMINDER,
                booking.person.locale, person=booking.person, booking=booking.id,
                sequence=booking.sequence)


def _to_consultant(booking, what, before=None, sequence=None):
    """The consultant's own e-mail and .ics (who, when, where; no link of the person's), written
    to the outbox and returned, to be queued with the person's. Its subject, which names the
    person, is made when it is sent, like the rest.

    Consultant addresses are the agency's own: no per-recipient limit counts them
    (portal/mail/limits.py), so these never use up anything of the visitor's.
    """
    return write_email(booking.consultant.email, "", CONSULTANT, CONSULTANT_LOCALE,
                       person=booking.person_id,  # about the person: erased with them
                       booking=booking.id, what=what,
                       sequence=booking.sequence if sequence is None else sequence,
                       before=before.isoformat() if before else None)


def coming_meetings(bookings):
    """What the consultants of these bookings (of people being erased) must be told: each
    meeting still to come, as plain values (who is told, the calendar event, when, what,
    where), nothing of the person. Runs in the erasure, before the rows go."""
    from portal.db import utcnow
    rows = (bookings.select(Booking.id, Booking.consultant, Booking.calendar_uid,
                            Booking.sequence, Booking.starts_at, Booking.ends_at, Booking.kind,
                            Booking.place)
            .where(Booking.status == "booked", Booking.starts_at > utcnow()))
    return [{"consultant": b.consultant_id, "uid": b.uid, "sequence": b.sequence + 1,
             "starts_at": b.starts_at.isoformat(), "ends_at": b.ends_at.isoformat(),
             "kind": b.kind, "place": b.place} for b in rows]


def send_erased_cancellations(meetings):
    """Cancel, in each consultant's calendar, the meetings of a person just erased: the same
    calendar event (UID), METHOD:CANCEL. The person is not named: they are erased, and the
    consultant needs only to know that the meeting is off."""
    by_id = {c.id: c for c in Consultant.select().where(
        Consultant.id.in_(sorted({m["consultant"] for m in meetings})))} if meetings else {}
    rows = [write_email(by_id[m["consultant"]].email, "", CONSULTANT_ERASED, CONSULTANT_LOCALE,
                        **m) for m in meetings if m["consultant"] in by_id]
    if rows:
        queue_after_commit(*rows)


# --- Made when the e-mail is sent ---------------------------------------------------------

def _booking(booking_id, sequence):
    booking = (Booking.select(Booking, Person, Consultant).join(Person).switch(Booking)
               .join(Consultant).where(Booking.id == booking_id).first())
    if booking is None:
        raise Gone(f"booking {booking_id}")
    booking.sequence = sequence  # the calendar event as it was when the e-mail was written
    return booking


def _when(iso):
    return datetime.fromisoformat(iso) if iso else None


def invite_ics(booking, method="REQUEST"):
    """The person's copy of the booking's calendar event, with the Europe/Oslo VTIMEZONE."""
    description = f"{booking.consultant.name}\n{link_url(booking, 'cancel')}" if method == "REQUEST" \
        else booking.consultant.name
    return calendar.event_ics(booking, description, method)


def consultant_ics(booking, method="REQUEST"):
    """The consultant's copy: the same event, with who is coming and none of the person's links."""
    person = booking.person
    description = "\n".join([person.name, calendar.booked_phone(booking), person.email])
    return calendar.event_ics(booking, description, method, for_consultant=True)


def _attachment(ics, method):
    return [("invite.ics", ics, f"text/calendar; method={method}")]


def _meeting(booking, for_consultant=False):
    return dict(booking=booking, consultant=booking.consultant,
                kind=KIND_LABELS[booking.kind], place=PLACE_LABELS[booking.place],
                where=calendar.where(booking, for_consultant))


def _links(booking):
    return dict(cancel_url=link_url(booking, "cancel"), move_url=link_url(booking, "move"),
                privacy_url=external_url("/privacy"),
                # Someone who already has an account needs no invitation to make one.
                invite_url=(None if booking.person.users.exists()
                            else external_url(invite_path(booking.person))))


@email_context(CONFIRMATION)
def confirmation_context(booking, sequence):
    booking = _booking(booking, sequence)
    return dict(_meeting(booking), **_links(booking),
                attachments=_attachment(invite_ics(booking), "REQUEST"))


@email_context(MOVED)
def moved_context(booking, sequence, before):
    booking = _booking(booking, sequence)
    return dict(_meeting(booking), **_links(booking), before=_when(before),
                attachments=_attachment(invite_ics(booking), "REQUEST"))


@email_context(CANCELLED)
def cancelled_context(booking, sequence):
    booking = _booking(booking, sequence)
    return dict(_meeting(booking), book_url=external_url("/book"),
                attachments=_attachment(invite_ics(booking, "CANCEL"), "CANCEL"))


@email_context(REMINDER)
def reminder_context(booking, sequence):
    booking = _booking(booking, sequence)
    return dict(_meeting(booking), **_links(booking))


@email_context(CONSULTANT)
def consultant_context(booking, what, sequence, before=None):
    booking = _booking(booking, sequence)
    method = "CANCEL" if what == "cancelled" else "REQUEST"
    subject = str(CONSULTANT_SUBJECTS[what]) % {
        "when": format_when(booking.starts_at, "short"), "name": booking.person.name}
    return dict(_meeting(booking, for_consultant=True), what=what, candidate=booking.person,
                subject=subject,
                phone=calendar.booked_phone(booking), before=_when(before),
                attachments=_attachment(consultant_ics(booking, method), method))


@email_context(CONSULTANT_ERASED)
def consultant_erased_context(consultant, uid, sequence, starts_at, ends_at, kind, place):
    found = Consultant.get_or_none(Consultant.id == consultant)
    if found is None:
        raise Gone(f"consultant {consultant}")
    meeting = calendar.Meeting(uid=uid, sequence=sequence, starts_at=_when(starts_at),
                               ends_at=_when(ends_at), kind=kind, place=place, consultant=found)
    return dict(meeting=meeting, kind=KIND_LABELS[kind], place=PLACE_LABELS[place],
                where=calendar.where(meeting, for_consultant=True) if place != "phone" else None,
                subject=str(ERASED_SUBJECT) % {"when": format_when(meeting.starts_at, "short")},
                attachments=_attachment(calendar.event_ics(meeting, found.name, "CANCEL",
                                                           for_consultant=True), "CANCEL"))
