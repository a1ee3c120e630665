"""In Chromium, in Norwegian: ask for a copy without an account with the code from the e-mail;
and from the account, where the page polls until the copy can be downloaded."""
import pytest

from portal import catalog
from portal.requests import export
from portal.requests.models import AccessExport, PrivacyRequest
from tests.factories import PASSWORD, make_person, make_user
from tests.requests.conftest import code_from

pytestmark = pytest.mark.browser


def test_the_public_request_flow_in_norwegian(live_server, outbox, page):
    make_person(email="ase@example.no", name="Åse Ødegård")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + "/privacy")
    page.get_by_role("link", name="Spør om opplysningene dine").first.click()
    page.get_by_role("heading", name="Spør om opplysningene dine").wait_for()
    page.get_by_role("button", name="Send henvendelsen").click()  # nothing filled in
    page.get_by_text("Velg hva du ønsker.").first.wait_for()
    assert PrivacyRequest.select().count() == 0
    page.get_by_label("Rette opplysninger om meg som er feil (retting)").check()
    page.get_by_label("Detaljer").fill("Telefonnummeret mitt er 412 34 567.")
    page.get_by_label("Fullt navn", exact=True).fill("Åse Ødegård")  # not the new value of one
    page.get_by_label("E-postadresse").fill("ase@example.no")
    page.get_by_role("button", name="Send henvendelsen").click()

    page.get_by_text("Vi sendte en kode til ase@example.no.").wait_for()
    assert PrivacyRequest.get().status == "received"
    code = code_from(outbox, "ase@example.no")
    page.get_by_label("Koden fra e-posten").fill(f"{(int(code) + 1) % 10 ** 6:06d}")  # a typo
    page.get_by_role("button", name="Bekreft").click()
    page.get_by_text("Det er ikke koden vi sendte. Du kan prøve 2 ganger til.").wait_for()
    page.get_by_label("Koden fra e-posten").fill(code)
    page.get_by_role("button", name="Bekreft").click()

    page.get_by_text("Takk. Henvendelsen din er bekreftet").wait_for()
    assert page.url == live_server.url + "/privacy/requests"
    card = page.locator(".privacy-request")
    assert "Rette opplysninger om meg som er feil (retting)" in card.inner_text()
    assert "Telefonnummeret mitt er 412 34 567." in card.inner_text()
    assert "dager igjen" in card.inner_text()
    assert PrivacyRequest.get().status == "verified"
    # Chromium logs a page's own 4xx status (the refused form, the typo) as an error: only those.
    assert not [e for e in errors if "the server responded with a status of 422" not in e]


def test_a_copy_from_the_account_appears_without_reloading(live_server, outbox, page):
    person = make_person(email="kari@example.no", stage=catalog.CANDIDATE)
    user = make_user("candidate", person=person, email="kari@example.no")
    page.goto(live_server.url + "/login?next=/account/requests")
    page.locator("main input[name=email]").fill(user.email)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.get_by_role("heading", name="Henvendelsene dine om opplysningene dine").wait_for()
    # Having just logged in is having just given the password: the form is there.
    page.get_by_label("En kopi av opplysningene dere har om meg (innsyn)").check()
    page.get_by_role("button", name="Send henvendelsen").click()
    page.get_by_text("Denne siden oppdaterer seg selv").wait_for()
    url = page.url
    export.build(AccessExport.get().id)  # the worker
    page.get_by_role("link", name="Last ned kopien din (zip)").wait_for(timeout=10000)
    assert page.url == url  # swapped in place by the polling fragment
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned kopien din (zip)").click()
    assert download.value.suggested_filename.endswith(".zip")
