"""Profile edited in place, the /account overview, consents, and the catalog's grip on the models."""
import re
from datetime import date, datetime

import pytest

from portal import catalog
from portal.audit.models import AuditEvent
from portal.candidates.models import LanguageSkill, Profile, WorkExperience
from portal.consent.actions import has_consent
from portal.consent.models import Consent
from portal.features import all_models
from portal.people.models import Person
from portal.people.registry import deletion_date

HX = {"HX-Request": "true"}


def test_every_column_is_in_the_catalog_or_declared_not_personal():
    known = set(catalog.fields()) | catalog.NOT_PERSONAL
    ours = [m for m in all_models() if m.__module__ in ("portal.candidates.models",
                                                        "portal.documents.models")]
    missing = [f"{m.__name__}.{name}" for m in ours for name in m._meta.fields
               if f"{m.__name__}.{name}" not in known]
    assert missing == []


def test_closed_sections_say_how_to_open_them(client, booked):
    page = client.get("/account/profile").get_data(as_text=True)
    assert "åpnes når du laster opp CV-en din" in page
    response = client.post("/account/profile/experience/new", data={"employer": "X", "title": "Y"})
    assert response.status_code == 302 and WorkExperience.select().count() == 0
    overview = client.get("/account").get_data(as_text=True)
    assert "Ikke samlet inn ennå" in overview


def test_add_and_edit_a_row_in_place(client, candidate):
    person = Person.get_by_id(candidate.person_id)
    Person.update(last_contact_at=datetime(2020, 1, 1)).where(Person.id == person.id).execute()
    form = client.get("/account/profile/experience/new", headers=HX)
    assert form.status_code == 200 and "<html" not in form.get_data(as_text=True)
    assert "Arbeidsgiver" in form.get_data(as_text=True)
    saved = client.post("/account/profile/experience/new", headers=HX, data={
        "employer": "Statens vegvesen", "title": "Ingeniør", "started_on": "2019-03-01",
        "role": "admin", "person_id": "999"})
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "<html" not in html
    assert "Statens vegvesen" in html and "1. mars 2019" in html and "Legg til" in html
    row = WorkExperience.get()
    assert row.person_id == person.id and candidate.role == "candidate"
    assert Person.get_by_id(person.id).last_contact_at > datetime(2025, 1, 1)
    edit = client.get(f"/account/profile/experience/{row.id}/edit", headers=HX).get_data(as_text=True)
    assert 'value="Statens vegvesen"' in edit
    client.post(f"/account/profile/experience/{row.id}", headers=HX,
                data={"employer": "Nye Veier", "title": "Ingeniør"})
    assert WorkExperience.get_by_id(row.id).employer == "Nye Veier"
    # Adding a row is audited as such; changing it is a correction, through the registry.
    events = [e.action for e in AuditEvent.select().where(AuditEvent.person_id == person.id)]
    assert events.count("profile.updated") == 1 and events.count("person.rectified") == 1
    assert "Nye Veier" not in "".join(e.details for e in AuditEvent.select())


