"""A logged-in candidate sees, cancels and moves their own bookings on /account/bookings, and
decides about details typed at a booking that differ from what is held."""
from portal.audit.models import AuditEvent
from portal.booking import actions, schedule
from portal.booking.models import Booking
from portal.people.models import Person
from tests.booking.conftest import book_with_code, booking_form, confirmations
from tests.factories import make_person


def _candidate(login_as, **overrides):
    person = make_person(email="kari@example.no", name="Kari Nordmann", **overrides)
    login_as("candidate", person=person)
    return person


def _book_logged_in(client, slot, **overrides):
    data = booking_form(slot.id, email="kari@example.no", name="Kari Nordmann",
                        street="Storgata 1", phone="+4741234567", **overrides)
    assert client.post("/book", data=data).status_code == 302
    return Booking.get(Booking.starts_at == slot.starts_at, Booking.status == "booked")


def test_bookings_page_lists_the_persons_own_bookings(client, consultant, free_slot, login_as):
    other = make_person(email="other@example.no")
    actions.book(free_slot(2).id, "meeting", "video", {
        "name": "Ola", "street": "Vei 1", "postal_code": "0155", "place": "Oslo", "country": "NO",
        "email": other.email, "phone": "+4741234567"}, "nb")
    person = _candidate(login_as)
    booking = _book_logged_in(client, free_slot(0))
    page = client.get("/account/bookings").get_data(as_text=True)
    assert "Dine bestillinger" in page and "Ingrid Bakke" in page
    assert f"/account/bookings/{booking.id}/cancel" in page
    assert f"/account/bookings/{booking.id}/move" in page
    assert page.count("/cancel\"") == 1  # not the other person's booking
    assert 'href="/account/bookings"' in client.get("/account").get_data(as_text=True)
    assert booking.person_id == person.id


def test_cancel_from_account(client, consultant, free_slot, login_as):
    person = _candidate(login_as)
    slot = free_slot(0)
    booking = _book_logged_in(client, slot)
    response = client.post(f"/account/bookings/{booking.id}/cancel")
    assert response.status_code == 302 and response.headers["Location"] == "/account/bookings"
    assert Booking.get_by_id(booking.id).status == "cancelled"
    assert slot.id in [s.id for s in schedule.free_slots([slot.local_day])]
    page = client.get("/account/bookings").get_data(as_text=True)
    assert "Bestillingen din er avbestilt." in page and "Avbestilt" in page
    # Twice: a clear message, nothing changes.
    events = AuditEvent.select().count()
    client.post(f"/account/bookings/{booking.id}/cancel")
    assert "allerede avbestilt eller flyttet" in client.get("/account/bookings").get_data(as_text=True)
    assert AuditEvent.select().count() == events
    assert person.bookings.count() == 1


def test_move_from_account(client, consultant, free_slot, login_as, outbox):
    _candidate(login_as)
    old_slot, new_slot = free_slot(0), free_slot(4)
    booking = _book_logged_in(client, old_slot)
    page = client.get(f"/account/bookings/{booking.id}/move").get_data(as_text=True)
    assert "Flytt timen din" in page and f'value="{new_slot.id}"' in page
    response = client.post(f"/account/bookings/{booking.id}/move", data={"slot": new_slot.id})
    assert response.status_code == 302 and response.headers["Location"] == "/account/bookings"
    old = Booking.get_by_id(booking.id)
    new = Booking.get(Booking.status == "booked")
    assert old.status == "moved" and old.moved_to_id == new.id and new.starts_at == new_slot.starts_at
    assert len(confirmations(outbox, "kari@example.no")) == 2
    # Moving to a taken or unknown time changes nothing.
    taken = free_slot(6)
    actions.book(taken.id, "meeting", "video", {
        "name": "Ola", "street": "Vei 1", "postal_code": "0155", "place": "Oslo", "country": "NO",
        "email": "ola@example.no", "phone": "+4741234567"}, "nb")
    before = [(b.id, b.status) for b in Booking.select().order_by(Booking.id)]
    response = client.post(f"/account/bookings/{new.id}/move", data={"slot": taken.id})
    assert response.status_code == 409 and "Denne tiden ble akkurat tatt" in response.get_data(as_text=True)
    assert client.post(f"/account/bookings/{new.id}/move", data={"slot": "x"}).status_code == 422
    assert [(b.id, b.status) for b in Booking.select().order_by(Booking.id)] == before


def test_another_persons_booking_is_a_404(client, consultant, free_slot, login_as):
    theirs = actions.book(free_slot(1).id, "meeting", "video", {
        "name": "Ola", "street": "Vei 1", "postal_code": "0155", "place": "Oslo", "country": "NO",
        "email": "ola@example.no", "phone": "+4741234567"}, "nb")
    _candidate(login_as)
    for path in (f"/account/bookings/{theirs.id}/cancel", f"/account/bookings/{theirs.id}/move",
                 f"/account/bookings/{theirs.id}/typed/apply"):
        assert client.post(path, data={"slot": free_slot(3).id}).status_code == 404
    assert Booking.get_by_id(theirs.id).status == "booked"


def test_typed_details_are_offered_once_to_apply(client, consultant, free_slot, login_as, outbox):
    person = make_person(email="ase@example.no", name="Åse Ødegård-Ærø", phone="+4741234567")
    visitor = client.application.test_client()
    book_with_code(visitor, outbox, booking_form(free_slot(0).id, name="Åse Ødegård",
                                                  phone="+47 99 88 77 66"))
    booking = Booking.get()
    assert booking.person_id == person.id  # a proven booking for an existing person is theirs
    login_as("candidate", person=person)
    page = client.get("/account").get_data(as_text=True)
    assert "Du skrev dette ved bestillingen din" in page and "Åse Ødegård" in page
    response = client.post(f"/account/bookings/{booking.id}/typed/apply", data={"back": "account"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    person = Person.get_by_id(person.id)
    assert (person.name, person.phone) == ("Åse Ødegård", "+4799887766")
    assert Booking.get_by_id(booking.id).differing == []  # the typed copy is deleted
    assert "Du skrev dette ved bestillingen din" not in client.get("/account").get_data(as_text=True)


def test_typed_details_can_be_dismissed(client, consultant, free_slot, login_as, outbox):
    person = make_person(email="ase@example.no", name="Åse Ødegård-Ærø", phone="+4741234567")
    book_with_code(client.application.test_client(), outbox,
                   booking_form(free_slot(0).id, name="Åse Ødegård"))
    booking = Booking.get()
    login_as("candidate", person=person)
    assert "Du skrev dette ved bestillingen din" in client.get("/account/bookings").get_data(as_text=True)
    response = client.post(f"/account/bookings/{booking.id}/typed/dismiss")
    assert response.status_code == 302 and response.headers["Location"] == "/account/bookings"
    assert Person.get_by_id(person.id).name == "Åse Ødegård-Ærø"
    assert Booking.get_by_id(booking.id).differing == []
    assert "Du skrev dette ved bestillingen din" not in client.get("/account/bookings").get_data(as_text=True)
