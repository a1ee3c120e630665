"""The staff queue in Chromium: a member of staff logs in with the second factor, handles a
privacy request in place (the page never reloads), opens a candidate, records an evaluation and
marks the meeting, and the candidate then sees that their record was opened; the list refreshes
itself but never under someone typing in it; and all of it works without JavaScript."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal import catalog
from portal.booking.models import Booking, Consultant
from portal.candidates.models import Evaluation
from portal.db import utcnow
from portal.requests import actions
from portal.requests.models import PrivacyRequest
from tests.factories import PASSWORD, enrol, make_person, make_user, next_code

pytestmark = pytest.mark.browser

MARKER = "window.queueMarker"  # set once; a page load would lose it


def _log_in_staff(page, base, user):
    """The password, then the code from the app, as a person does; lands on the queue."""
    page.goto(base + "/login")
    page.get_by_label("E-postadresse").fill(user.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", name="Totrinnsbekreftelse")).to_be_visible()
    page.get_by_label("Kode", exact=True).fill(next_code(user))
    page.get_by_role("main").get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", name="Arbeidskø")).to_be_visible()


def _asked(kind="question", details="Hvem har fått CV-en min?", name="Ola Spør"):
    person = make_person(name=name)
    return PrivacyRequest.get_by_id(actions.ask_as_candidate(person, kind, details, "nb").id)


def _meeting(person, minutes=-15):
    consultant = Consultant.create(name="Ingrid Bakke", email=f"ingrid{person.id}@ressursbasen.no")
    starts = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=minutes)
    return Booking.create(person=person, consultant=consultant, starts_at=starts,
                          ends_at=starts + timedelta(minutes=45), kind="meeting", place="office")


def _mark_the_page(page):
    page.evaluate(f"{MARKER} = 'no reload'")


def _not_reloaded(page):
    return page.evaluate(f"{MARKER}") == "no reload"


def test_staff_handle_a_request_open_a_candidate_evaluate_and_mark_the_meeting(
        browser, page, live_server, db):
    staff = make_user("staff", email="silje.saksbehandler@ressursbasen.no")
    enrol(staff)
    kari = make_person(name="Kari Kandidat", email="kari.kandidat@example.no",
                       stage=catalog.CANDIDATE)
    candidate = make_user("candidate", person=kari, email="kari.kandidat@example.no")
    meeting = _meeting(kari)
    asked = _asked()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    _log_in_staff(page, live_server.url, staff)
    expect(page.locator("#queue-count .count")).to_have_text("2")  # the request, the meeting
    _mark_the_page(page)
    row = page.locator(f"#request-{asked.id}")
    row.get_by_role("button", name="Tildel til meg").click()
    expect(row.get_by_text("Tildelt deg.")).to_be_visible()
    expect(row.get_by_text(f"Tildelt {staff.email} (deg)")).to_be_visible()
    row.get_by_role("button", name="Ta fatt på").click()
    expect(row.get_by_text("Tatt fatt på: personen har fått beskjed.")).to_be_visible()
    row.get_by_text("Utført", exact=True).click()  # opens the form
    row.get_by_label("Melding til personen (valgfritt)").fill("Ingen har fått CV-en din.")
    row.get_by_role("button", name="Merk som ferdig").click()
    expect(row.get_by_text("Utført: personen har fått beskjed.")).to_be_visible()
    assert _not_reloaded(page)
    done = PrivacyRequest.get_by_id(asked.id)
    assert (done.status, done.assignee, done.answer) == ("done", staff.id,
                                                         "Ingen har fått CV-en din.")

    # The candidate of the meeting: their record, opened for the follow-up of the meeting.
    page.locator(f"#booking-{meeting.id}").get_by_role("link", name="Kari Kandidat").click()
    expect(page.get_by_role("heading", name=re.compile("Kari Kandidat"))).to_be_visible()
    _mark_the_page(page)
    page.get_by_text("Legg til en vurdering eller kompetanseanalyse").click()
    evaluations = page.locator("#evaluations")
    evaluations.get_by_label("Dato").fill((utcnow().date()).isoformat())
    evaluations.get_by_label("Resultat").fill("Egnet for prosjektledelse")
    evaluations.get_by_role("button", name="Legg til", exact=True).click()
    expect(evaluations.locator(".entry-text", has_text="Egnet for prosjektledelse")).to_be_visible()
    expect(evaluations.get_by_text("Lagret.")).to_be_visible()
    assert _not_reloaded(page)
    assert Evaluation.get(Evaluation.person == kari.id).recorded_by == staff.id

    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name=re.compile("^Kø")).click()
    expect(page.get_by_role("heading", name="Arbeidskø")).to_be_visible()
    _mark_the_page(page)
    booking_row = page.locator(f"#booking-{meeting.id}")
    booking_row.get_by_role("button", name="Gjennomført").click()
    expect(booking_row.get_by_text("Markert som gjennomført.")).to_be_visible()
    assert _not_reloaded(page)
    assert Booking.get_by_id(meeting.id).status == "attended"
    assert not errors

    # The candidate sees that their record was opened: when, by which role, why; not by whom.
    context = browser.new_context(locale="nb-NO")
    theirs = context.new_page()
    theirs.goto(live_server.url + "/login")
    theirs.get_by_label("E-postadresse").fill(candidate.email)
    theirs.get_by_label("Passord").fill(PASSWORD)
    theirs.get_by_role("main").get_by_role("button", name="Logg inn").click()
    expect(theirs.get_by_role("heading", name="Dette har vi om deg")).to_be_visible()
    card = theirs.locator("#category-record_views")
    card.get_by_text("Når våre ansatte åpnet opplysningene dine").click()
    expect(card).to_contain_text("En av våre ansatte: Oppfølging av en bestilling eller et møte")
    assert "silje" not in theirs.content().lower()
    context.close()


def test_the_list_refreshes_itself_but_never_under_someone_working_in_it(app, page, live_server, db):
    app.config["QUEUE_POLL_SECONDS"] = 1
    staff = make_user("staff")
    enrol(staff)
    first = _asked(name="Første Spør")
    _log_in_staff(page, live_server.url, staff)
    _mark_the_page(page)

    # Left alone, the list and the count in the navigation follow what comes in.
    second = _asked(name="Andre Spør")
    expect(page.locator(f"#request-{second.id}")).to_be_visible(timeout=10_000)
    expect(page.locator("#queue-count .count")).to_have_text("2")
    assert _not_reloaded(page)

    # Someone writing a reason: focus and text survive several refreshes, and nothing moves.
    row = page.locator(f"#request-{first.id}")
    row.get_by_text("Avslå", exact=True).click()
    reason = row.locator(f"#deny-reason-{first.id}")
    reason.click()
    page.keyboard.type("Vi har ikke ")
    third = _asked(name="Tredje Spør")
    page.wait_for_timeout(3500)  # three refreshes' worth
    assert page.evaluate("document.activeElement.id") == f"deny-reason-{first.id}"
    page.keyboard.type("noe om deg.")
    expect(reason).to_have_value("Vi har ikke noe om deg.")
    expect(page.locator(f"#request-{third.id}")).to_have_count(0)  # the refresh waited

    # Only focus, nothing typed (a keyboard user on a button): the refresh waits too.
    reason.fill("")
    row.get_by_text("Avslå", exact=True).click()  # closes the form again
    row.get_by_role("button", name="Tildel til meg").focus()
    page.wait_for_timeout(2500)
    expect(page.locator(f"#request-{third.id}")).to_have_count(0)
    assert page.evaluate("document.activeElement.textContent") == "Tildel til meg"

    # Done working in the list: the refresh comes.
    page.get_by_role("heading", name="Arbeidskø").click()
    page.evaluate("document.activeElement.blur()")
    expect(page.locator(f"#request-{third.id}")).to_be_visible(timeout=10_000)
    expect(page.locator("#queue-count .count")).to_have_text("3")
    assert _not_reloaded(page)


def test_filters_and_assigning_work_without_javascript(browser, live_server, db):
    staff = make_user("staff")
    enrol(staff)
    asked = _asked()
    _meeting(make_person(name="Per Møte"))
    context = browser.new_context(java_script_enabled=False, locale="nb-NO")
    page = context.new_page()
    _log_in_staff(page, live_server.url, staff)
    page.get_by_label("Type", exact=True).select_option(label="Personvernhenvendelser")
    page.get_by_label("Tildelt", exact=True).select_option(label="Ingen")
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/queue\?kind=requests&status=&assignee=nobody$"))
    expect(page.locator(f"#request-{asked.id}")).to_be_visible()
    expect(page.get_by_text("Per Møte")).to_have_count(0)
    page.locator(f"#request-{asked.id}").get_by_role("button", name="Tildel til meg").click()
    expect(page.get_by_text("Tildelt deg.")).to_be_visible()
    # Back on the same page of the queue: the same filters.
    assert page.url == live_server.url + "/staff/queue?kind=requests&assignee=nobody"
    assert PrivacyRequest.get_by_id(asked.id).assignee == staff.id
    expect(page.locator(f"#request-{asked.id}")).to_have_count(0)  # no longer unassigned
    context.close()
