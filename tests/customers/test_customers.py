"""Staff register customers with their first agreement (the organisation number checked mod 11),
more agreements, and contact persons; every change audited, bad input refused with a clear
message in nb and en and nothing changed."""
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from portal.audit.models import AuditEvent
from portal.customers import actions
from portal.customers.forms import org_number_problem
from portal.customers.models import Customer, CustomerAgreement, CustomerContact
from portal.features import all_models
from tests.customers.conftest import make_contact, make_customer, today


def _customer_form(**overrides):
    data = dict(name="Fjordtransport AS", org_number="923 609 016",
                starts_on=today().isoformat(), ends_on=(today() + timedelta(days=365)).isoformat(),
                signed_by="Ola Fjord")
    data.update(overrides)
    return data


def _rows():
    return {m.__name__: m.select().count() for m in all_models()}


@pytest.mark.parametrize("number", ["974760673", "923609016", "984661185", "974 760 673"])
def test_valid_organisation_numbers_pass_the_mod_11_check(number):
    assert org_number_problem(number) is None


@pytest.mark.parametrize("number, nb, en", [
    ("974760672", "det siste sifferet (kontrollsifferet) er feil",
     "its last digit (the check digit) is wrong"),
    ("97476067", "Et organisasjonsnummer har ni sifre; dette har 8.",
     "An organisation number has nine digits; this has 8."),
    ("9747606730", "dette har 10.", "this has 10."),
    ("97476O673", "Et organisasjonsnummer har bare sifre", "An organisation number has digits only"),
    ("NO974760673MVA", "Et organisasjonsnummer har bare sifre",
     "An organisation number has digits only"),
    ("٩٧٤٧٦٠٦٧٣", "Et organisasjonsnummer har bare sifre", "An organisation number has digits only"),
    ("100000130", "ingen nummer begynner med disse åtte sifrene",
     "no number begins with these eight digits"),
    ("", "Skriv inn organisasjonsnummeret", "Enter the organisation number"),
])
def test_a_wrong_organisation_number_gets_a_clear_message(client, login_as, number, nb, en):
    login_as("staff")
    for lang, message in (("nb", nb), ("en", en)):
        client.post("/language", data={"lang": lang})
        before = _rows()
        answer = client.post("/staff/customers/new", data=_customer_form(org_number=number))
        assert answer.status_code == 400
        assert message in answer.get_data(as_text=True), (lang, number)
        assert _rows() == before


def test_staff_register_a_customer_with_its_first_agreement(client, login_as):
    staff = login_as("staff")
    answer = client.post("/staff/customers/new", data=_customer_form())
    assert answer.status_code == 303
    customer = Customer.get()
    assert (customer.name, customer.org_number) == ("Fjordtransport AS", "923609016")
    [agreement] = CustomerAgreement.select()
    assert agreement.signed_by == "Ola Fjord" and agreement.starts_on == today()
    assert customer.agreement_ends_on == today() + timedelta(days=365)
    event = AuditEvent.get(AuditEvent.action == "customer.created")
    assert event.actor_id == staff.id and "Ola Fjord" not in event.details
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Fjordtransport AS" in page and "923609016" in page and "Avtale som gjelder" in page
    listed = client.get("/staff/customers").get_data(as_text=True)
    assert "Fjordtransport AS" in listed


def test_the_same_organisation_number_twice_is_refused(client, login_as):
    login_as("staff")
    client.post("/staff/customers/new", data=_customer_form())
    before = _rows()
    answer = client.post("/staff/customers/new", data=_customer_form(name="Annen AS"))
    assert answer.status_code == 400
    assert "En kunde med dette organisasjonsnummeret er allerede registrert." in \
        answer.get_data(as_text=True)
    assert _rows() == before


@pytest.mark.parametrize("overrides, message", [
    ({"ends_on": "2020-01-01", "starts_on": "2021-01-01"}, "Avtalen kan ikke slutte før den begynner."),
    ({"starts_on": "1800-01-01"}, "Skriv inn en dato mellom 2000 og 2099."),
    ({"ends_on": "3000-01-01"}, "Skriv inn en dato mellom 2000 og 2099."),
    ({"ends_on": "i morgen"}, "Skriv datoen som ÅÅÅÅ-MM-DD"),
    ({"signed_by": ""}, "Skriv inn navnet på den som skrev under avtalen."),
    ({"signed_by": "www.evil.example"}, "Et navn kan ikke inneholde en nettadresse eller lenke."),
    ({"name": ""}, "Skriv inn navnet på bedriften."),
    ({"name": "<script>x</script>"}, "Fjern vinkelparentesene"),
])
def test_bad_customer_input_is_refused_and_nothing_is_written(client, login_as, overrides,
                                                             message):
    login_as("staff")
    answer = client.post("/staff/customers/new", data=_customer_form(**overrides))
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert Customer.select().count() == 0


