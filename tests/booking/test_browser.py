"""In Chromium: browse weeks with htmx, book a time with the code from the e-mail (with and
without JavaScript), and find the confirmation with its invite."""
import icalendar
import pytest
from playwright.sync_api import expect

from portal.booking import schedule
from portal.booking.models import Booking
from portal.people.models import Person
from tests.booking.conftest import code_from, confirmations


@pytest.mark.browser

def _fill_address_and_book(page):
    """The rest of the booking form as a Norwegian visitor types it, then the button."""
    page.get_by_label("Gateadresse").fill("Storgata 1")
    page.get_by_label("Postnummer").fill("0155")
    page.get_by_label("Poststed").fill("Oslo")
    page.get_by_label("E-postadresse").fill("ase@example.no")
    page.get_by_label("Telefon", exact=True).fill("412 34 567")
    page.get_by_role("button", name="Bestill denne tiden").click()

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
    assert page.url == live_server.url + "/book?week=1"
    assert page.get_by_label("Fullt navn").input_value() == "Åse Ødegård-Ærø"

    first = page.locator('#slots input[name="slot"]').first
    slot_id = first.get_attribute("value")
    first.check()
    page.get_by_label("Intervju").check()
    page.get_by_label("På video").check()
    _fill_address_and_book(page)

    # The code step appears in place: same page, nothing booked yet.
    page.get_by_text("Vi sendte en kode til ase@example.no.").wait_for()
    assert page.url == live_server.url + "/book?week=1"
    assert Booking.select().count() == 0 and Person.select().count() == 0
    code = code_from(outbox, "ase@example.no")
    page.get_by_label("Koden fra e-posten").fill(f"{(int(code) + 1) % 10 ** 6:06d}")  # a typo
    page.get_by_role("button", name="Bekreft bestillingen").click()
    page.get_by_text("Det er ikke koden vi sendte. Du kan prøve 2 ganger til.").wait_for()
    page.get_by_label("Koden fra e-posten").fill(code)
    page.get_by_role("button", name="Bekreft bestillingen").click()

    page.get_by_role("heading", name="Takk, timen er bestilt").wait_for()
    booking = Booking.get()
    assert f"{booking.consultant_id}-{booking.starts_at:%Y%m%d%H%M}" == slot_id
    assert schedule.week_days(1)[0] <= schedule.to_oslo(booking.starts_at).date() < week2
    assert (booking.kind, booking.place) == ("interview", "video")

    [mail] = confirmations(outbox, "ase@example.no")
    [(name, ics, mime)] = mail.attachments
    cal = icalendar.Calendar.from_ical(ics)
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Oslo"
    assert cal.walk("VEVENT")[0].decoded("DTSTART") == schedule.to_oslo(booking.starts_at)
    assert not [e for e in errors if "Content Security Policy" in e]


def _heading_of_week(page, n):
    day = schedule.week_days(n)[0].day
    return page.locator("#slots h2", has_text=f"Uken som begynner {day}.")


@pytest.mark.browser
def test_the_week_is_in_the_url_and_focus_lands_on_its_heading(live_server, consultant, page):
    page.goto(live_server.url + "/book")
    page.get_by_role("link", name="Neste uke").click()
    _heading_of_week(page, 1).wait_for()
    assert page.url == live_server.url + "/book?week=1"
    # Keyboard focus is on the new week's heading, not lost to <body>.
    assert page.evaluate("document.activeElement.matches('#slots h2')")
    page.get_by_role("link", name="Neste uke").click()
    _heading_of_week(page, 2).wait_for()
    assert page.url == live_server.url + "/book?week=2"

    page.reload()
    _heading_of_week(page, 2).wait_for()
    # Back may reload the page (htmx keeps no copies of pages): wait for its scripts each time,
    # as a person would, before going back again.
    page.wait_for_load_state("load")
    page.go_back()
    _heading_of_week(page, 1).wait_for()
    assert page.url == live_server.url + "/book?week=1"
    page.wait_for_load_state("load")
    page.go_back()
    _heading_of_week(page, 0).wait_for()
    assert page.url == live_server.url + "/book"


@pytest.mark.browser
def test_keyboard_focus_on_a_radio_button_is_clearly_visible(live_server, consultant, page):
    page.goto(live_server.url + "/book")
    page.locator(".week-next").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('input[type=radio]:focus-visible')")
    # The whole label gets a dark outline of at least 3 px, not only the tiny radio dot.
    outline = page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement.closest('label'));
        return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor];
    }""")
    assert outline[0] == "solid" and outline[1] >= 3, outline
    red, green, blue = (int(x) for x in outline[2][outline[2].index("(") + 1:-1].split(",")[:3])
    assert red + green + blue < 3 * 110, outline  # dark enough to stand out against white

    page.get_by_label("Intervju").focus()
    page.keyboard.press("ArrowRight")
    outline = page.evaluate("getComputedStyle(document.activeElement.closest('label')).outlineStyle")
    assert outline == "solid"


@pytest.mark.browser
def test_an_error_summary_links_to_each_field_and_gets_focus(live_server, consultant, page):
    page.goto(live_server.url + "/book")
    page.get_by_label("Fullt navn").fill("Åse")
    page.get_by_role("button", name="Bestill denne tiden").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "#slots" in hrefs and "#street" in hrefs and "#email" in hrefs and "#name" not in hrefs
    summary.get_by_role("link", name="Skriv inn e-postadressen din.").click()
    expect(page.get_by_label("E-postadresse")).to_be_focused()


@pytest.mark.browser
def test_book_with_the_code_without_javascript(app, live_server, consultant, free_slot, outbox,
                                               browser):
    context = browser.new_context(java_script_enabled=False, locale="nb-NO")
    page = context.new_page()
    slot = free_slot(2)
    page.goto(live_server.url + "/book")
    page.locator(f'input[name="slot"][value="{slot.id}"]').check()
    page.get_by_label("Fullt navn").fill("Åse Ødegård-Ærø")
    _fill_address_and_book(page)

    # Without JavaScript the code step is a page of its own.
    page.get_by_role("heading", name="Sjekk e-posten din").wait_for()
    assert page.url == live_server.url + "/book/code"
    assert page.get_by_text("Vi sendte en kode til ase@example.no.").is_visible()
    assert Booking.select().count() == 0
    page.get_by_label("Koden fra e-posten").fill(code_from(outbox, "ase@example.no"))
    page.get_by_role("button", name="Bekreft bestillingen").click()
    page.get_by_role("heading", name="Takk, timen er bestilt").wait_for()
    booking = Booking.get()
    assert booking.starts_at == slot.starts_at and booking.person.email == "ase@example.no"
    assert len(confirmations(outbox, "ase@example.no")) == 1
    context.close()
