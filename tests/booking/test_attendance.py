"""Attendance: held or not attended once a meeting has started, undone on the same day, and the
list of past bookings with its filters and pages."""
import threading
from datetime import UTC, timedelta

import pytest
import time_machine

from portal import catalog
from portal.audit.models import AuditEvent
from portal.booking import attendance
from portal.booking.models import Booking, Consultant
from portal.candidates.models import Evaluation, WorkExperience
from portal.db import utcnow
from portal.people.models import Person
from tests.factories import make_person

HTMX = {"HX-Request": "true"}


@pytest.fixture
def meeting(consultant):
    """A function making a booking that starts `minutes` from now (negative: started)."""
    def make(minutes=-10, person=None, status="booked", who=None):
        starts = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=minutes)
        return Booking.create(person=person or make_person(), consultant=who or consultant,
                              starts_at=starts, ends_at=starts + timedelta(minutes=45),
                              kind="meeting", place="office", status=status)
    return make


def _state(booking):
    b = Booking.get_by_id(booking.id)
    return b.status, b.marked_at, Person.get_by_id(b.person_id).stage, AuditEvent.select().count()


@pytest.mark.parametrize("action", ["attended", "no-show"])
def test_a_meeting_that_has_not_started_cannot_be_marked(client, login_as, meeting, action):
    login_as("staff")
    booking = meeting(minutes=30)
    before = _state(booking)
    response = client.post(f"/staff/bookings/{booking.id}/{action}", data={"back": "/staff/queue"})
    assert response.headers["Location"] == "/staff/queue"
    assert "Dette møtet har ikke startet ennå" in client.get("/staff/queue").get_data(as_text=True)
    assert _state(booking) == before


def test_the_refusal_is_in_english_too_and_in_place_with_htmx(client, login_as, meeting):
    login_as("staff")
    client.post("/language", data={"lang": "en", "next": "/staff/queue"})
    booking = meeting(minutes=30)
    page = client.post(f"/staff/bookings/{booking.id}/attended", headers=HTMX).get_data(as_text=True)
    assert page.lstrip().startswith(f'<tr id="booking-{booking.id}">')
    assert "This meeting has not started yet. Mark it once it has begun." in page
    assert Booking.get_by_id(booking.id).status == "booked"


def test_held_opens_the_candidate_stage_and_a_second_marking_is_refused(client, login_as, meeting):
    login_as("staff")
    booking = meeting()
    row = client.post(f"/staff/bookings/{booking.id}/attended", headers=HTMX).get_data(as_text=True)
    assert "Markert som gjennomført." in row and "Gjennomført" in row and f"/staff/bookings/{booking.id}/undo" in row
    assert Booking.get_by_id(booking.id).status == "attended"
    assert Person.get_by_id(booking.person_id).stage == catalog.CANDIDATE
    assert {"booking.attended", "person.candidate_stage_opened"} <= {
        e.action for e in AuditEvent.select()}
    # Another member of staff, on a page loaded before: refused, nothing changes.
    before = _state(booking)
    response = client.post(f"/staff/bookings/{booking.id}/no-show", data={"back": "/staff/bookings"})
    assert response.headers["Location"] == "/staff/bookings"
    assert "Noen andre endret denne bestillingen" in client.get("/staff/bookings").get_data(as_text=True)
    assert _state(booking) == before


def test_two_staff_marking_at_once_one_wins(app, meeting):
    booking = meeting()
    attendance.mark(booking.id, "no_show")
    with pytest.raises(attendance.MarkProblem) as refused:
        attendance.mark(booking.id, "attended")
    assert refused.value.code == "changed"
    assert Booking.get_by_id(booking.id).status == "no_show"


def test_undoing_held_on_the_same_day_closes_the_stage_it_opened(client, login_as, meeting):
    login_as("staff")
    booking = meeting()
    client.post(f"/staff/bookings/{booking.id}/attended")
    client.post(f"/staff/bookings/{booking.id}/undo")
    assert _state(booking)[:3] == ("booked", None, catalog.BOOKING)
    assert {"booking.mark_undone", "person.candidate_stage_closed"} <= {
        e.action for e in AuditEvent.select()}
    # Booked again: it can be marked again.
    client.post(f"/staff/bookings/{booking.id}/no-show")
    assert Booking.get_by_id(booking.id).status == "no_show"


