"""Whatever is typed into the booking form: never a 500, never a partial write."""
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from portal.audit.models import AuditEvent
from portal.booking.models import Booking, PendingBooking
from portal.mail.models import Outbox
from portal.people.models import Person
from tests.booking.conftest import booking_form

FIELDS = ("slot", "kind", "meeting_place", "name", "street", "postal_code", "place", "country",
          "email", "phone")
# Text without lone surrogates (the test client cannot encode them; tests/test_control_characters.py
# posts them as raw bytes), control characters allowed.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)


def _counts():
    return tuple(m.select().count() for m in (Person, Booking, AuditEvent, Outbox))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(FIELDS), TEXT | st.lists(TEXT, max_size=3), max_size=6))
@example({"name": "Ola\x00Nordmann"})
@example({"email": "ola\x00@example.no", "phone": "\x00"})
@example({"street": "Gate\x1b[2J", "place": "Oslo\x85", "postal_code": "01\x9f55"})
@example({"country": "N\x00", "kind": "\x00", "meeting_place": "\x7f", "slot": "1\x00"})
@example({"name": "x" * 10_000, "street": "y" * 10_000, "email": "z" * 10_000})
def test_booking_form_survives_any_input(app, client, consultant, free_slot, changes):
    app.config["BOOKING_LIMIT"] = "10000 per hour"
    data = booking_form(free_slot().id, **changes)
    before = _counts()
    response = client.post("/book", data=data)
    # 303: the code step (nothing booked before the code); 429: enough codes to that address.
    assert response.status_code in (303, 409, 422, 429), response.status_code
    after = _counts()
    if response.status_code == 303:
        pending = PendingBooking.select().order_by(PendingBooking.id.desc()).get()
        assert after[:3] == before[:3] and after[3] == before[3] + 1  # only the code e-mail
        assert pending.email == pending.email.lower()
    else:
        assert after == before
