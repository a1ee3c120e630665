"""Attacker text in the agency's e-mails: names are one line without links, and no e-mail to an
address not yet proven repeats what the visitor typed."""
import pytest

from portal.auth.models import AccountToken
from portal.booking.models import Consultant
from portal.candidates.models import Reference
from tests.factories import make_person

ONE_LINE = "Skriv navnet på én linje."
ONE_LINE_FIELD = "Skriv dette på én linje."  # line breaks are refused by every one-line field
NO_LINKS = "Et navn kan ikke inneholde en nettadresse eller lenke."
BAD_NAMES = [
    ("Ola\nNordmann", ONE_LINE_FIELD),
    ("Ola\r\nKlikk her for å bekrefte", ONE_LINE_FIELD),
    ("Ola\u2028Nordmann", ONE_LINE),
    ("Ola\u0085Nordmann", ONE_LINE_FIELD),
    ("Ola Nordmann http://evil.example/login", NO_LINKS),
    ("Ola HTTPS://evil.example", NO_LINKS),
    ("Besøk www.evil.no i dag", NO_LINKS),
    ("Ola evil.com/login", NO_LINKS),
    ("Ola EVIL.COM", NO_LINKS),
    ("Ola nordmann.no", NO_LINKS),
    ("Ola evil\uff0ecom/x", NO_LINKS),  # a full-width dot
    ("Ola ftp://evil.example", NO_LINKS),
    ("Skriv til ola@evil.no", NO_LINKS),
]
GOOD_NAMES = ["Anne-Marie O'Neil", "J.R.R. Tolkien", "Dr. Ola Nordmann", "Øystein Åsmund Ødegård",
              "Nguyễn Văn An", "Ola Nordmann jr.", "St. Olav Hansen"]


@pytest.mark.parametrize("name,message", BAD_NAMES)
def test_registration_refuses_multi_line_names_and_links(client, outbox, name, message):
    response = client.post("/register", data={"name": name, "email": "ola@example.no"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert outbox.messages == [] and AccountToken.select().count() == 0


def test_the_messages_in_english(client):
    client.post("/language", data={"lang": "en"})
    text = client.post("/register", data={"name": "Ola\nx", "email": "o@example.no"}).get_data(as_text=True)
    assert "Write this on one line." in text
    text = client.post("/register", data={"name": "www.x.no", "email": "o@example.no"}).get_data(as_text=True)
    assert "A name cannot contain a web address or link." in text


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_ordinary_names_are_accepted(client, outbox, name):
    response = client.post("/register", data={"name": name, "email": "ola@example.no"})
    assert response.status_code == 200
    assert AccountToken.get().name == name


@pytest.mark.parametrize("name,message", BAD_NAMES[1::3])
def test_references_and_consultants_refuse_them_too(client, login_as, name, message):
    from portal import catalog
    login_as("candidate", person=make_person(stage=catalog.CANDIDATE))
    response = client.post("/account/profile/references/new", data={"name": name})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert Reference.select().count() == 0
    login_as("staff")
    response = client.post("/staff/consultants", data={"name": name, "email": "c@ressursbasen.no"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert Consultant.select().count() == 0


def test_verification_email_repeats_nothing_the_visitor_typed(client, outbox):
    client.post("/register", data={"name": "Ola Nordmann", "email": "ola@example.no"})
    [mail] = outbox.to("ola@example.no")
    assert "Ola" not in mail.body and "Nordmann" not in mail.body
    assert mail.body.startswith("Hei,")