def test_undoing_held_keeps_the_stage_and_the_data_given_meanwhile(client, login_as, meeting):
    staff = login_as("staff")
    booking = meeting()
    client.post(f"/staff/bookings/{booking.id}/attended")
    Evaluation.create(person=booking.person_id, kind="evaluation", result="Egnet",
                      recorded_by=staff.id)
    client.post(f"/staff/bookings/{booking.id}/undo")
    assert Booking.get_by_id(booking.id).status == "booked"
    assert Person.get_by_id(booking.person_id).stage == catalog.CANDIDATE
    assert Evaluation.select().where(Evaluation.person == booking.person_id).count() == 1
    assert "person.candidate_stage_closed" not in {e.action for e in AuditEvent.select()}


def test_undoing_held_keeps_the_stage_when_the_candidate_gave_data(app, meeting):
    booking = meeting()
    attendance.mark(booking.id, "attended")
    WorkExperience.create(person=booking.person_id, employer="Bygg AS", title="Snekker")
    attendance.undo(booking.id)
    assert Person.get_by_id(booking.person_id).stage == catalog.CANDIDATE


def test_undoing_held_keeps_the_stage_when_another_meeting_was_held(app, meeting):
    first = meeting(minutes=-60 * 24 * 3)
    attendance.mark(first.id, "attended", now=utcnow() - timedelta(days=3))
    second = meeting(minutes=-10, person=Person.get_by_id(first.person_id))
    attendance.mark(second.id, "attended")
    attendance.undo(second.id)
    assert Person.get_by_id(first.person_id).stage == catalog.CANDIDATE


def test_an_empty_profile_row_is_no_candidate_data(app, meeting):
    from portal.candidates.actions import profile_of
    booking = meeting()
    attendance.mark(booking.id, "attended")
    profile_of(Person.get_by_id(booking.person_id))  # made when the candidate opened the page
    attendance.undo(booking.id)
    assert Person.get_by_id(booking.person_id).stage == catalog.BOOKING


def test_a_marking_cannot_be_undone_the_next_day(client, login_as, meeting):
    booking = meeting(minutes=-60)
    attendance.mark(booking.id, "no_show")
    tomorrow = utcnow().replace(tzinfo=UTC) + timedelta(days=1)
    with time_machine.travel(tomorrow, tick=False):
        login_as("staff")
        before = _state(booking)
        client.post(f"/staff/bookings/{booking.id}/undo", data={"back": "/staff/bookings"})
        page = client.get("/staff/bookings").get_data(as_text=True)
        assert "En markering kan bare angres samme dag som den ble gjort." in page
        assert f"/staff/bookings/{booking.id}/undo" not in page
        assert _state(booking) == before


def test_undoing_what_is_not_marked_is_refused(client, login_as, meeting):
    login_as("staff")
    booking = meeting()
    before = _state(booking)
    client.post(f"/staff/bookings/{booking.id}/undo")
    assert "så det er ingenting å angre" in client.get("/staff/queue").get_data(as_text=True)
    assert _state(booking) == before


def test_a_form_from_an_old_page_goes_back_only_to_our_own_staff_lists(client, login_as, meeting):
    login_as("staff")
    booking = meeting()
    response = client.post(f"/staff/bookings/{booking.id}/attended",
                           data={"back": "https://evil.example/staff/"})
    assert response.headers["Location"] == "/staff/queue"
    # Found by attack15: a line break was a 500 (a header cannot hold one).
    for back in ("/staff/bookings?\r\nSet-Cookie: x=1", "/staff/bookings\x00"):
        response = client.post(f"/staff/bookings/{booking.id}/undo", data={"back": back})
        assert response.status_code == 302 and response.headers["Location"] == "/staff/queue"


# --- Past bookings ---------------------------------------------------------------------------

@pytest.fixture
def history(consultant, meeting):
    """30 past meetings of Ingrid (every 3 hours back), 3 of another consultant, 1 to come."""
    other = Consultant.create(name="Per Hansen", email="per@ressursbasen.no")
    statuses = ["attended", "no_show", "cancelled", "booked", "moved"]
    ingrid = [meeting(minutes=-180 * (n + 1), status=statuses[n % 5]) for n in range(30)]
    pers = [meeting(minutes=-90 - 180 * n, who=other, status="attended") for n in range(3)]
    meeting(minutes=60)
    return ingrid, pers, other


