"""A booking's e-mails count toward the per-recipient limit, checked before the code is sent.

The code and the confirmation both go to the address typed; both are counted when the form is
sent, so a booking is refused up front rather than made without its confirmation.
"""
from portal.auth.models import AccountToken
from portal.booking.models import Booking, PendingBooking
from portal.verification.models import Challenge
from tests.booking.conftest import book_with_code, booking_form, code_from, confirmations

ADDRESS = "ase@example.no"
TOO_MANY_NB = "Det er sendt for mange e-poster til denne adressen"


def _nothing_waits():
    return PendingBooking.select().count() == 0 and Challenge.select().count() == 0


def test_earlier_mails_to_the_address_leave_no_room_for_a_booking(app, client, consultant, free_slot,
                                                                  outbox):
    app.config["MAIL_LIMIT_PER_RECIPIENT"] = "3 per hour"
    for _ in range(2):  # a stranger asks for two password resets for the address
        client.post("/password/forgot", data={"email": ADDRESS})
    before = len(outbox.to(ADDRESS))
    response = client.post("/book", data=booking_form(free_slot().id))
    assert response.status_code == 429
    assert TOO_MANY_NB in response.get_data(as_text=True)
    assert _nothing_waits() and Booking.select().count() == 0
    assert len(outbox.to(ADDRESS)) == before  # no code went out


def test_a_booking_counts_its_code_and_its_confirmation(app, client, consultant, free_slot, outbox):
    app.config["MAIL_LIMIT_PER_RECIPIENT"] = "3 per hour"
    assert book_with_code(client, outbox, booking_form(free_slot().id)).status_code in (302, 303)
    assert len(confirmations(outbox, ADDRESS)) == 1
    # Two of three are used: a second booking (code and confirmation) no longer fits.
    response = client.post("/book", data=booking_form(free_slot(1).id))
    assert response.status_code == 429 and TOO_MANY_NB in response.get_data(as_text=True)
    assert Booking.select().count() == 1 and PendingBooking.select().count() == 0


def test_a_booking_whose_code_went_out_is_never_made_without_its_confirmation(app, client, consultant,
                                                                              free_slot, outbox):
    app.config["MAIL_LIMIT_PER_RECIPIENT"] = "2 per hour"
    assert client.post("/book", data=booking_form(free_slot().id)).status_code == 303
    code = code_from(outbox, ADDRESS)
    client.post("/password/forgot", data={"email": ADDRESS})  # refused: the limit is reached
    assert AccountToken.select().count() == 0
    assert client.post("/book/code", data={"code": code}).status_code in (302, 303)
    assert Booking.select().count() == 1 and len(confirmations(outbox, ADDRESS)) == 1


def test_a_new_code_counts_too_and_is_refused_in_english(app, client, consultant, free_slot, outbox):
    app.config["MAIL_LIMIT_PER_RECIPIENT"] = "2 per hour"
    client.post("/language", data={"lang": "en"})
    assert client.post("/book", data=booking_form(free_slot().id)).status_code == 303
    response = client.post("/book/code/new")
    assert response.status_code == 429
    assert "Too many messages have been sent to this address" in response.get_data(as_text=True)
    assert Challenge.select().count() == 1
