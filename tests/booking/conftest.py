"""Booking fixtures: a consultant open every day, and a valid booking form."""
import re
from datetime import time, timedelta

import pytest

from portal.booking import availability, schedule
from portal.booking.models import Consultant


@pytest.fixture
def consultant(db):
    """A consultant who meets people every day from 08:00 to 16:00 Oslo time."""
    c = Consultant.create(name="Ingrid Bakke", email="ingrid@ressursbasen.no")
    for weekday in range(7):
        availability.add_weekly_hours(c, weekday, time(8), time(16))
    return c


@pytest.fixture
def free_slot(consultant):
    """A function returning the n-th free slot from tomorrow on."""
    def pick(n=0, who=None):
        days = [schedule.oslo_today() + timedelta(days=d) for d in range(1, 8)]
        slots = [s for s in schedule.free_slots(days) if who is None or s.consultant.id == who.id]
        return slots[n]
    return pick


def booking_form(slot_id, **overrides):
    data = dict(slot=slot_id, kind="conversation", meeting_place="office",
                name="Åse Ødegård-Ærø", street="Storgata 1", postal_code="0155", place="Oslo",
                country="NO", email="ase@example.no", phone="412 34 567", website="")
    data.update(overrides)
    return data


CODE_SUBJECT = re.compile(r"ressursbasen\.no: ([0-9]{6})$")


def code_mails(outbox, address):
    return [m for m in outbox.to(address) if CODE_SUBJECT.search(m.subject)]


def code_from(outbox, address):
    """The six-digit code of the latest code e-mail to an address, as the person reads it."""
    mail = code_mails(outbox, address)[-1]
    code = CODE_SUBJECT.search(mail.subject).group(1)
    assert code in mail.body
    return code


def confirmations(outbox, address):
    """The e-mails to an address other than codes: confirmations, reminders."""
    return [m for m in outbox.to(address) if not CODE_SUBJECT.search(m.subject)]


def book_with_code(client, outbox, data, **kwargs):
    """Post the booking form, then the code from the e-mail, as a visitor does; the last answer.

    When the form is refused (no code sent), that answer is returned as it is.
    """
    response = client.post("/book", data=data, **kwargs)
    if response.status_code != 303:
        return response
    code = code_from(outbox, data["email"].strip().lower())
    return client.post("/book/code", data={"code": code}, **kwargs)