def _ids(page):
    import re
    return [int(i) for i in re.findall(r'<tr id="booking-(\d+)">', page)]


def test_past_bookings_are_listed_newest_first_a_page_at_a_time(client, login_as, history):
    login_as("staff")
    ingrid, pers, _ = history
    everything = sorted(ingrid + pers, key=lambda b: b.starts_at, reverse=True)
    first = client.get("/staff/bookings").get_data(as_text=True)
    assert _ids(first) == [b.id for b in everything[:attendance.PAGE_SIZE]]
    import re
    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(next_url).get_data(as_text=True)
    assert _ids(second) == [b.id for b in everything[attendance.PAGE_SIZE:]]
    assert 'rel="next"' not in second and "Nyeste først" in second


def test_past_bookings_are_filtered_by_consultant_date_and_status(client, login_as, history):
    login_as("staff")
    ingrid, pers, other = history
    assert _ids(client.get(f"/staff/bookings?consultant={other.id}").get_data(as_text=True)) == [
        b.id for b in pers]
    held = [b for b in ingrid + pers if b.status == "attended"]
    page = client.get("/staff/bookings?status=attended").get_data(as_text=True)
    assert sorted(_ids(page)) == sorted(b.id for b in held)
    day = ingrid[0].starts_at + timedelta(hours=2)  # Oslo date of the newest meeting
    from portal.booking.schedule import oslo_today
    on = oslo_today(ingrid[0].starts_at).isoformat()
    page = client.get(f"/staff/bookings?on_or_after={on}&on_or_before={on}").get_data(as_text=True)
    expected = [b.id for b in sorted(ingrid + pers, key=lambda b: b.starts_at, reverse=True)
                if oslo_today(b.starts_at).isoformat() == on]
    assert _ids(page) == expected and expected and day