def test_without_javascript_the_form_posts_and_redirects(client, candidate):
    response = client.post("/account/profile/languages/new", data={"language": "Norsk", "level": "C2"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/profile#section-languages")
    assert (LanguageSkill.get().language, LanguageSkill.get().level) == ("Norsk", "C2")
    page = client.get("/account/profile").get_data(as_text=True)
    assert "Norsk" in page and "C2" in page


def test_delete_a_row(client, candidate):
    client.post("/account/profile/languages/new", data={"language": "Engelsk", "level": "B2"})
    row = LanguageSkill.get()
    response = client.post(f"/account/profile/languages/{row.id}/delete", headers=HX)
    assert response.status_code == 200 and response.get_data(as_text=True).strip() == ""
    assert LanguageSkill.select().count() == 0


@pytest.mark.parametrize("section, data, message", [
    ("personal", {"birth_date": "2999-01-01"}, "Datoen kan ikke være fram i tid."),
    ("personal", {"birth_date": "1800-05-17"}, "Datoen kan ikke være før 1900."),
    ("personal", {"birth_date": "17.05.1990"}, "Skriv datoen som ÅÅÅÅ-MM-DD"),
    ("personal", {"gender": "robot"}, "Velg ett av alternativene."),
    ("availability", {"salary_expectation": "-5000"}, "Skriv et beløp mellom 0 og 10 000 000."),
    ("availability", {"salary_expectation": "mye"}, "Skriv et helt tall"),
    ("experience", {"employer": "", "title": "x"}, "Skriv inn arbeidsgiveren."),
    ("experience", {"employer": "A", "title": "B", "started_on": "2020-01-01", "ended_on": "2019-01-01"},
     "Sluttdatoen kan ikke være før startdatoen."),
    ("languages", {"language": "Norsk", "level": "D9"}, "Velg ett av alternativene."),
    ("references", {"name": "Ola", "phone": "12"}, "Skriv inn et gyldig telefonnummer, for eksempel"),
    ("job_notes", {"job": "Sjåfør", "text": "x" * 5000}, "4000"),
])
def test_bad_profile_input_is_refused_and_nothing_changes(client, candidate, section, data, message):
    profile_url = "/account/profile"
    client.get(profile_url)  # creates the empty Profile row
    profile = Profile.get()
    url = (f"/account/profile/{section}/{profile.id}" if section in ("personal", "availability")
           else f"/account/profile/{section}/new")
    before = Profile.get_by_id(profile.id).__data__
    events = AuditEvent.select().count()
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert Profile.get_by_id(profile.id).__data__ == before
    assert sum(m.select().count() for m in (WorkExperience, LanguageSkill)) == 0
    assert AuditEvent.select().count() == events


def test_bad_input_message_in_english(client, candidate):
    with client.session_transaction() as session:
        session["lang"] = "en"
    client.get("/account/profile")
    response = client.post(f"/account/profile/personal/{Profile.get().id}",
                           data={"birth_date": "2999-01-01"})
    assert "The date cannot be in the future." in response.get_data(as_text=True)


def test_personal_facts_are_saved_and_shown_on_the_overview(client, candidate):
    client.get("/account/profile")
    profile = Profile.get()
    client.post(f"/account/profile/personal/{profile.id}", data={
        "birth_date": "1990-05-17", "marital_status": "cohabiting", "gender": "", "nationality": "Norsk"})
    client.post(f"/account/profile/availability/{profile.id}", data={
        "available_from": "2027-01-01", "availability": "Heltid", "salary_expectation": "650000"})
    profile = Profile.get_by_id(profile.id)
    assert (profile.birth_date, profile.marital_status, profile.salary_expectation) == (
        date(1990, 5, 17), "cohabiting", 650000)
    page = client.get("/account").get_data(as_text=True)
    assert "17. mai 1990" in page and "Samboer" in page and "650" in page
    assert "Ingen ennå. Vi har ikke delt dette" in page
    assert "Samtykke" in page or "Avtale med deg" in page
    person = Person.get_by_id(candidate.person_id)
    expected = deletion_date(person)
    assert expected.year == person.last_contact_at.year + 3


def test_deletion_date_handles_29_february():
    person = Person(last_contact_at=datetime(2024, 2, 29, 12, 0))
    assert deletion_date(person) == date(2027, 2, 28)
    # Counted from the Oslo date of the contact: 23:59 UTC on 30 June is 1 July in Oslo.
    person = Person(last_contact_at=datetime(2025, 6, 30, 21, 59))
    assert deletion_date(person) == date(2028, 6, 30)
    person = Person(last_contact_at=datetime(2025, 6, 30, 23, 59))
    assert deletion_date(person) == date(2028, 7, 1)


def test_give_and_withdraw_consent_with_history(client, candidate):
    person = Person.get_by_id(candidate.person_id)
    assert client.post("/account/consents/marketing", data={"given": "1"}).status_code == 302
    assert has_consent(person, "marketing")
    page = client.get("/account/consents").get_data(as_text=True)
    assert "Trekk tilbake samtykket" in page and catalog.POLICY_VERSION in page
    client.post("/account/consents/marketing", data={"given": "0"})
    assert not has_consent(person, "marketing")
    page = client.get("/account/consents").get_data(as_text=True)
    assert "Trukket tilbake" in page and "Gitt" in page and "På kontosiden din" in page
    rows = list(Consent.select().order_by(Consent.id))
    assert [(r.purpose, r.given, r.policy_version, r.how) for r in rows] == [
        ("marketing", True, catalog.POLICY_VERSION, "account page"),
        ("marketing", False, catalog.POLICY_VERSION, "account page")]
    assert client.post("/account/consents/statistics", data={"given": "1"}).status_code == 404
    assert Consent.select().count() == 2


def test_account_says_basis_and_retention_once_per_group_and_summarises_each_category(client, candidate):
    page = client.get("/account").get_data(as_text=True)
    # Contact details and the profile: one folded line per category, each summarising what
    # is held; why, basis and how long said once for each of the two groups, not per category.
    folded = catalog.categories(catalog.BOOKING) + catalog.categories(catalog.CANDIDATE)
    assert page.count('<section class="holding"') == len(folded)
    shown = re.sub(r"<details.*?</details>", "", page, flags=re.S)
    assert shown.count("Avtale med deg (personvernforordningen art. 6 nr. 1 b)") == 2
    assert shown.count("Tre år etter siste kontakt med deg") == 2
    # Our dealings with the person: a folded line for each record that holds anything, which
    # says why and how long for itself when opened (their rules differ).
    records = re.findall(r'<section class="holding record" id="category-(\w+)"', page)
    assert records == ["login", "audit"]  # a new account: its login and the log of it
    assert page.count("<summary") == len(folded) + len(records)
    summaries = " ".join(re.findall(r"<summary>(.*?)</summary>", page, flags=re.S))
    assert "Kontoen din og innlogginger" in summaries and "Innloggede nettlesere: 1" in summaries
    assert "Logg over hva som er gjort med opplysningene dine" in summaries
    assert "Fem år etter hendelsen" not in shown and "Fem år etter hendelsen" in page
