"""The meeting and its calendar event: where it happens, one event that moves and is cancelled,
and the consultant's own copies. Every .ics is read with two independent parsers."""
import re

import icalendar
import pytest
import vobject

from portal.booking import calendar, schedule
from portal.booking.models import Booking, Consultant
from tests.booking.conftest import book_with_code, booking_form, confirmations

CANDIDATE_LINKS = re.compile(r"/book/(cancel|move)|/register/invite|/account")


def read_ics(ics):
    """UID, SEQUENCE, METHOD, DTSTART, LOCATION, ORGANIZER, ATTENDEE as both parsers read them."""
    cal = icalendar.Calendar.from_ical(ics)
    [event] = cal.walk("VEVENT")
    attendees = event.get("ATTENDEE", [])
    attendees = attendees if isinstance(attendees, list) else [attendees]
    one = dict(method=str(cal["METHOD"]), uid=str(event["UID"]), sequence=int(event["SEQUENCE"]),
               start=event.decoded("DTSTART"), tzid=event["DTSTART"].params["TZID"],
               location=str(event["LOCATION"]), organizer=str(event["ORGANIZER"]).lower(),
               attendees=sorted(str(a).lower() for a in attendees),
               status=str(event["STATUS"]))
    assert str(one["start"].tzinfo) == "Europe/Oslo"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Oslo"]

    v = vobject.readOne(ics.decode())
    vevent = v.vevent
    two = dict(method=v.method.value, uid=vevent.uid.value, sequence=int(vevent.sequence.value),
               start=vevent.dtstart.value,
               tzid=vobject.icalendar.TimezoneComponent.pickTzid(vevent.dtstart.value.tzinfo),
               location=vevent.location.value, organizer=vevent.organizer.value.lower(),
               attendees=sorted(a.value.lower() for a in vevent.attendee_list),
               status=vevent.status.value)
    assert one == two  # the same instant, the same everything
    assert one["start"].utcoffset() == two["start"].utcoffset()
    return one


def the_ics(mail):
    [(name, ics, mime)] = mail.attachments
    assert name.endswith(".ics") and mime.startswith("text/calendar")
    return ics.encode() if isinstance(ics, str) else ics


def _book(client, outbox, slot, **overrides):
    assert book_with_code(client, outbox, booking_form(slot.id, **overrides)).status_code == 302
    return Booking.get(Booking.starts_at == slot.starts_at, Booking.status == "booked")


def _link(mail, action):
    return re.search(rf"http://portal.test(/book/{action}/\S+)", mail.body).group(1)


def _move(client, mail, slot):
    response = client.post(_link(mail, "move"), data={"slot": slot.id})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_confirmation_is_an_invitation_to_the_office_with_organizer_and_attendees(
        app, client, consultant, free_slot, outbox):
    slot = free_slot()
    _book(client, outbox, slot)
    [mail] = confirmations(outbox, "ase@example.no")
    event = read_ics(the_ics(mail))
    address = app.config["OFFICE_ADDRESS"]
    assert event["method"] == "REQUEST" and event["sequence"] == 0
    assert event["status"] == "CONFIRMED"
    assert event["start"] == schedule.to_oslo(slot.starts_at) and event["tzid"] == "Europe/Oslo"
    assert address in event["location"]
    assert event["organizer"] == "mailto:post@ressursbasen.no"
    assert "mailto:ase@example.no" in event["attendees"]
    assert "mailto:ingrid@ressursbasen.no" in event["attendees"]
    assert address in mail.body
    assert address in client.get("/book/booked").get_data(as_text=True)


@pytest.mark.parametrize("lang, phone_text", [("nb", "Vi ringer deg på +47 41 23 45 67"),
                                              ("en", "We call you on +47 41 23 45 67")])
def test_a_phone_meeting_says_which_number_we_call(client, consultant, free_slot, outbox, lang,
                                                   phone_text):
    client.post("/language", data={"lang": lang})
    _book(client, outbox, free_slot(), meeting_place="phone")
    [mail] = confirmations(outbox, "ase@example.no")
    assert phone_text in mail.body
    assert read_ics(the_ics(mail))["location"] == phone_text
    assert phone_text in client.get("/book/booked").get_data(as_text=True)


def test_a_video_meeting_gives_the_consultants_link_or_the_agencys(app, client, consultant,
                                                                    free_slot, outbox):
    Consultant.update(video_url="https://video.example.no/ingrid").execute()
    _book(client, outbox, free_slot(0), meeting_place="video")
    [mail] = confirmations(outbox, "ase@example.no")
    assert "https://video.example.no/ingrid" in mail.body
    assert read_ics(the_ics(mail))["location"] == "https://video.example.no/ingrid"
    assert "https://video.example.no/ingrid" in client.get("/book/booked").get_data(as_text=True)

    Consultant.update(video_url=None).execute()
    _book(client, outbox, free_slot(2), meeting_place="video", email="other@example.no")
    [mail] = confirmations(outbox, "other@example.no")
    assert read_ics(the_ics(mail))["location"] == app.config["VIDEO_URL"]
    assert app.config["VIDEO_URL"] in mail.body


