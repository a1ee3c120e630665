"""Contact persons are data subjects of their own: their requests find them by address, their
copy lists what is held (and the agreements they signed), and an erasure through the registry
removes them while the agreements keep the name they were signed with."""
import pytest

from portal.audit.models import AuditEvent
from portal.customers import sharing
from portal.customers.models import CustomerAgreement, CustomerContact, Disclosure
from portal.people import registry
from portal.people.models import Tombstone
from portal.requests import actions as requests
from portal.requests import export
from portal.requests.models import PrivacyRequest
from tests.customers.conftest import make_contact
from tests.requests.conftest import ask_with_code, others

ADDRESS = "hans@byggmester.no"


@pytest.fixture
def signed(customer, contact):
    """The contact person signed a second agreement with the customer."""
    from portal.customers import actions
    return actions.add_agreement(customer, customer.agreement_ends_on, customer.agreement_ends_on,
                                 contact.name, contact.id, None)


def test_a_contact_persons_request_finds_them_by_address(client, contact, signed, outbox):
    answer = ask_with_code(client, outbox, kind="access", name="Hans Hansen", email=ADDRESS)
    assert answer.status_code == 302
    request = PrivacyRequest.get()
    assert request.status == "verified" and not request.nothing_held  # we hold something
    assert [m.subject for m in others(outbox, ADDRESS)] == ["Vi har mottatt henvendelsen din"]
    subject = requests.subject_of(request)
    groups = {g.category.key: g for g in registry.export_subject(subject)}
    assert {"customer_contacts", "customer_contact_details", "customer_agreements"} <= set(groups)
    assert groups["customer_contacts"].items[0].fields["name"] == "Hans Hansen"
    assert groups["customer_contact_details"].items[0].fields == {
        "email": ADDRESS, "phone": "+4791234567"}
    [agreement] = groups["customer_agreements"].items
    assert agreement.fields["signed_by"] == "Hans Hansen" and agreement.source == "customer"


def test_the_copy_of_a_contact_person_lists_what_is_held_and_validates(app, contact, signed):
    request = requests._new("access", "Hans Hansen", ADDRESS, "", "nb", requests.utcnow())
    contents = export.contents(request)
    document = export.data(contents)
    export.validate(document)
    assert document["categories"]["customer_contacts"]["retention"] == "after_agreement_end"
    assert document["categories"]["customer_contact_details"]["retention"] == "while_agreement"
    assert document["recipients"] == []
    summary = export.summary(contents)
    for text in ("Kontaktperson hos en bedriftskunde", "Daglig leder", ADDRESS,
                 "Kundeavtaler, med navnet på den som skrev under",
                 "Bedriftskunden du arbeider for ga oss det, eller du gjorde det.",
                 "Så lenge bedriften du arbeider for har en avtale med oss"):
        assert text in summary, text


def test_an_erasure_request_from_a_contact_person_erases_them_through_the_registry(
        client, login_as, candidate, customer, contact, signed, outbox):
    sharing.share(candidate, contact.id, ["name"], [], None)
    other = make_contact(customer, name="Siri Berg", email="siri@byggmester.no")
    answer = ask_with_code(client, outbox, kind="erasure", name="Hans Hansen", email=ADDRESS)
    assert answer.status_code == 302
    request = PrivacyRequest.get()
    assert request.status == "verified" and not request.nothing_held
    # Staff see what the erasure removes and keeps, and approve it in the queue's erasure page:
    # the request's subject is erased through the registry.
    login_as("staff")
    page = client.get(f"/staff/requests/{request.id}/erasure?lang=nb")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert ADDRESS in text and "Kundeavtaler, med navnet på den som skrev under" in text
    answer = client.post(f"/staff/requests/{request.id}/erase",
                         data={"version": request.version})
    assert answer.status_code == 303
    tombstone = Tombstone.get(Tombstone.reason == f"request {request.id}")
    assert CustomerContact.get_or_none(CustomerContact.id == contact.id) is None
    assert CustomerContact.get_or_none(CustomerContact.id == other.id) is not None
    # The agreements are kept ten years after the last one ends, with the name they were signed with.
    kept = CustomerAgreement.get_by_id(signed.id)
    assert kept.signed_by == "Hans Hansen" and kept.signer_id is None
    # What was shared with them stays on the candidate's record, to the customer.
    assert Disclosure.get().contact_id is None and Disclosure.get().customer_id == customer.id
    assert registry.was_erased(ADDRESS) == [tombstone]
    assert Tombstone.get_by_id(tombstone.id).reason == f"request {request.id}"
    assert PrivacyRequest.select().count() == 0  # their request went with them
    assert AuditEvent.select().where(AuditEvent.action == "subject.erased").count() == 1
    confirmation = outbox.to(ADDRESS)[-1]
    assert confirmation.subject == "Dine opplysninger er slettet"
    from portal.mail.models import Outbox
    assert Outbox.select().where(Outbox.to == ADDRESS).count() == 0  # the address is gone too
    # Their address now finds only what a kept agreement holds: nothing but the tombstone.
    subject = registry.subject_for_address(ADDRESS)
    assert not registry.holds_anything(subject)
    with pytest.raises(registry.NothingHeld):
        registry.erase_known_by(ADDRESS, "", "request 2")


def test_an_erasure_reason_that_names_the_contact_is_refused(contact):
    with pytest.raises(registry.ReasonNamesPerson):
        registry.erase_known_by(ADDRESS, "", f"asked by {ADDRESS}")
    assert CustomerContact.select().count() == 1 and Tombstone.select().count() == 0


def test_a_contact_whose_address_was_emptied_is_no_longer_found_by_it(contact):
    CustomerContact.update(email="", phone="").execute()
    assert not registry.holds_anything(registry.subject_for_address(ADDRESS))


def test_a_contact_who_is_also_a_candidate_is_erased_with_the_person(customer):
    from tests.factories import make_person
    person = make_person(email=ADDRESS)
    make_contact(customer, email=ADDRESS)
    groups = {g.category.key for g in registry.export_person(person)}
    assert "customer_contacts" in groups
    registry.erase_person(person, "request 1", confirm=False)
    assert CustomerContact.select().count() == 0
