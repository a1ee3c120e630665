"""In Chromium, in Norwegian: a candidate proposes a new value for what staff noted and adds a
statement beside an evaluation; a member of staff logs in with the second factor, reviews the
correction in place and accepts it; the candidate sees the outcome per value."""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from portal import catalog
from portal.candidates.models import Evaluation, NotedAvailability, Statement
from portal.corrections.models import ProposedValue
from portal.requests.models import PrivacyRequest
from tests.factories import PASSWORD, enrol, make_person, make_user, next_code

pytestmark = pytest.mark.browser


def _log_in(page, base, user, next_path):
    page.goto(f"{base}/login?next={next_path}")
    page.get_by_label("E-postadresse").fill(user.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Logg inn").click()


def test_a_correction_from_the_candidate_and_its_review_by_staff(live_server, browser, page, outbox):
    person = make_person(name="Åse Ødegård", email="ase@example.no", stage=catalog.CANDIDATE)
    candidate = make_user("candidate", person=person, email="ase@example.no")
    staff = make_user("staff", email="stab@ressursbasen.no")
    enrol(staff)
    NotedAvailability.create(person=person, availability="Heltid", salary=640000,
                             noted_by=staff.id)
    evaluation = Evaluation.create(person=person, kind="evaluation", held_on=date(2026, 11, 2),
                                   result="Trenger mer erfaring", recorded_by=staff.id)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # The candidate asks, right after logging in (having just given the password).
    _log_in(page, live_server.url, candidate, "/account/requests")
    expect(page.get_by_role("heading", name="Henvendelsene dine om opplysningene dine")).to_be_visible()
    page.get_by_label("Rette opplysninger om meg som er feil (retting)").check()
    page.get_by_text("Ved retting: de nye verdiene").click()  # opens the details
    page.get_by_label("Ny verdi: Lønn (kroner per år)").fill("68000000")  # a zero too many
    page.get_by_role("button", name="Send henvendelsen").click()
    expect(page.locator("#NotedAvailability-salary-error")).to_contain_text(
        "Skriv et beløp mellom 0 og 10 000 000.")  # the staff form's own rule and message
    assert PrivacyRequest.select().count() == 0
    page.get_by_label("Ny verdi: Lønn (kroner per år)").fill("680000")
    page.get_by_label(re.compile(r"^Din merknad til: Vurdering, 2\. nov")).fill(
        "Jeg har ledet byggeprosjekter i fem år.")
    page.get_by_label("Detaljer").fill("Jeg sa 680 000 i møtet, ikke 640 000.")
    page.get_by_role("button", name="Send henvendelsen").click()
    expect(page.get_by_text("De nye verdiene du foreslo")).to_be_visible()
    expect(page.get_by_text("Venter på svar fra oss")).to_be_visible()
    expect(page.get_by_text("Jeg har ledet byggeprosjekter i fem år.")).to_be_visible()
    asked = PrivacyRequest.get()
    assert ProposedValue.get().target == "NotedAvailability.salary"
    assert Statement.get().evaluation_id == evaluation.id

    # Staff log in with the second factor and review it from the queue, in place.
    context = browser.new_context(locale="nb-NO")
    staff_page = context.new_page()
    staff_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _log_in(staff_page, live_server.url, staff, "/staff/queue")
    expect(staff_page.get_by_role("heading", name="Totrinnsbekreftelse")).to_be_visible()
    staff_page.get_by_label("Kode", exact=True).fill(next_code(staff))
    staff_page.get_by_role("main").get_by_role("button", name="Logg inn").click()
    expect(staff_page.get_by_role("heading", name="Arbeidskø")).to_be_visible()
    section = staff_page.locator(f"#request-{asked.id}")
    expect(section).to_contain_text("(retting)")
    section.get_by_role("link", name="Gå gjennom rettingen").click()
    expect(staff_page.get_by_role("heading", name="Forespørsel om retting")).to_be_visible()
    review = staff_page.locator("#review")
    expect(review).to_contain_text("640")  # held now, beside what is proposed
    expect(review).to_contain_text("Jeg har ledet byggeprosjekter i fem år.")
    staff_page.get_by_role("button", name="Avgjør og gi personen beskjed").click()
    expect(review.get_by_text("Godta eller avslå denne verdien.")).to_be_visible()  # nothing chosen
    url = staff_page.url
    staff_page.get_by_label("Godta: rett det").check()
    staff_page.get_by_role("button", name="Avgjør og gi personen beskjed").click()
    expect(staff_page.get_by_text("Avgjort: de godtatte verdiene er rettet")).to_be_visible()
    assert staff_page.url == url  # swapped in place
    assert NotedAvailability.get().salary == 680000
    context.close()

    # The candidate sees the outcome of each value.
    page.goto(f"{live_server.url}/account/requests/{asked.id}")
    expect(page.get_by_text("Rettet", exact=True)).to_be_visible()
    expect(page.get_by_text("ingen (vi har ikke delt det med noen)")).to_be_visible()
    assert not [e for e in errors if "status of 4" not in e], errors
