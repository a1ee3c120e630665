"""Each purpose carries its own legal basis: /account shows a consent purpose only while the
consent stands, labelled as resting on consent; /privacy shows each purpose's basis."""
import re

import pytest
from flask_babel import force_locale

from portal import catalog
from portal.people.models import Person
from portal.people.registry import export_person
from tests.factories import make_person

CONSENT = {"nb": "Samtykke (personvernforordningen art. 6 nr. 1 a)", "en": "Consent (GDPR art. 6(1)(a))"}
CONTRACT = {"nb": "Avtale med deg (personvernforordningen art. 6 nr. 1 b)",
            "en": "Agreement with you (GDPR art. 6(1)(b))"}
OBLIGATION = {"nb": "Rettslig forpliktelse (personvernforordningen art. 6 nr. 1 c)",
              "en": "Legal obligation (GDPR art. 6(1)(c))"}
LEGITIMATE = {"nb": "Berettiget interesse (personvernforordningen art. 6 nr. 1 f)",
              "en": "Legitimate interest (GDPR art. 6(1)(f))"}
MARKETING = {"nb": "Markedsføring", "en": "Marketing"}
INTERNAL = {"nb": "Intern administrasjon", "en": "Internal administration"}


def section(page, key):
    """The /account card of one catalog category."""
    match = re.search(rf'<section[^>]*aria-labelledby="cat-{key}".*?</section>', page, re.S)
    assert match, key
    return match.group(0)


def basis_of(card, purpose):
    """The legal basis the card names for a purpose, or None when the purpose is not shown."""
    for item in re.findall(r"<li[^>]*>(.*?)</li>", card, re.S):
        text = re.sub(r"<[^>]+>", "", item)
        if purpose in text:
            return next((label for labels in (CONSENT, CONTRACT, OBLIGATION, LEGITIMATE)
                         for label in labels.values() if label in text), "no basis")
    return None


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_marketing_shows_on_account_only_while_consent_stands(client, login_as, lang):
    login_as("candidate", person=make_person(stage=catalog.CANDIDATE))
    client.post("/language", data={"lang": lang})

    before = client.get("/account").get_data(as_text=True)
    for key in ("name", "email"):
        assert MARKETING[lang] not in section(before, key), key
        assert basis_of(section(before, key), MARKETING[lang]) is None, key
        assert basis_of(section(before, key), INTERNAL[lang]) == OBLIGATION[lang]
    assert CONSENT[lang] not in before

    client.post("/account/consents/marketing", data={"given": "1"})
    given = client.get("/account").get_data(as_text=True)
    for key in ("name", "email"):
        assert basis_of(section(given, key), MARKETING[lang]) == CONSENT[lang], key
    # Categories marketing never uses do not gain it.
    assert basis_of(section(given, "phone"), MARKETING[lang]) is None

    client.post("/account/consents/marketing", data={"given": "0"})
    withdrawn = client.get("/account").get_data(as_text=True)
    for key in ("name", "email"):
        assert MARKETING[lang] not in section(withdrawn, key), key
        assert basis_of(section(withdrawn, key), MARKETING[lang]) is None, key
    assert CONSENT[lang] not in withdrawn


def test_no_purpose_is_listed_under_a_basis_it_does_not_rest_on(client, login_as):
    user = login_as("candidate", person=make_person(stage=catalog.CANDIDATE))
    client.post("/account/consents/marketing", data={"given": "1"})
    client.post("/language", data={"lang": "en"})
    page = client.get("/account").get_data(as_text=True)
    held = {g.category.key for g in export_person(Person.get_by_id(user.person_id))}
    with force_locale("en"):
        for category in catalog.CATEGORIES:
            if category.stage == catalog.CUSTOMER:
                continue  # a customer's contact person's own data, never on a candidate's page
            if category.stage == catalog.RECORD and category.key not in held:
                assert f'"cat-{category.key}"' not in page  # a record is shown when it holds anything
                continue
            card = section(page, category.key)
            for key in category.purposes:
                purpose = catalog.PURPOSES[key]
                assert basis_of(card, str(purpose.label)) == str(catalog.LEGAL_BASES[purpose.basis]), (
                    category.key, key)


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_privacy_page_shows_each_purposes_basis(client, lang):
    client.post("/language", data={"lang": lang})
    page = client.get("/privacy").get_data(as_text=True)
    assert basis_of(page, MARKETING[lang]) == CONSENT[lang]
    assert basis_of(page, INTERNAL[lang]) == OBLIGATION[lang]
    with force_locale(lang):
        for purpose in catalog.PURPOSES.values():
            assert basis_of(page, str(purpose.label)) == str(catalog.LEGAL_BASES[purpose.basis]), purpose.key


def test_the_catalog_gives_bases_to_purposes_not_categories():
    name = next(c for c in catalog.CATEGORIES if c.key == "name")
    assert not hasattr(name, "basis")
    assert name.bases == (catalog.CONTRACT, catalog.LEGAL_OBLIGATION, catalog.CONSENT)
    in_force = [p.key for p in catalog.purposes_in_force(name, consented=())]
    assert "marketing" not in in_force and "service_delivery" in in_force
    assert "marketing" in [p.key for p in catalog.purposes_in_force(name, consented={"marketing"})]
