"""Erasure requests (GDPR art. 17): staff see exactly what erase_person() removes and keeps (from
the registry's declarations), approve it, the person gets the confirmation before their address
goes and the tombstone names the request; the person can withdraw until then; two staff at once,
a second erasure and a request about nobody get a clear message and change nothing."""
import threading

import pytest

from portal.audit.models import AuditEvent
from portal.people import registry
from portal.people.models import Person, Tombstone
from portal.requests import actions
from portal.requests.models import PrivacyRequest
from tests.factories import make_person, make_user
from tests.requests.conftest import others

HTMX = {"HX-Request": "true"}


def _english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


def _erasure(person, details=""):
    asked = actions.ask_as_candidate(person, "erasure", details, "nb")
    return PrivacyRequest.get_by_id(asked.id)


def test_the_approval_in_place_says_what_was_done(client, login_as):
    person = make_person()
    asked = _erasure(person)
    login_as("staff")
    response = client.post(f"/staff/requests/{asked.id}/erase", data={"version": asked.version},
                           headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert f"Slettet (sletting nummer {Tombstone.get().id})" in body


def test_two_staff_approving_from_the_same_page_one_wins_the_other_is_told(client, login_as):
    person = make_person()
    asked = _erasure(person)
    login_as("staff")
    client.post(f"/staff/requests/{asked.id}/erase", data={"version": asked.version})
    second = client.post(f"/staff/requests/{asked.id}/erase", data={"version": asked.version},
                         headers=HTMX)
    body = second.get_data(as_text=True)
    assert "Noen andre godkjente denne slettingen for et øyeblikk siden" in body
    assert f"sletting nummer {Tombstone.get().id}" in body
    _english(client)
    body = client.post(f"/staff/requests/{asked.id}/erase",
                       data={"version": asked.version}).get_data(as_text=True)
    assert "Someone else approved this erasure a moment ago" in body
    assert Tombstone.select().count() == 1
    assert AuditEvent.select().where(AuditEvent.action == "person.erased").count() == 1


def test_two_staff_approving_at_the_same_moment_erase_once(app, db):
    person = make_person()
    asked = _erasure(person)
    staff = [make_user("staff"), make_user("staff")]
    db.close()
    results = []

    def approve(by):
        with app.test_request_context():
            db.connect(reuse_if_open=True)
            try:
                results.append(actions.approve_erasure(asked, by, asked.version).id)
            except actions.RequestProblem as problem:
                results.append(problem.code)
            finally:
                db.close()
    threads = [threading.Thread(target=approve, args=(s,)) for s in staff]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.connect(reuse_if_open=True)
    tombstone = Tombstone.get()
    assert sorted(results, key=str) == sorted([tombstone.id, "approved_already"], key=str)
    assert Tombstone.select().count() == 1
    assert len(registry.read_erasure_log()) == 1


def test_the_person_withdraws_the_erasure_until_it_is_approved(client, fresh_candidate, login_as,
                                                                outbox):
    person = Person.get_by_id(fresh_candidate.person_id)
    asked = _erasure(person)
    page = client.get(f"/account/requests/{asked.id}").get_data(as_text=True)
    assert "Trekk tilbake sletteforespørselen" in page
    response = client.post(f"/account/requests/{asked.id}/withdraw")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sletteforespørselen din er trukket tilbake" in page and "Trukket tilbake" in page
    assert "Trekk tilbake sletteforespørselen" not in page
    assert PrivacyRequest.get_by_id(asked.id).status == "withdrawn"
    assert others(outbox, person.email)[-1].subject == "Du har trukket tilbake henvendelsen din"
    assert AuditEvent.get(AuditEvent.action == "privacy_request.withdrawn").person_id == person.id
    # A withdrawn erasure cannot be approved, and a second withdrawal changes nothing.
    again = client.post(f"/account/requests/{asked.id}/withdraw", follow_redirects=True)
    assert "Denne henvendelsen er allerede avsluttet. Ingenting ble endret." in again.get_data(
        as_text=True)
    assert PrivacyRequest.get_by_id(asked.id).version == asked.version + 1
    login_as("staff")
    body = client.post(f"/staff/requests/{asked.id}/erase", data={"version": asked.version},
                       headers=HTMX).get_data(as_text=True)
    assert "Personen trakk tilbake denne henvendelsen. Ingenting ble slettet." in body
    assert Person.get_or_none(Person.id == person.id) is not None
    assert Tombstone.select().count() == 0


def test_a_withdrawal_after_approval_is_too_late(client, fresh_candidate):
    person = Person.get_by_id(fresh_candidate.person_id)
    asked = _erasure(person)
    actions.approve_erasure(asked, make_user("staff"), asked.version)
    with pytest.raises(actions.RequestProblem):
        actions.withdraw(asked)
    assert client.post(f"/account/requests/{asked.id}/withdraw").status_code in (302, 303, 404)
    assert Tombstone.select().count() == 1


def test_only_an_erasure_can_be_withdrawn(client, fresh_candidate):
    person = Person.get_by_id(fresh_candidate.person_id)
    asked = PrivacyRequest.get_by_id(actions.ask_as_candidate(person, "question", "Hei?", "nb").id)
    page = client.post(f"/account/requests/{asked.id}/withdraw",
                       follow_redirects=True).get_data(as_text=True)
    assert "Bare en sletteforespørsel kan godkjennes eller trekkes tilbake." in page
    assert PrivacyRequest.get_by_id(asked.id).status == "verified"


def test_withdrawing_with_a_proven_address(client, outbox):
    from tests.requests.conftest import ask_with_code
    person = make_person(email="ase@example.no")
    ask_with_code(client, outbox, kind="erasure", email="ase@example.no")
    asked = PrivacyRequest.get()
    page = client.get("/privacy/requests").get_data(as_text=True)
    assert f"/privacy/requests/{asked.id}/withdraw" in page
    client.post(f"/privacy/requests/{asked.id}/withdraw")
    assert PrivacyRequest.get_by_id(asked.id).status == "withdrawn"
    assert Person.get_or_none(Person.id == person.id) is not None
    with client.session_transaction() as session:
        session.clear()  # someone who has not proven the address
    other = PrivacyRequest.get_by_id(actions.ask_as_candidate(
        make_person(), "erasure", "", "nb").id)
    client.post(f"/privacy/requests/{other.id}/withdraw")
    assert PrivacyRequest.get_by_id(other.id).status == "verified"


def test_a_second_erasure_of_an_erased_person_is_told_and_changes_nothing(client, login_as, runner,
                                                                          outbox):
    person = make_person(email="kari@example.no")
    asked = _erasure(person)
    # Erased another way meanwhile (the command line): the request went with the person.
    assert runner.invoke(args=["people", "erase", "--email", "kari@example.no",
                               "--reason", "asked by phone"]).exit_code == 0
    login_as("staff")
    for response in (client.get(f"/staff/requests/{asked.id}/erasure"),
                     client.post(f"/staff/requests/{asked.id}/erase",
                                 data={"version": asked.version})):
        assert response.status_code == 410
        assert "Denne henvendelsen finnes ikke lenger" in response.get_data(as_text=True)
    _english(client)
    assert "This request no longer exists" in client.get(
        f"/staff/requests/{asked.id}/erasure").get_data(as_text=True)
    assert Tombstone.select().count() == 1
    # Asking again from the address: we hold nothing, and say so.
    from tests.requests.conftest import ask_with_code
    with client.session_transaction() as session:
        session.clear()
    ask_with_code(client, outbox, kind="erasure", email="kari@example.no")
    assert PrivacyRequest.get().nothing_held
    assert others(outbox, "kari@example.no")[-1].subject == "Vi har ingen opplysninger om deg"
    assert Tombstone.select().count() == 1


def test_an_erasure_already_done_by_retention_while_the_request_stood(app, db, monkeypatch):
    """Between opening the page and approving, another erasure took the person: named."""
    person = make_person()
    asked = _erasure(person)
    real = registry.erase_person

    def first_another(p, reason, **kwargs):
        registry.erase_people([p.id], "retention: after_last_contact")
        return real(p, reason, **kwargs)
    monkeypatch.setattr(registry, "erase_person", first_another)
    with pytest.raises(actions.RequestProblem) as refused:
        actions.approve_erasure(asked, make_user("staff"), asked.version)
    assert refused.value.code == "erased_already"
    assert "retention: after_last_contact" in str(refused.value.message)


def test_an_erasure_asked_about_someone_held_only_as_a_reference(client, login_as, outbox):
    """Someone held only as a candidate's reference is erased by their address: the staff page
    shows what goes, and approving it removes the reference row and tells them."""
    from portal.candidates.models import Reference
    candidate = make_person()
    Reference.create(person=candidate, name="Ola Ref", email="ola.ref@example.no")
    asked = actions.ask_publicly("erasure", "Ola Ref", "ola.ref@example.no", "", "nb", "1.2.3.4")
    asked = actions.verify(asked, "code")
    assert asked.is_open and asked.person_id is None
    login_as("staff")
    page = client.get(f"/staff/requests/{asked.id}/erasure").get_data(as_text=True)
    assert "ola.ref@example.no" in page and "Godkjenn: slett nå" in page
    assert "Oppgitt som referanse av en kandidat" in page  # the category of the row that goes
    body = client.post(f"/staff/requests/{asked.id}/erase", data={"version": asked.version},
                       headers=HTMX).get_data(as_text=True)
    assert "Slettet (sletting nummer" in body
    assert Reference.select().count() == 0 and Person.get_by_id(candidate.id)  # the candidate stays
    assert PrivacyRequest.get_or_none(PrivacyRequest.id == asked.id) is None
    tombstone = Tombstone.get(Tombstone.reason == f"request {asked.id}")
    assert registry.was_erased("ola.ref@example.no") == [tombstone]
    assert outbox.to("ola.ref@example.no")[-1].subject == "Dine opplysninger er slettet"


def test_an_erasure_by_address_that_is_a_candidates_now_shows_nothing_of_them(client, login_as):
    """A request made by address before that address became a candidate's: staff are told to
    handle it from the candidate's side, and see none of the candidate's data here."""
    from portal.candidates.models import Reference
    Reference.create(person=make_person(), name="Ola Ref", email="ola.ref@example.no")
    asked = actions.verify(actions.ask_publicly("erasure", "Ola Ref", "ola.ref@example.no", "",
                                                "nb", "1.2.3.4"), "code")
    make_person(name="Ola Nykandidat", email="ola.ref@example.no", phone="+4790000001")
    login_as("staff")
    page = client.get(f"/staff/requests/{asked.id}/erasure").get_data(as_text=True)
    assert "Denne adressen hører nå til en ansattinnlogging eller en kandidats konto" in page
    assert "Godkjenn: slett nå" not in page and "+4790000001" not in page
    assert "Ola Nykandidat" not in page


def test_an_erasure_request_is_not_marked_done_by_hand(client, login_as):
    asked = _erasure(make_person())
    login_as("staff")
    body = client.post(f"/staff/requests/{asked.id}/done", data={"version": asked.version},
                       headers=HTMX).get_data(as_text=True)
    assert "En sletteforespørsel er ferdig når slettingen er godkjent" in body
    assert PrivacyRequest.get_by_id(asked.id).is_open
