"""In Chromium, in Norwegian: staff share two categories of a candidate with a customer's
contact person, who opens the link with the code from the e-mail and sees only those two; the
candidate sees the disclosure; the link stops working when staff close it, when the candidate
withdraws the consent, and after 14 days (frozen clock); a correction of a shared field sends the
contact a notice; a contact person's erasure request erases them through the registry."""
import re
from datetime import UTC, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from portal.customers import sharing
from portal.customers.models import CustomerContact, Disclosure
from portal.people import registry
from portal.requests import actions as requests
from portal.requests.models import PrivacyRequest
from tests.customers.conftest import code_in, link_in, make_candidate, make_contact, make_customer
from tests.factories import PASSWORD, enrol, make_user, next_code

pytestmark = pytest.mark.browser

CONTACT = "hans@byggmester.no"


def _log_in(page, base, user, staff=False):
    page.goto(base + "/login")
    page.get_by_label("E-postadresse").fill(user.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Logg inn").click()
    if staff:
        expect(page.get_by_role("heading", name="Totrinnsbekreftelse")).to_be_visible()
        page.get_by_label("Kode", exact=True).fill(next_code(user))
        page.get_by_role("main").get_by_role("button", name="Logg inn").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _open_as_contact(page, base, outbox):
    """The contact person opens the latest link e-mailed to them, with a fresh code."""
    page.goto(base + link_in(outbox, CONTACT))
    expect(page.get_by_role("heading", name="En kandidat delt med deg")).to_be_visible()
    page.get_by_role("button", name="Send meg en kode").click()
    page.get_by_label("Koden fra e-posten").fill(code_in(outbox, CONTACT))
    page.get_by_role("button", name="Vis det som ble delt").click()


def test_share_open_see_only_what_was_shared_and_close(browser, live_server, outbox):
    base = live_server.url
    customer = make_customer()
    contact = make_contact(customer, email=CONTACT)
    candidate = make_candidate(name="Kari Delbar", email="kari.delbar@example.no")
    candidate_user = make_user("candidate", person=candidate, email=candidate.email)
    staff = make_user("staff")
    enrol(staff)
    contexts = [browser.new_context(locale="nb-NO") for _ in range(3)]
    staff_page, contact_page, candidate_page = (c.new_page() for c in contexts)

    # Staff: from the candidate's record to the share form; two categories.
    _log_in(staff_page, base, staff, staff=True)
    staff_page.goto(f"{base}/staff/candidates/{candidate.id}/matching")
    staff_page.get_by_role("link", name="Del med en bedriftskunde").click()
    expect(staff_page.get_by_role("heading", name="Del Kari Delbar med en bedriftskunde")).to_be_visible()
    staff_page.get_by_label("Del med").select_option(label="Byggmester Hansen AS: Hans Hansen, Daglig leder")
    staff_page.get_by_label("Navn", exact=True).check()
    staff_page.get_by_label("Språkkunnskaper").check()
    staff_page.get_by_role("button", name="Del og send lenken").click()
    expect(staff_page.get_by_text("Delt med Hans Hansen hos Byggmester Hansen AS")).to_be_visible()
    disclosure = Disclosure.get()
    assert disclosure.category_keys == ["name", "languages"]

    # A forwarded link shows nothing without the code.
    stranger = browser.new_context(locale="nb-NO")
    stranger_page = stranger.new_page()
    stranger_page.goto(base + link_in(outbox, CONTACT))
    expect(stranger_page.get_by_role("button", name="Send meg en kode")).to_be_visible()
    assert "Kari Delbar" not in stranger_page.content()
    stranger.close()

    # The contact person: the code, then exactly the two categories.
    _open_as_contact(contact_page, base, outbox)
    expect(contact_page.get_by_role("heading", name="Kari Delbar", level=1)).to_be_visible()
    headings = contact_page.locator("main h2").all_inner_texts()
    assert headings == ["Navn", "Språkkunnskaper"]
    text = contact_page.locator("main").inner_text()
    assert "Tysk" in text
    for hidden in ("Qvorn Bygg", "Tømrer", "650", "1990", "cv-kari", candidate.email):
        assert hidden not in text, hidden

    # The candidate sees the share, and when it was opened.
    _log_in(candidate_page, base, candidate_user)
    candidate_page.goto(base + "/account?open=disclosures")
    card = candidate_page.locator("#category-disclosures")
    expect(card).to_contain_text("Byggmester Hansen AS")
    expect(card).to_contain_text("Navn, Språkkunnskaper")
    assert "Ikke åpnet" not in card.inner_text()

    # A correction of a shared field: the contact person is told.
    candidate_page.goto(base + "/account/profile/contact/edit")
    candidate_page.locator("main input[name=name]").fill("Kari Delbar-Retta")
    candidate_page.locator("main form button[type=submit]").first.click()
    expect(candidate_page.get_by_text("Takk. Kontaktopplysningene dine er rettet.")).to_be_visible()
    notices = [m for m in outbox.to(CONTACT) if "er rettet" in m.subject]
    assert len(notices) == 1 and "Kari Delbar-Retta" in notices[0].body
    contact_page.reload()
    expect(contact_page.get_by_role("heading", name="Kari Delbar-Retta", level=1)).to_be_visible()
    candidate_page.goto(base + "/account?open=disclosures")
    expect(candidate_page.locator("#category-disclosures")).to_contain_text(
        "Fått beskjed om rettingene dine")
    assert "Ingen: ingenting av det som ble delt" not in candidate_page.locator(
        "#category-disclosures").inner_text()

    # Staff close the link: it shows nothing any more.
    staff_page.goto(base + "/staff/customers/disclosures")
    staff_page.get_by_role("button", name=re.compile("^Lukk lenken")).click()
    expect(staff_page.get_by_text("Lenken er stengt: den viser ikke noe lenger.")).to_be_visible()
    contact_page.reload()
    expect(contact_page.get_by_text("Denne lenken er stengt, og viser ikke noe lenger.")).to_be_visible()
    assert "Kari Delbar" not in contact_page.content()

    # Shared again; the candidate withdraws the consent: the link closes at once.
    sharing.share(candidate, contact.id, ["name"], [], staff)
    _open_as_contact(contact_page, base, outbox)
    expect(contact_page.get_by_role("heading", name="Kari Delbar-Retta", level=1)).to_be_visible()
    candidate_page.goto(base + "/account/consents")
    candidate_page.locator("#consent-share_with_customers").get_by_role(
        "button", name=re.compile("^Trekk tilbake samtykket")).click()
    expect(candidate_page.get_by_text("Samtykke trukket tilbake")).to_be_visible()
    contact_page.reload()
    expect(contact_page.get_by_text("Denne lenken er stengt, og viser ikke noe lenger.")).to_be_visible()
    candidate_page.goto(base + "/account?open=disclosures")
    expect(candidate_page.locator("#category-disclosures")).to_contain_text(
        "Stengt da du trakk samtykket ditt")

    # Consent given again and shared again: after 14 days the link has expired.
    from portal.consent.actions import decide
    decide(candidate, sharing.PURPOSE, True)
    latest = sharing.share(candidate, contact.id, ["name"], [], staff)
    _open_as_contact(contact_page, base, outbox)
    expect(contact_page.get_by_role("heading", name="Kari Delbar-Retta", level=1)).to_be_visible()
    with time_machine.travel(latest.shared_at.replace(tzinfo=UTC) + timedelta(days=14), tick=False):
        contact_page.reload()
        expect(contact_page.get_by_text("Denne lenken er utløpt")).to_be_visible()
        assert "Kari Delbar" not in contact_page.content()
    for context in contexts:
        context.close()


def test_a_contact_persons_erasure_request_erases_them_through_the_registry(page, live_server,
                                                                            outbox):
    customer = make_customer()
    contact = make_contact(customer, email=CONTACT)
    page.goto(live_server.url + "/privacy/requests/new")
    page.get_by_label("Slette opplysningene mine (sletting)").check()
    page.get_by_label("Fullt navn", exact=True).fill("Hans Hansen")
    page.get_by_label("E-postadresse").fill(CONTACT)
    page.get_by_role("button", name="Send henvendelsen").click()
    page.get_by_label("Koden fra e-posten").fill(
        [m for m in outbox.to(CONTACT) if re.search(r": [0-9]{6}$", m.subject)][-1].subject[-6:])
    page.get_by_role("button", name="Bekreft").click()
    page.get_by_text("Takk. Henvendelsen din er bekreftet").wait_for()
    request = PrivacyRequest.get()
    assert request.status == "verified" and not request.nothing_held  # the registry found them
    # Staff approve it: the request's subject is erased through the registry.
    tombstone = requests.approve_erasure(request, make_user("staff"), request.version)
    assert CustomerContact.get_or_none(CustomerContact.id == contact.id) is None
    assert registry.was_erased(CONTACT) == [tombstone]
    assert outbox.to(CONTACT)[-1].subject == "Dine opplysninger er slettet"


def _judged(page, html_files, tmp_path):
    """axe-core's serious and critical violations and the sideways scroll of the page shown,
    and its HTML kept for the Nu Html Checker (as the whole-site walk judges every page)."""
    violations = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id))")
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    path = tmp_path / f"page{len(html_files)}.html"
    path.write_text(page.content())
    html_files.append(path)
    return violations, width <= inner


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_contact_persons_pages_pass_the_walks_checks(browser, live_server, outbox, tmp_path,
                                                         lang):
    """The customer's page behind the code (which the walk cannot reach) and each state of the
    code step: axe-core, 360 px, and the Nu Html Checker."""
    import json
    import shutil
    import subprocess

    from tests.browser.test_pages import AXE, HTMX_ATTRIBUTE, VNU
    customer = make_customer("Bygg og Anlegg Vestlandet Aksjeselskap Avdeling Bergen")
    contact = make_contact(customer, email=CONTACT)
    candidate = make_candidate(name="Maria Magdalena Ødegård-Bjørnstad Kristiansen")
    cv = [d.id for d in sharing.shareable_documents(candidate)]
    sharing.share(candidate, contact.id, ["name", "work_experience", "languages",
                                          "availability_salary"], cv, None)
    context = browser.new_context(locale="nb-NO" if lang == "nb" else "en-GB",
                                  viewport={"width": 360, "height": 740})
    context.add_init_script(script=AXE.read_text())
    page = context.new_page()
    html_files, results = [], {}
    page.goto(live_server.url + link_in(outbox, CONTACT))
    results["code step"] = _judged(page, html_files, tmp_path)
    page.locator("main form button[type=submit]").last.click()
    page.locator("input[name=code]").wait_for()
    results["code sent"] = _judged(page, html_files, tmp_path)
    page.locator("input[name=code]").fill("000000" if code_in(outbox, CONTACT) != "000000" else "111111")
    page.locator("main form button[type=submit]").first.click()
    results["wrong code"] = _judged(page, html_files, tmp_path)
    page.locator("input[name=code]").fill(code_in(outbox, CONTACT))
    page.locator("main form button[type=submit]").first.click()
    page.locator("main h1").filter(has_text="Ødegård").wait_for()
    results["what was shared"] = _judged(page, html_files, tmp_path)
    assert "cv-kari.pdf" in page.content()
    page.goto(live_server.url + "/shared/" + "x" * 43)
    results["a bad link"] = _judged(page, html_files, tmp_path)
    context.close()
    assert {k: v for k, v in results.items() if v != ([], True)} == {}
    java = shutil.which("java")
    assert java and VNU.exists()
    run = subprocess.run([java, "-jar", str(VNU), "--format", "json", "--exit-zero-always",
                          *map(str, html_files)], capture_output=True, text=True, timeout=300)
    errors = [m["message"] for m in json.loads(run.stderr or run.stdout)["messages"]
              if m["type"] in ("error", "non-document-error")
              and not HTMX_ATTRIBUTE.match(m["message"])]
    assert errors == []
