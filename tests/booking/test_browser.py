"""In Chromium: browse weeks with htmx, book a time, and find the e-mail with its invite."""
import icalendar
import pytest

from portal.booking import schedule
from portal.booking.models import Booking


@pytest.mark.browser
def test_book_a_slot_after_browsing_weeks(app, live_server, consultant, outbox, page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + "/book")
    page.get_by_label("Fullt navn").fill("Åse Ødegård-Ærø")

    week1, week2 = schedule.week_days(1)[0], schedule.week_days(2)[0]
    page.get_by_role("link", name="Neste uke").click()
    expect_heading = f"Uken som begynner {week1.day}."
    page.locator("#slots h2", has_text=expect_heading).wait_for()
    page.get_by_role("link", name="Neste uke").click()
    page.locator("#slots h2", has_text=f"Uken som begynner {week2.day}.").wait_for()
    page.get_by_role("link", name="Forrige uke").click()
    page.locator("#slots h2", has_text=expect_heading).wait_for()
    # Only the slot list was swapped: the page stayed, and so did what was typed.
    assert page.url == live_server.url + "/book"
    assert page.get_by_label("Fullt navn").input_value() == "Åse Ødegård-Ærø"

    first = page.locator('#slots input[name="slot"]').first
    slot_id = first.get_attribute("value")
    first.check()
    page.get_by_label("Intervju").check()
    page.get_by_label("På video").check()
    page.get_by_label("Gateadresse").fill("Storgata 1")
    page.get_by_label("Postnummer").fill("0155")
    page.get_by_label("Poststed").fill("Oslo")
    page.get_by_label("E-postadresse").fill("ase@example.no")
    page.get_by_label("Telefon", exact=True).fill("412 34 567")
    page.get_by_role("button", name="Bestill denne tiden").click()

    page.get_by_role("heading", name="Takk, timen er bestilt").wait_for()
    booking = Booking.get()
    assert f"{booking.consultant_id}-{booking.starts_at:%Y%m%d%H%M}" == slot_id
    assert schedule.week_days(1)[0] <= schedule.to_oslo(booking.starts_at).date() < week2
    assert (booking.kind, booking.place) == ("interview", "video")

    [mail] = outbox.to("ase@example.no")
    [(name, ics, mime)] = mail.attachments
    cal = icalendar.Calendar.from_ical(ics)
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Oslo"
    assert cal.walk("VEVENT")[0].decoded("DTSTART") == schedule.to_oslo(booking.starts_at)
    assert not [e for e in errors if "Content Security Policy" in e]