def test_a_move_updates_the_same_event_and_says_it_moved(client, consultant, free_slot, outbox):
    first, second, third = free_slot(0), free_slot(4), free_slot(6)
    _book(client, outbox, first)
    [booked] = confirmations(outbox, "ase@example.no")
    original = read_ics(the_ics(booked))

    _move(client, booked, second)
    moved = confirmations(outbox, "ase@example.no")[-1]
    assert moved.subject == "Timen din hos ressursbasen.no er flyttet"
    assert "er flyttet" in moved.body and "Takk for at du har bestilt" not in moved.body
    assert f"kl. {schedule.to_oslo(second.starts_at):%H:%M}" in moved.body
    update = read_ics(the_ics(moved))
    assert update["uid"] == original["uid"] and update["sequence"] == original["sequence"] + 1
    assert update["method"] == "REQUEST" and update["start"] == schedule.to_oslo(second.starts_at)

    _move(client, moved, third)  # the chain keeps the one event
    again = read_ics(the_ics(confirmations(outbox, "ase@example.no")[-1]))
    assert again["uid"] == original["uid"] and again["sequence"] == original["sequence"] + 2
    assert again["start"] == schedule.to_oslo(third.starts_at)


def test_a_cancellation_sends_method_cancel_for_the_same_event(client, consultant, free_slot,
                                                               outbox):
    _book(client, outbox, free_slot(0))
    [booked] = confirmations(outbox, "ase@example.no")
    _move(client, booked, free_slot(3))
    moved = confirmations(outbox, "ase@example.no")[-1]
    update = read_ics(the_ics(moved))
    assert client.post(_link(moved, "cancel")).status_code == 200

    cancelled = confirmations(outbox, "ase@example.no")[-1]
    assert cancelled.subject == "Timen din hos ressursbasen.no er avbestilt"
    assert "er avbestilt" in cancelled.body
    event = read_ics(the_ics(cancelled))
    assert event["method"] == "CANCEL" and event["status"] == "CANCELLED"
    assert event["uid"] == update["uid"] and event["sequence"] > update["sequence"]
    assert event["start"] == update["start"]


def test_cancel_from_the_account_sends_the_cancellation_too(client, consultant, free_slot, outbox,
                                                            login_as):
    from tests.factories import make_person
    login_as("candidate", person=make_person(email="kari@example.no", name="Kari Nordmann"))
    client.post("/book", data=booking_form(free_slot(0).id, email="kari@example.no"))
    booking = Booking.get(Booking.status == "booked")
    client.post(f"/account/bookings/{booking.id}/cancel")
    cancelled = confirmations(outbox, "kari@example.no")[-1]
    assert read_ics(the_ics(cancelled))["method"] == "CANCEL"


def test_the_consultant_gets_invitation_update_and_cancellation_without_candidate_links(
        client, consultant, free_slot, outbox):
    start, later = free_slot(0), free_slot(3)
    _book(client, outbox, start, meeting_place="phone")
    _move(client, confirmations(outbox, "ase@example.no")[-1], later)
    client.post(_link(confirmations(outbox, "ase@example.no")[-1], "cancel"))
    candidate = [read_ics(the_ics(m)) for m in confirmations(outbox, "ase@example.no")]

    mails = outbox.to("ingrid@ressursbasen.no")
    assert len(mails) == 3
    mine = [read_ics(the_ics(m)) for m in mails]
    assert [e["method"] for e in mine] == ["REQUEST", "REQUEST", "CANCEL"]
    for theirs, own in zip(candidate, mine, strict=True):
        assert (own["uid"], own["sequence"], own["start"]) == (
            theirs["uid"], theirs["sequence"], theirs["start"])
        assert own["organizer"] == "mailto:post@ressursbasen.no"
        assert "mailto:ingrid@ressursbasen.no" in own["attendees"]
    assert "+47 41 23 45 67" in mine[0]["location"] and "Åse Ødegård-Ærø" in mails[0].body
    for mail in mails:
        assert not CANDIDATE_LINKS.search(mail.body), mail.body
        assert not CANDIDATE_LINKS.search(the_ics(mail).decode())
    assert "flyttet" in mails[1].subject and "avbestilt" in mails[2].subject


