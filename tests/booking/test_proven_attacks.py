"""What a security tester's pass over proven addresses found (November 2026), each kept closed."""
import threading
from datetime import timedelta

from portal.booking import pending as pendings
from portal.booking import schedule
from portal.booking.models import Booking, PendingBooking
from portal.db import db
from tests.booking.conftest import book_with_code, booking_form, code_from


def _proven_entry(app, client, outbox, slot):
    """A pending entry whose code was given but whose time was taken meanwhile: proven, waiting."""
    client.post("/book", data=booking_form(slot.id, email="eve@example.org"))
    assert book_with_code(app.test_client(), outbox, booking_form(slot.id)).status_code == 302
    assert client.post("/book/code", data={"code": code_from(outbox, "eve@example.org")}).status_code == 409
    entry = PendingBooking.get()
    assert entry.proven_at is not None
    return entry


def test_one_proven_code_makes_one_booking_however_many_ask_at_once(app, client, consultant, free_slot,
                                                                      outbox):
    entry = _proven_entry(app, client, outbox, free_slot())
    slots = [free_slot(n) for n in range(1, 9)]
    barrier, results = threading.Barrier(len(slots)), []

    def confirm(slot):
        with app.app_context():
            db.connect(reuse_if_open=True)
            pending = PendingBooking.get_by_id(entry.id)  # each request has found the entry
            barrier.wait()
            try:
                results.append(pendings.book_proven(pending, slot_id=slot.id))
            except Exception as exc:  # noqa: BLE001 - what each loser got is checked below
                results.append(exc)
            finally:
                db.close()

    threads = [threading.Thread(target=confirm, args=(s,)) for s in slots]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    made = [r for r in results if isinstance(r, Booking)]
    assert len(made) == 1, results
    assert all(isinstance(r, pendings.PendingProblem) for r in results if r not in made), results
    assert Booking.select().where(Booking.person == made[0].person).count() == 1


def test_a_new_code_does_not_keep_a_proven_entry_alive(app, client, consultant, free_slot, outbox):
    entry = _proven_entry(app, client, outbox, free_slot())
    client.post("/book/code/new")
    assert PendingBooking.get_by_id(entry.id).expires_at == entry.expires_at


def test_times_beyond_the_weeks_offered_cannot_be_booked(client, consultant, free_slot, outbox):
    last_day = schedule.week_days(schedule.weeks_ahead() - 1)[-1]
    offered = schedule.offered_slots([consultant], [last_day + timedelta(days=1)])
    assert offered  # the consultant works that day: only the horizon refuses it
    for slot_id in (offered[0].id, f"{consultant.id}-299912311000", f"{consultant.id}-210001041000"):
        response = client.post("/book", data=booking_form(slot_id))
        assert response.status_code == 422, slot_id
        assert PendingBooking.select().count() == 0 and outbox.messages == []


def test_plus_tags_and_gmail_dots_share_one_address_s_codes(app, client, consultant, free_slot, outbox):
    app.config.update(MAIL_LIMIT_PER_RECIPIENT="1000 per hour", BOOKING_LIMIT="1000 per hour")
    addresses = ["victim@gmail.com", "v.ictim@gmail.com", "victim+1@gmail.com", "vi.ctim+2@gmail.com",
                 "VICTIM+3@gmail.com", "victim+4@gmail.com"]
    statuses = [app.test_client().post("/book", data=booking_form(free_slot().id, email=a)).status_code
                for a in addresses]
    assert statuses == [303] * 5 + [429]  # five codes an hour to one mailbox, however it is spelt


def test_one_person_holds_at_most_three_upcoming_meetings(client, login_as, consultant, free_slot):
    from tests.factories import make_person
    login_as("candidate", person=make_person(email="kari@example.no"))
    for n in range(3):
        assert client.post("/book", data=booking_form(free_slot(n).id, email="kari@example.no")
                           ).status_code in (302, 303)
    response = client.post("/book", data=booking_form(free_slot(3).id, email="kari@example.no"))
    assert response.status_code == 422
    assert "Du har allerede så mange kommende møter hos oss" in response.get_data(as_text=True)
    assert Booking.select().count() == 3
    client.post("/language", data={"lang": "en"})
    response = client.post("/book", data=booking_form(free_slot(3).id, email="kari@example.no"))
    assert "You already have as many upcoming meetings" in response.get_data(as_text=True)