def test_agreements_move_the_customers_retention_clock(client, login_as, customer):
    login_as("staff")
    later = today() + timedelta(days=900)
    answer = client.post(f"/staff/customers/{customer.id}/agreements", data={
        "starts_on": (today() - timedelta(days=10)).isoformat(), "ends_on": later.isoformat(),
        "signed_by": "Hans Hansen"})
    assert answer.status_code == 303
    assert Customer.get_by_id(customer.id).agreement_ends_on == later
    newest = CustomerAgreement.select().order_by(CustomerAgreement.id.desc()).first()
    # Ended early: the clock follows the latest end of any agreement.
    ended = (today() - timedelta(days=3)).isoformat()
    for agreement in CustomerAgreement.select():
        answer = client.post(f"/staff/customers/{customer.id}/agreements/{agreement.id}", data={
            f"a{agreement.id}-starts_on": agreement.starts_on.isoformat(),
            f"a{agreement.id}-ends_on": ended})
        assert answer.status_code == 303
    assert Customer.get_by_id(customer.id).agreement_ends_on == today() - timedelta(days=3)
    assert actions.status(Customer.get_by_id(customer.id)) == actions.ENDED
    assert AuditEvent.select().where(AuditEvent.action.startswith("customer.agreement")).count() == 3
    # A change whose end comes before its start changes nothing.
    answer = client.post(f"/staff/customers/{customer.id}/agreements/{newest.id}", data={
        f"a{newest.id}-starts_on": newest.starts_on.isoformat(),
        f"a{newest.id}-ends_on": "2001-01-01"})
    assert answer.status_code == 400 and "Avtalen kan ikke slutte før den begynner." in \
        answer.get_data(as_text=True)
    assert CustomerAgreement.get_by_id(newest.id).ends_on == today() - timedelta(days=3)


def test_an_agreement_signed_by_a_contact_of_another_customer_is_refused(client, login_as,
                                                                        customer):
    login_as("staff")
    stranger = make_contact(make_customer("Annen AS"), email="annen@annen.no")
    answer = client.post(f"/staff/customers/{customer.id}/agreements", data={
        "starts_on": today().isoformat(), "ends_on": today().isoformat(),
        "signed_by": "Noen", "signer": str(stranger.id)})
    assert answer.status_code == 400
    assert "Velg ett av alternativene." in answer.get_data(as_text=True)
    assert CustomerAgreement.select().count() == 2  # the two customers' first ones


def test_contact_persons_are_added_changed_and_removed(client, login_as, customer):
    login_as("staff")
    answer = client.post(f"/staff/customers/{customer.id}/contacts", data={
        "name": "Siri Berg", "title": "HR", "email": "Siri@Byggmester.no", "phone": "412 34 567",
        "locale": "en"})
    assert answer.status_code == 303
    contact = CustomerContact.get()
    assert (contact.email, contact.phone, contact.locale) == ("siri@byggmester.no",
                                                              "+4741234567", "en")
    page = client.get(f"/staff/customers/{customer.id}/contacts/{contact.id}")
    assert page.status_code == 200 and "Siri Berg" in page.get_data(as_text=True)
    answer = client.post(f"/staff/customers/{customer.id}/contacts/{contact.id}", data={
        "name": "Siri Berg", "title": "HR-sjef", "email": "siri@byggmester.no",
        "phone": "+4741234567", "locale": "en"})
    assert answer.status_code == 303 and CustomerContact.get().title == "HR-sjef"
    event = AuditEvent.get(AuditEvent.action == "customer.contact_changed")
    assert "HR-sjef" not in event.details and "title" in event.details
    # The same address twice at one customer is refused.
    answer = client.post(f"/staff/customers/{customer.id}/contacts", data={
        "name": "Siri Kopi", "email": "siri@byggmester.no", "locale": "nb"})
    assert answer.status_code == 400
    assert "Denne kunden har allerede en kontaktperson med denne e-postadressen." in \
        answer.get_data(as_text=True)
    answer = client.post(f"/staff/customers/{customer.id}/contacts/{contact.id}/remove")
    assert answer.status_code == 303 and CustomerContact.select().count() == 0
    assert AuditEvent.select().where(AuditEvent.action.startswith("customer.contact")).count() == 3