def test_a_move_to_another_consultant_cancels_for_the_first_and_invites_the_second(
        client, consultant, free_slot, outbox):
    from datetime import time

    from portal.booking import availability
    other = Consultant.create(name="Per Lie", email="per@ressursbasen.no")
    for weekday in range(7):
        availability.add_weekly_hours(other, weekday, time(8), time(16))
    _book(client, outbox, free_slot(0, who=consultant))
    _move(client, confirmations(outbox, "ase@example.no")[-1], free_slot(3, who=other))
    [invitation, cancellation] = outbox.to("ingrid@ressursbasen.no")
    [moved_in] = outbox.to("per@ressursbasen.no")
    assert read_ics(the_ics(cancellation))["method"] == "CANCEL"
    event = read_ics(the_ics(moved_in))
    assert event["method"] == "REQUEST"
    assert event["uid"] == read_ics(the_ics(invitation))["uid"]


def test_the_vtimezone_is_built_once_per_process(client, consultant, free_slot, outbox,
                                                 monkeypatch):
    calendar.oslo_vtimezone()  # whatever happened before: built by now
    built = []
    monkeypatch.setattr(icalendar.Calendar, "add_missing_timezones",
                        lambda *a, **k: built.append(1))
    monkeypatch.setattr(icalendar.Timezone, "from_tzid",
                        classmethod(lambda *a, **k: built.append(1)))
    for n in range(3):
        _book(client, outbox, free_slot(n * 2), email=f"p{n}@example.no")
    for n in range(3):
        read_ics(the_ics(confirmations(outbox, f"p{n}@example.no")[0]))
    assert built == []


# --- Old links and bad input --------------------------------------------------------------------

@pytest.mark.parametrize("lang, moved_text, where_text", [
    ("nb", "Denne timen er flyttet", "Lenkene for den nye tiden står i e-posten"),
    ("en", "This booking was moved", "The links for the new time are in the e-mail")])
def test_old_links_of_a_moved_booking_say_where_the_new_ones_are(client, consultant, free_slot,
                                                                 outbox, lang, moved_text,
                                                                 where_text):
    client.post("/language", data={"lang": lang})
    _book(client, outbox, free_slot(0))
    [booked] = confirmations(outbox, "ase@example.no")
    new_slot = free_slot(3)
    _move(client, booked, new_slot)
    before = [(b.id, b.status, b.starts_at, b.sequence) for b in Booking.select()]
    mails = len(outbox.messages)
    for action in ("cancel", "move"):
        for method in (client.get, client.post):
            response = method(_link(booked, action), data={"slot": free_slot(5).id})
            page = response.get_data(as_text=True)
            assert response.status_code == 410
            assert moved_text in page and where_text in page, page
            assert schedule.to_oslo(new_slot.starts_at).strftime("%H:%M") in page
    assert [(b.id, b.status, b.starts_at, b.sequence) for b in Booking.select()] == before
    assert len(outbox.messages) == mails


@pytest.mark.parametrize("lang, text", [("nb", "Denne timen er avbestilt"),
                                        ("en", "This booking has been cancelled")])
def test_moving_a_cancelled_booking_gets_a_clear_page_and_changes_nothing(
        client, consultant, free_slot, outbox, lang, text):
    client.post("/language", data={"lang": lang})
    _book(client, outbox, free_slot(0))
    [booked] = confirmations(outbox, "ase@example.no")
    client.post(_link(booked, "cancel"))
    before = [(b.id, b.status, b.starts_at, b.sequence) for b in Booking.select()]
    mails = len(outbox.messages)
    for method in (client.get, client.post):
        response = method(_link(booked, "move"), data={"slot": free_slot(3).id})
        assert response.status_code == 410 and text in response.get_data(as_text=True)
    assert [(b.id, b.status, b.starts_at, b.sequence) for b in Booking.select()] == before
    assert len(outbox.messages) == mails


def test_staff_give_a_consultant_a_video_link_and_a_bad_one_is_refused(client, login_as, db):
    login_as("staff")
    response = client.post("/staff/consultants", data={
        "name": "Jonas Lie", "email": "jonas@ressursbasen.no",
        "video_url": "https://video.example.no/jonas"})
    assert response.status_code == 302
    assert Consultant.get().video_url == "https://video.example.no/jonas"
    assert "https://video.example.no/jonas" in client.get("/staff/consultants").get_data(as_text=True)
    for bad in ("javascript:alert(1)", "video.example.no", "https://", "https://x.no/" + "a" * 500):
        response = client.post("/staff/consultants", data={
            "name": "Kari Lie", "email": "kari@ressursbasen.no", "video_url": bad})
        assert response.status_code == 422, bad
        assert "Skriv hele adressen til videorommet" in response.get_data(as_text=True)
    assert Consultant.select().count() == 1
    client.post("/staff/consultants", data={"name": "Kari Lie", "email": "kari@ressursbasen.no"})
    assert Consultant.get(Consultant.name == "Kari Lie").video_url is None
