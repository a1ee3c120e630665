"""/privacy is rendered from the catalog, in both languages."""
from portal import catalog


def test_privacy_page_lists_every_category_and_the_rights(client):
    body = client.get("/privacy").get_data(as_text=True)
    for label in ("Navn", "Adresse", "E-postadresse", "Telefonnummer", "Fødselsdato", "Profilbilde",
                  "Språkkunnskaper", "Tilgjengelighet og lønn"):
        assert f">{label}<" in body
    assert "Tre år etter siste kontakt med deg" in body
    assert "Ti år etter at kundeavtalen opphørte" in body
    assert "Datatilsynet" in body and "personvern@ressursbasen.no" in body
    assert catalog.POLICY_VERSION in body
    assert body.count("<strong>bare med ditt samtykke</strong>") == len(catalog.CONSENT_PURPOSES)


def test_privacy_page_in_english(client):
    client.post("/language", data={"lang": "en"})
    body = client.get("/privacy").get_data(as_text=True)
    assert "How we handle your personal data" in body and "Date of birth" in body