@pytest.mark.parametrize("lang, message", [
    ("nb", "E-postadressen og telefonnummeret til en kontaktperson har vi bare så lenge"),
    ("en", "A contact person's e-mail address and phone number are kept only while")])
def test_no_address_for_a_contact_of_a_customer_without_an_agreement(client, login_as, lang,
                                                                     message):
    login_as("staff")
    client.post("/language", data={"lang": lang})
    ended = make_customer("Fjordtransport AS", starts_on=today() - timedelta(days=800),
                          ends_on=today() - timedelta(days=1))
    answer = client.post(f"/staff/customers/{ended.id}/contacts", data={
        "name": "Ola Fjord", "email": "ola@fjord.no", "locale": "nb"})
    assert answer.status_code == 400 and message in answer.get_data(as_text=True).replace(
        "&#39;", "'")
    assert CustomerContact.select().count() == 0
    # Without an address or number they may be registered (a name and a role).
    answer = client.post(f"/staff/customers/{ended.id}/contacts", data={
        "name": "Ola Fjord", "title": "Innkjøper", "locale": "nb"})
    assert answer.status_code == 303 and CustomerContact.select().count() == 1


def test_another_customers_contact_or_agreement_is_a_404(client, login_as, customer):
    login_as("staff")
    other = make_customer("Annen AS")
    contact = make_contact(other, email="x@annen.no")
    agreement = CustomerAgreement.get(CustomerAgreement.customer == other.id)
    assert client.get(f"/staff/customers/{customer.id}/contacts/{contact.id}").status_code == 404
    assert client.post(f"/staff/customers/{customer.id}/contacts/{contact.id}/remove").status_code == 404
    assert client.post(f"/staff/customers/{customer.id}/agreements/{agreement.id}",
                       data={}).status_code == 404
    assert client.get("/staff/customers/999999").status_code == 404
    assert CustomerContact.select().count() == 1


JUNK = st.one_of(st.text(max_size=300), st.text(alphabet=st.characters(max_codepoint=0x1F),
                                                max_size=20),
                 st.sampled_from(["1800-01-01", "2999-12-31", "0000-00-00", "2026-02-30", "-1",
                                  "9" * 40, "<script>alert(1)</script>", "' OR 1=1 --",
                                  "a\x00b", "x" * 5000]))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=JUNK, org=JUNK, starts=JUNK, ends=JUNK, signed=JUNK, email=JUNK, phone=JUNK)
@example(name="Kari\x00", org="974760673\x00", starts="2026-01-01", ends="2026-12-31",
         signed="Ola", email="a@b.no", phone="")
@example(name="x" * 5000, org="9" * 5000, starts="1800-01-01", ends="3000-01-01",
         signed="\u202eevil", email="\x85@x.no", phone="+47" + "9" * 50)
@example(name="", org="", starts="", ends="", signed="", email="", phone="")
def test_customer_and_contact_forms_survive_any_input(client, login_as, name, org, starts, ends,
                                                      signed, email, phone):
    """Never a 500, never a partial write: either the whole customer is written, or nothing."""
    with client.session_transaction() as session:
        session.clear()
    login_as("staff")
    before = Customer.select().count(), CustomerAgreement.select().count()
    answer = client.post("/staff/customers/new", data={
        "name": name, "org_number": org, "starts_on": starts, "ends_on": ends,
        "signed_by": signed})
    assert answer.status_code in (303, 400)
    after = Customer.select().count(), CustomerAgreement.select().count()
    assert after == before or after == (before[0] + 1, before[1] + 1)
    customer = Customer.select().first() or make_customer()
    contacts = CustomerContact.select().count()
    answer = client.post(f"/staff/customers/{customer.id}/contacts", data={
        "name": name, "title": signed, "email": email, "phone": phone, "locale": starts})
    assert answer.status_code in (303, 400)
    assert CustomerContact.select().count() in (contacts, contacts + 1)
    assert "<script>alert(1)</script>" not in answer.get_data(as_text=True)
