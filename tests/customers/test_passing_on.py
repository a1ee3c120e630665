"""Art. 19: a correction of shared data and an erasure reach each contact person who received
it, through rectify()'s PASS_ON and the erasure's ERASE_PASS_ON; the candidate sees who was told."""
from portal.audit.models import AuditEvent
from portal.candidates.models import LanguageSkill, WorkExperience
from portal.customers import sharing
from portal.customers.models import Disclosure, PassOnNotice
from portal.mail.models import Outbox
from portal.people import registry
from portal.people.models import Person
from tests.customers.conftest import link_in, make_candidate, make_contact, open_link

CORRECTED = "Opplysninger du har fått fra ressursbasen.no, er rettet"
ERASED = "Slett opplysningene om en kandidat fra ressursbasen.no"


def _shared_and_opened(app, outbox, person, contact, categories):
    disclosure = sharing.share(person, contact.id, categories, [], None)
    open_link(app.test_client(), outbox, link_in(outbox, contact.email), contact.email)
    return disclosure


def test_a_correction_of_a_shared_field_is_passed_on(app, client, login_as, candidate, contact,
                                                     outbox):
    disclosure = _shared_and_opened(app, outbox, candidate, contact, ["name", "work_experience"])
    told = []
    registry.rectify(candidate, {"name": "Kari Retta"}, by="person", told=told)
    assert told == ["Byggmester Hansen AS (Hans Hansen)"]
    [mail] = [m for m in outbox.to(contact.email) if m.subject == CORRECTED]
    assert "Kari Retta" in mail.body and "Navn" in mail.body
    assert "Lenken vi sendte deg, viser de rettede opplysningene til" in mail.body
    [notice] = PassOnNotice.select()
    assert (notice.disclosure_id, notice.kind, notice.category_keys) == (disclosure.id,
                                                                        "correction", ["name"])
    assert AuditEvent.select().where(
        AuditEvent.action == "disclosure.correction_passed_on").count() == 1
    # A row of a shared category, corrected by staff, is passed on too.
    row = WorkExperience.get(WorkExperience.person == candidate.id)
    registry.rectify(candidate, {"title": "Tømrermester"}, by="staff", row=row)
    assert len([m for m in outbox.to(contact.email) if m.subject == CORRECTED]) == 2
    # The candidate sees who was told, of what, and when.
    login_as("candidate", person=candidate)
    page = client.get("/account").get_data(as_text=True)
    assert "Fått beskjed om rettingene dine" in page
    assert page.count(": Navn") >= 1 and ": Arbeidserfaring" in page


def test_a_correction_of_a_field_that_was_not_shared_tells_nobody(app, candidate, contact,
                                                                  outbox):
    _shared_and_opened(app, outbox, candidate, contact, ["work_experience"])
    registry.rectify(candidate, {"name": "Kari Retta", "street": "Nygata 2"}, by="person")
    row = LanguageSkill.get(LanguageSkill.person == candidate.id)
    registry.rectify(candidate, {"level": "C1"}, by="person", row=row)
    assert [m for m in outbox.to(contact.email) if m.subject == CORRECTED] == []
    assert PassOnNotice.select().count() == 0


def test_a_link_never_opened_is_not_told_it_shows_the_corrected_values(app, client, candidate,
                                                                       contact, outbox):
    sharing.share(candidate, contact.id, ["name"], [], None)
    registry.rectify(candidate, {"name": "Kari Retta"}, by="person")
    assert [m for m in outbox.to(contact.email) if m.subject == CORRECTED] == []
    _, shown = open_link(client, outbox, link_in(outbox, contact.email), contact.email)
    assert "Kari Retta" in shown.get_data(as_text=True)


def test_a_closed_link_still_gets_the_correction(app, candidate, contact, outbox):
    disclosure = _shared_and_opened(app, outbox, candidate, contact, ["name"])
    sharing.revoke(disclosure, None)
    registry.rectify(candidate, {"name": "Kari Retta"}, by="person")
    [mail] = [m for m in outbox.to(contact.email) if m.subject == CORRECTED]
    assert "Lenken vi sendte deg, virker ikke lenger" in mail.body


def test_an_erasure_is_passed_on_and_the_confirmation_names_who_was_told(app, candidate, customer,
                                                                          outbox):
    first = make_contact(customer, email="forste@byggmester.no", name="Første Kontakt")
    never_opened = make_contact(customer, email="andre@byggmester.no", name="Andre Kontakt")
    _shared_and_opened(app, outbox, candidate, first, ["name", "languages"])
    sharing.share(candidate, never_opened.id, ["name"], [], None)
    name, email = candidate.name, candidate.email
    registry.erase_person(candidate, "request 1")
    assert Person.get_or_none(Person.id == candidate.id) is None
    assert Disclosure.select().count() == 0
    [mail] = [m for m in outbox.to(first.email) if m.subject == ERASED]
    assert name in mail.body and "Navn, Språkkunnskaper" in mail.body
    assert "Slett også det du har tatt vare på" in mail.body
    assert [m for m in outbox.to(never_opened.email) if m.subject == ERASED] == []
    [confirmation] = outbox.to(email)[-1:]
    assert confirmation.subject == "Dine opplysninger er slettet"
    assert "Bedriftskunder vi har gitt beskjed om slettingen: Byggmester Hansen AS (Første " \
           "Kontakt)" in confirmation.body
    # Once sent, the notices keep who they went to, not the name they carried.
    assert not Outbox.select().where(Outbox.params.contains(name)).exists()


def test_a_batch_erasure_tells_each_recipient_once(app, customer, outbox):
    contact = make_contact(customer, email="hans@byggmester.no")
    people = [make_candidate(email=f"kandidat{n}@example.no", name=f"Kandidat {n}")
              for n in range(3)]
    for person in people:
        _shared_and_opened(app, outbox, person, contact, ["name"])
    registry.erase_people([p.id for p in people], "retention: after_last_contact")
    erased = [m for m in outbox.to(contact.email) if m.subject == ERASED]
    assert sorted(n for m in erased for n in ("Kandidat 0", "Kandidat 1", "Kandidat 2")
                  if n in m.body) == ["Kandidat 0", "Kandidat 1", "Kandidat 2"]
    assert len(erased) == 3


def test_a_candidate_with_nothing_shared_is_erased_as_before(app, outbox):
    person = make_candidate()
    registry.erase_person(person, "request 1")
    [confirmation] = outbox.to(person.email)[-1:]
    assert "ingen (vi hadde ikke delt opplysningene dine med noen)" in confirmation.body


def test_notices_of_an_anonymous_share_do_not_name_the_candidate(app, candidate, contact,
                                                                 outbox):
    disclosure = _shared_and_opened(app, outbox, candidate, contact, ["work_experience"])
    row = WorkExperience.get(WorkExperience.person == candidate.id)
    registry.rectify(candidate, {"employer": "Qvorn Hus AS"}, by="person", row=row)
    name = candidate.name
    corrected = [m for m in outbox.to(contact.email) if m.subject == CORRECTED]
    registry.erase_person(candidate, "request 1", confirm=False)
    mails = corrected + [m for m in outbox.to(contact.email) if m.subject == ERASED]
    assert len(mails) == 2
    for mail in mails:
        assert name not in mail.body and f"en kandidat (referanse {disclosure.id})" in mail.body
