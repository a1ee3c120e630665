"""A staff member logs in with a real browser, switches language and logs out."""
import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_staff_logs_in_sees_the_queue_and_logs_out(page, live_server, db):
    user = make_user(role="staff")
    page.goto(live_server.url + "/staff/queue")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", name="Logg inn")).to_be_visible()
    page.get_by_label("E-postadresse").fill(user.email)
    page.get_by_label("Passord").fill(PASSWORD)
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