@pytest.mark.parametrize("query, message", [
    ("on_or_after=2026-13-40", "Skriv datoen som ÅÅÅÅ-MM-DD"),
    ("consultant=abc", "Velg en konsulent fra listen."),
    ("consultant=99999", "Velg en konsulent fra listen."),
    ("status=deleted", "Velg en status fra listen."),
    ("on_or_after=2026-11-02&on_or_before=2026-11-01", "Sluttdatoen må være samme dag som"),
    # Found by attack15: the first and last days Python has were a 500 (Oslo midnight of the
    # day after 9999-12-31, and of 0001-01-01 in UTC, are out of range).
    ("on_or_before=9999-12-31", "Skriv inn en dato mellom 1900 og 2100."),
    ("on_or_after=0001-01-01", "Skriv inn en dato mellom 1900 og 2100."),
])
def test_bad_filters_get_a_message_and_list_nothing(client, login_as, history, query, message):
    login_as("staff")
    response = client.get(f"/staff/bookings?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and _ids(page) == []


@pytest.mark.parametrize("before", ["9" * 40, "-99999999999999999999", "x", "0"])
def test_a_broken_page_link_shows_the_first_page(client, login_as, history, before):
    """Found by attack15: an id past SQLite's 64-bit integers was a 500 there."""
    login_as("staff")
    first = client.get("/staff/bookings").get_data(as_text=True)
    response = client.get("/staff/bookings", query_string={"before": before})
    assert response.status_code == 200
    assert _ids(response.get_data(as_text=True)) == _ids(first)


def test_held_is_contact_and_its_undo_puts_the_retention_clock_back(app, meeting):
    booking = meeting()
    before = Person.get_by_id(booking.person_id).last_contact_at
    attendance.mark(booking.id, "attended")
    assert Person.get_by_id(booking.person_id).last_contact_at > before
    attendance.undo(booking.id)
    assert Person.get_by_id(booking.person_id).last_contact_at == before


def test_an_undo_keeps_contact_made_after_the_marking(app, meeting):
    from portal.people.contact import contact
    booking = meeting()
    attendance.mark(booking.id, "attended")
    person = Person.get_by_id(booking.person_id)
    contact(person, "login")
    attendance.undo(booking.id)
    assert Person.get_by_id(booking.person_id).last_contact_at == person.last_contact_at


def test_not_attended_is_no_contact(app, meeting):
    booking = meeting()
    before = Person.get_by_id(booking.person_id).last_contact_at
    attendance.mark(booking.id, "no_show")
    assert Person.get_by_id(booking.person_id).last_contact_at == before


# --- Undoing "held" while the candidate uploads a CV at the same moment --------------------------

def _in_a_thread(app, work, errors):
    from portal.db import db
    try:
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                work()
            finally:
                db.close()
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def _upload_cv(person):
    from portal.documents import actions as documents
    from tests.candidates import files
    return documents.upload(person, "cv", "cv.pdf", files.pdf())


def test_an_undo_waits_for_a_cv_being_uploaded_and_keeps_the_stage(app, db, meeting, monkeypatch):
    """The CV's transaction holds the person when the undo starts: the undo waits for it, then
    sees the CV, and the stage stays open. (A login between the marking and the undo means the
    undo's own change of the retention clock touches no row: without its lock on the person,
    it found no CV on PostgreSQL and closed the stage under the CV being saved.)"""
    from portal.documents import actions as documents
    from portal.documents.models import Document
    booking = meeting()
    attendance.mark(booking.id, "attended")
    person = Person.get_by_id(booking.person_id)
    person.touch()  # the candidate logged in meanwhile: new contact
    db.close()
    saving, release = threading.Event(), threading.Event()
    real_open = documents.open_candidate_stage

    def open_slowly(who, reason):  # inside the upload's transaction, the CV row written
        saving.set()
        assert release.wait(30)
        return real_open(who, reason)

    monkeypatch.setattr(documents, "open_candidate_stage", open_slowly)
    errors = []
    upload = threading.Thread(target=_in_a_thread, args=(app, lambda: _upload_cv(person), errors))
    upload.start()
    assert saving.wait(30)
    undo = threading.Thread(target=_in_a_thread,
                            args=(app, lambda: attendance.undo(booking.id), errors))
    undo.start()
    undo.join(1)
    waited = undo.is_alive()
    release.set()
    upload.join(30)
    undo.join(30)
    db.connect(reuse_if_open=True)
    assert errors == []
    assert waited  # for the upload's transaction to end
    assert Booking.get_by_id(booking.id).status == "booked"
    assert Document.select().where(Document.person == person.id).count() == 1
    assert Person.get_by_id(person.id).stage == catalog.CANDIDATE
    assert "person.candidate_stage_closed" not in {e.action for e in AuditEvent.select()}


def test_a_cv_uploaded_while_an_undo_closes_the_stage_opens_it_again(app, db, meeting, monkeypatch):
    """The undo holds the person and closes the stage; the upload, which read the person as a
    candidate before, waits for it and then opens the stage again: the CV is never held with
    the stage closed."""
    from portal.documents.models import Document
    booking = meeting()
    attendance.mark(booking.id, "attended")
    person = Person.get_by_id(booking.person_id)  # the upload's page read this: a candidate
    assert person.is_candidate
    db.close()
    closing, release = threading.Event(), threading.Event()
    real_close = attendance.close_candidate_stage

    def close_slowly(who, reason):  # inside the undo's transaction
        closed = real_close(who, reason)
        closing.set()
        assert release.wait(30)
        return closed

    monkeypatch.setattr(attendance, "close_candidate_stage", close_slowly)
    errors = []
    undo = threading.Thread(target=_in_a_thread,
                            args=(app, lambda: attendance.undo(booking.id), errors))
    undo.start()
    assert closing.wait(30)
    upload = threading.Thread(target=_in_a_thread, args=(app, lambda: _upload_cv(person), errors))
    upload.start()
    upload.join(0.5)
    waited = upload.is_alive()
    release.set()
    undo.join(30)
    upload.join(30)
    db.connect(reuse_if_open=True)
    assert errors == []
    assert waited  # for the undo's transaction to end
    assert Document.select().where(Document.person == person.id).count() == 1
    assert Person.get_by_id(person.id).stage == catalog.CANDIDATE
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert actions.index("person.candidate_stage_closed") < actions.index(
        "person.candidate_stage_opened", actions.index("person.candidate_stage_closed"))
