"""Customers, contact persons and candidates to share, made through the feature's own actions;
the link and its code read from the e-mails as the contact person reads them."""
import re
from datetime import date, timedelta

import pytest

from portal import catalog
from portal.candidates.models import LanguageSkill, Profile, WorkExperience
from portal.consent.actions import decide
from portal.customers import actions, sharing
from portal.documents import actions as documents
from tests.candidates import files
from tests.factories import make_person, make_user

LINK = re.compile(r"https?://[^\s]+/shared/[\w-]+")
CODE_SUBJECT = re.compile(r"ressursbasen\.no: ([0-9]{6})$")

# Valid organisation numbers (mod 11), and one of each kind of wrong.
ORG_NUMBERS = ("974760673", "923609016", "984661185", "916075855", "971526920")


def today():
    return actions.today_in_oslo()


def make_customer(name="Byggmester Hansen AS", org_number=None, starts_on=None, ends_on=None,
                  signed_by="Hans Hansen"):
    """A customer with an agreement in force (by default from a year ago to a year ahead)."""
    taken = {c.org_number for c in actions.customers()}
    org_number = org_number or next(n for n in ORG_NUMBERS if n not in taken)
    return actions.create_customer(name, org_number, starts_on or today() - timedelta(days=365),
                                   ends_on or today() + timedelta(days=365), signed_by, None)


def make_contact(customer, **overrides):
    values = dict(name="Hans Hansen", title="Daglig leder", email="hans@byggmester.no",
                  phone="+4791234567", locale="nb")
    values.update(overrides)
    return actions.add_contact(customer, values, None)


def make_candidate(consent=True, **overrides):
    """A candidate with work experience, languages, a salary expectation, a CV and a photo;
    consenting to sharing unless told otherwise."""
    person = make_person(stage=catalog.CANDIDATE, **overrides)
    Profile.create(person=person, birth_date=date(1990, 5, 17), salary_expectation=650000,
                   availability="Fulltid")
    WorkExperience.create(person=person, employer="Qvorn Bygg AS", title="Tømrer")
    LanguageSkill.create(person=person, language="Tysk", level="B2")
    documents.upload(person, "cv", "cv-kari.pdf", files.pdf("cv"))
    documents.upload(person, "photo", "kari.png", files.png())
    if consent:
        decide(person, sharing.PURPOSE, True)
    return person


@pytest.fixture
def staff():
    return make_user("staff")


@pytest.fixture
def customer(db):
    return make_customer()


@pytest.fixture
def contact(customer):
    return make_contact(customer)


@pytest.fixture
def candidate(db):
    return make_candidate()


def link_in(outbox, address):
    """The path of the latest shared link e-mailed to an address."""
    mail = [m for m in outbox.to(address) if LINK.search(m.body)][-1]
    return "/shared/" + LINK.search(mail.body).group(0).rsplit("/shared/", 1)[1]


def code_in(outbox, address):
    mail = [m for m in outbox.to(address) if CODE_SUBJECT.search(m.subject)][-1]
    return CODE_SUBJECT.search(mail.subject).group(1)


def open_link(client, outbox, path, address):
    """Open a shared link as its contact person does: the link, a code, the code; the page."""
    first = client.get(path)
    assert first.status_code == 303, first.get_data(as_text=True)[:300]
    page = first.headers["Location"]
    asked = client.post(page + "/code")
    assert asked.status_code == 200, asked.get_data(as_text=True)[:500]
    given = client.post(page, data={"code": code_in(outbox, address)})
    assert given.status_code == 303, given.get_data(as_text=True)[:800]
    return page, client.get(page)


def logged_in(app, user):
    """Another browser, logged in as `user` (staff as if the second factor was given)."""
    from portal.auth.actions import start_session
    client = app.test_client()
    with client.session_transaction() as session:
        session.update({"sid": start_session(user, second_factor=user.is_staff),
                        "_user_id": str(user.id), "_fresh": True})
    return client
