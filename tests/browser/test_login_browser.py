"""A staff member logs in with a real browser (password, then the code from their app, or the
first time setting the app up), switches language and logs out."""
import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, app_code, enrol, make_user, next_code

pytestmark = pytest.mark.browser


def test_staff_logs_in_with_the_code_from_their_app_sees_the_queue_and_logs_out(page, live_server, db):
    user = make_user(role="staff")
    enrol(user)
    page.goto(live_server.url + "/staff/queue")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", name="Logg inn")).to_be_visible()
    page.get_by_label("E-postadresse").fill(user.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", name="Totrinnsbekreftelse")).to_be_visible()
    page.get_by_label("Kode", exact=True).fill(next_code(user))  # computed from the enrolled secret
    page.get_by_role("main").get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", name="Arbeidskø")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.goto(live_server.url + "/staff/queue")
    expect(page).to_have_url(re.compile(r"/login"))


def test_wrong_password_shows_the_message_next_to_the_field(page, live_server, db):
    page.goto(live_server.url + "/login")
    page.get_by_label("E-postadresse").fill("nobody@example.no")
    page.get_by_label("Passord").fill("wrong password")
    page.get_by_role("main").get_by_role("button", name="Logg inn").click()
    expect(page.locator("#password-error")).to_have_text("E-postadressen eller passordet er feil.")
    # ... and in the error summary at the top, which links to the field.
    expect(page.locator(".error-summary a[href='#password']")).to_be_visible()


def test_htmx_loads_under_the_strict_csp(page, live_server, db):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server.url + "/login")
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert [e for e in errors if "Content Security Policy" in e] == []


def test_staff_set_up_the_app_at_their_first_login(page, live_server, db):
    user = make_user(role="admin")
    page.goto(live_server.url + "/login")
    page.get_by_label("E-postadresse").fill(user.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", name="Sett opp totrinnsbekreftelse")).to_be_visible()
    expect(page.get_by_role("img", name="QR-kode for autentiseringsappen din")).to_be_visible()
    # The key as text, typed into the app as a person would when the camera will not do.
    secret = "".join(page.locator("#secret").inner_text().split())
    page.get_by_label("De seks sifrene appen viser").fill("000000" if app_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Bekreft og logg inn").click()
    expect(page.locator("#code-error")).to_contain_text("Koden er feil.")
    page.get_by_label("De seks sifrene appen viser").fill(app_code(secret))
    page.get_by_role("button", name="Bekreft og logg inn").click()
    expect(page.get_by_role("heading", name="Gjenopprettingskodene dine")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="Jeg har tatt vare på dem: fortsett").click()
    expect(page.get_by_role("heading", name="Arbeidskø")).to_be_visible()
