"""Correction requests (GDPR art. 16): new values proposed publicly or from the account, checked
by the profile's own forms (same rules, same messages), decided value by value by staff with a
reason, applied through rectify(), and shown to the person per value; statements kept beside
evaluations; nothing changes on bad input or when another member of staff was first."""
import json
import re
import threading
from datetime import date

import pytest

from portal import catalog
from portal.audit.models import AuditEvent
from portal.candidates.models import Evaluation, NotedAvailability, Profile, Statement
from portal.corrections import actions as corrections
from portal.corrections.models import ProposedValue
from portal.people import registry
from portal.people.models import Person
from portal.requests import actions as requests
from portal.requests.models import PrivacyRequest
from tests.factories import make_person, make_user
from tests.requests.conftest import ask_with_code, build_all, others

HTMX = {"HX-Request": "true"}


def _english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


def _candidate(**overrides):
    person = make_person(stage=catalog.CANDIDATE, **overrides)
    Profile.create(person=person, nationality="Norsk", birth_date=date(1990, 5, 17))
    return person


def _decide(client, asked, decisions, message="", version=None, headers=None):
    """Post staff's decision per value: {ProposedValue: ("accepted"|"refused", reason)}."""
    data = {"version": asked.version if version is None else version, "message": message}
    for pv, (decision, reason) in decisions.items():
        data[f"decision-{pv.id}"] = decision
        data[f"reason-{pv.id}"] = reason
    return client.post(f"/staff/requests/{asked.id}/correction", data=data, headers=headers or {})


def _events(action):
    return [json.loads(e.details) for e in AuditEvent.select().where(
        AuditEvent.action == action).order_by(AuditEvent.id)]


# --- The whole way: a booking-stage field and a profile field ----------------------------------

def test_a_public_correction_of_a_booking_field_and_a_profile_field_reaches_account_export_and_log(
        client, login_as, outbox):
    person = _candidate(email="ase@example.no", name="Åse Ødegård", phone="+4741234567")
    user = make_user("candidate", person=person, email="ase.konto@example.no")
    response = ask_with_code(client, outbox, kind="correction", email="ase@example.no",
                             details="Nummeret og nasjonaliteten er feil.",
                             **{"Person-phone": "987 65 432", "Profile-nationality": "Svensk"})
    assert response.status_code == 302
    asked = PrivacyRequest.get()
    proposed = {pv.target: pv.value for pv in ProposedValue.select()}
    assert proposed == {"Person.phone": "+4798765432", "Profile.nationality": "Svensk"}
    assert Person.get_by_id(person.id).phone == "+4741234567"  # nothing changes before staff

    staff = login_as("staff")
    queue = client.get("/staff/queue").get_data(as_text=True)
    assert "Rettinger til vurdering" in queue and f"/staff/requests/{asked.id}/correction" in queue
    review = client.get(f"/staff/requests/{asked.id}/correction").get_data(as_text=True)
    assert "+4741234567" in review and "+4798765432" in review and "Svensk" in review
    assert _events("person.record_opened")[-1]["purpose"] == "privacy_request"
    values = {pv.target: pv for pv in ProposedValue.select()}
    response = _decide(client, asked, {values["Person.phone"]: ("accepted", ""),
                                       values["Profile.nationality"]: ("accepted", "Takk.")})
    assert response.status_code == 303
    assert Person.get_by_id(person.id).phone == "+4798765432"
    assert Profile.get(Profile.person == person.id).nationality == "Svensk"
    assert PrivacyRequest.get_by_id(asked.id).status == "done"

    # The audit log: each change through rectify, by the request, and the decision.
    rectified = _events("person.rectified")
    assert {(e["model"], tuple(e["fields"]), e["by"]) for e in rectified} == {
        ("Person", ("phone",), "request"), ("Profile", ("nationality",), "request")}
    decided = AuditEvent.get(AuditEvent.action == "correction.decided")
    assert decided.actor_id == staff.id and decided.person_id == person.id
    assert json.loads(decided.details)["accepted"] == ["Person.phone", "Profile.nationality"]
    assert "Svensk" not in decided.details and "98765432" not in decided.details
    # The export.
    exported = json.dumps(registry.as_json(registry.export_person(Person.get_by_id(person.id))),
                          ensure_ascii=False)
    assert "+4798765432" in exported and "Svensk" in exported and "+4741234567" not in exported
    # The e-mail: the outcome per value, and whom it was passed on to.
    mail = others(outbox, "ase@example.no")[-1]
    assert mail.subject == "Henvendelsen din er ferdig behandlet"
    assert "Telefon: +4798765432" in mail.body and "Rettet." in mail.body
    assert "ingen (vi har ikke delt det med noen)" in mail.body
    # The person's own pages: /account and the request.
    login_as("candidate", person=Person.get_by_id(person.id), email="ase.konto2@example.no")
    account = client.get("/account").get_data(as_text=True)
    assert "+4798765432" in account and "Svensk" in account
    page = client.get(f"/account/requests/{asked.id}").get_data(as_text=True)
    assert "De nye verdiene du foreslo" in page and "Rettet" in page and "Svensk" in page
    assert user.id  # the person's first login is untouched


def test_a_refused_value_needs_a_reason_which_the_person_sees(client, login_as, outbox):
    person = _candidate(email="kari@example.no")
    asked = requests.ask_publicly("correction", "Kari", "kari@example.no", "", "nb", "1.2.3.4",
                                  proposals=corrections.check(
                                      {corrections.field_of("Profile.nationality"): "Dansk"})[0])
    requests.verify(asked, "code")
    asked = PrivacyRequest.get_by_id(asked.id)
    pv = ProposedValue.get()
    login_as("staff")
    page = _decide(client, asked, {pv: ("refused", "  ")}).get_data(as_text=True)
    assert "Skriv hvorfor verdien avslås: personen får vite det." in page
    _english(client)
    page = _decide(client, asked, {}).get_data(as_text=True)
    assert "Accept or refuse this value." in page
    assert ProposedValue.get().decision == "pending" and PrivacyRequest.get_by_id(asked.id).is_open
    assert not _events("correction.decided")
    _decide(client, asked, {pv: ("refused", "Passet ditt sier norsk.")})
    assert ProposedValue.get().decision == "refused"
    assert Profile.get(Profile.person == person.id).nationality == "Norsk"
    mail = others(outbox, "kari@example.no")[-1]
    assert "Ikke rettet: Passet ditt sier norsk." in mail.body


# --- Same rules and messages as the profile ----------------------------------------------------

@pytest.mark.parametrize("lang, value, message", [
    ("nb", {"postal_code": "12"}, "Et norsk postnummer har fire sifre"),
    ("en", {"phone": "12"}, "Enter a valid phone number"),
    ("nb", {"name": "Kari www.example.com"}, "Et navn kan ikke inneholde en nettadresse eller lenke."),
    ("en", {"country": "XX"}, "Choose a country from the list."),
    ("nb", {"name": "Kari\x00"}, "Fjern de usynlige kontrolltegnene."),
])
def test_proposed_contact_details_get_the_profile_forms_own_messages(
        client, login_as, outbox, lang, value, message):
    [(column, typed)] = value.items()
    # The profile form says it ...
    login_as("candidate", person=_candidate(email="kari@example.no"))
    with client.session_transaction() as session:
        session["lang"] = lang
    contact = {"name": "Kari", "street": "Storgata 1", "postal_code": "0155", "place": "Oslo",
               "country": "NO", "phone": "+4741234567", column: typed}
    assert message in client.post("/account/profile/contact", data=contact).get_data(as_text=True)
    # ... and the correction request says the same, and keeps nothing.
    with client.session_transaction() as session:
        session.clear()
        session["lang"] = lang
    response = client.post("/privacy/requests/new", data={
        "kind": "correction", "details": "", "name": "Kari", "email": "kari@example.no",
        "website": "", f"Person-{column}": typed})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert PrivacyRequest.select().count() == 0 and ProposedValue.select().count() == 0


@pytest.mark.parametrize("lang, value, message", [
    ("nb", "2999-01-01", "Datoen kan ikke være fram i tid."),
    ("en", "17.05.1990", "Enter the date as YYYY-MM-DD, e.g. 2024-08-15."),
    ("en", "1850-01-01", "The date cannot be before 1900."),
])
def test_a_proposed_birth_date_gets_the_profile_forms_messages(client, login_as, lang, value,
                                                                  message):
    login_as("candidate", person=_candidate())
    with client.session_transaction() as session:
        session["lang"] = lang
    profile = Profile.get()
    own = client.post(f"/account/profile/personal/{profile.id}",
                      data={"birth_date": value, "marital_status": "", "gender": "",
                            "nationality": ""})
    assert message in own.get_data(as_text=True)
    with client.session_transaction() as session:
        session.clear()
        session["lang"] = lang
    response = client.post("/privacy/requests/new", data={
        "kind": "correction", "name": "Kari", "email": "kari@example.no",
        "Profile-birth_date": value})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert PrivacyRequest.select().count() == 0


def test_values_are_checked_again_when_accepted(client, login_as, outbox):
    """Valid when proposed without knowing what is held; staff cannot apply a half address."""
    person = Person.create(name="Ola", email="ola@example.no")  # no address held
    checked, errors = corrections.check({corrections.field_of("Person.street"): "Storgata 9"})
    assert errors == {}
    asked = requests.ask_publicly("correction", "Ola", "ola@example.no", "", "nb", "1.2.3.4",
                                  proposals=checked)
    requests.verify(asked, "code")
    asked = PrivacyRequest.get_by_id(asked.id)
    login_as("staff")
    page = _decide(client, asked, {ProposedValue.get(): ("accepted", "")}).get_data(as_text=True)
    assert "Fyll inn hele adressen" in page
    assert Person.get_by_id(person.id).street == "" and PrivacyRequest.get_by_id(asked.id).is_open


# --- What may not be changed by a correction ----------------------------------------------------

@pytest.mark.parametrize("lang, field, message", [
    ("nb", "Person-email", "Dette kan ikke endres ved en retting: Person.email."),
    ("en", "Evaluation-result", "This cannot be changed by a correction: Evaluation.result."),
    ("en", "Person-email", "an e-mail address is changed by confirming the new one"),
])
def test_a_field_that_may_not_be_changed_is_refused_with_a_message(client, lang, field, message):
    with client.session_transaction() as session:
        session["lang"] = lang
    response = client.post("/privacy/requests/new", data={
        "kind": "correction", "details": "Feil adresse", "name": "Kari",
        "email": "kari@example.no", field: "ny@example.no"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert PrivacyRequest.select().count() == 0


def test_from_the_account_what_the_person_changes_themself_is_sent_to_the_profile(
        client, fresh_candidate):
    NotedAvailability.create(person=fresh_candidate.person_id, salary=500000)
    page = client.get("/account/requests").get_data(as_text=True)
    assert 'name="NotedAvailability-salary"' in page  # what staff noted: proposed here
    assert 'name="Person-phone"' not in page and 'name="Profile-nationality"' not in page
    response = client.post("/account/requests", data={"kind": "correction",
                                                      "Person-phone": "98765432"})
    assert response.status_code == 422
    assert "Dette retter du selv på profilsiden din: Telefon." in response.get_data(as_text=True)
    assert PrivacyRequest.select().count() == 0
    _english(client)
    response = client.post("/account/requests", data={"kind": "correction",
                                                      "NotedAvailability-salary": "12 kroner"})
    assert "Enter a whole number without spaces or letters." in response.get_data(as_text=True)
    response = client.post("/account/requests", data={"kind": "correction",
                                                      "NotedAvailability-salary": "500000"})
    assert "This is what we hold already." in response.get_data(as_text=True)
    assert PrivacyRequest.select().count() == 0
    response = client.post("/account/requests", data={"kind": "correction",
                                                      "NotedAvailability-salary": "650000"})
    assert response.status_code == 303
    assert ProposedValue.get().target == "NotedAvailability.salary"


# --- Statements beside what staff wrote -----------------------------------------------------------

def test_a_statement_is_kept_beside_an_evaluation_and_goes_into_the_export(
        client, fresh_candidate, login_as, outbox):
    person = Person.get_by_id(fresh_candidate.person_id)
    staff = make_user("staff")
    evaluation = Evaluation.create(person=person, kind="evaluation", held_on=date(2026, 11, 2),
                                   summary="Stille i intervjuet", result="Ikke egnet som leder",
                                   recorded_by=staff.id)
    response = client.post("/account/requests", data={
        "kind": "correction", f"statement-{evaluation.id}-text":
            "Jeg ledet et team på tolv i fire år; se referansene mine."})
    assert response.status_code == 303, response.get_data(as_text=True)
    statement = Statement.get()
    assert (statement.evaluation_id, statement.person_id) == (evaluation.id, person.id)
    assert Evaluation.get_by_id(evaluation.id).result == "Ikke egnet som leder"  # not replaced
    # In the person's copy (registry export and the access export's data.json) ...
    groups = {g.category.key: g for g in registry.export_person(person)}
    assert {i.model for i in groups["evaluations"].items} == {"Evaluation", "Statement"}
    requests.ask_as_candidate(person, "access", "", "nb")
    build_all()
    from portal.requests.export import contents, data, summary
    made = contents(PrivacyRequest.get(PrivacyRequest.kind == "access"))
    copy = json.dumps(data(made), ensure_ascii=False)
    assert "Jeg ledet et team på tolv i fire år" in copy and "Ikke egnet som leder" in copy
    readable = summary(made)  # summary.html: in the same category, beside the evaluation
    section = readable[readable.index("Evalueringer og kompetanseanalyser"):]
    assert "Ikke egnet som leder" in section and "Jeg ledet et team på tolv i fire år" in section
    # ... on /account beside the evaluation, and in the staff record under it.
    account = client.get("/account").get_data(as_text=True)
    assert re.search(r"Din merknad til Vurdering, 2\. nov(ember|\.) 2026: Jeg ledet et team",
                     account), account[account.find("merknad") - 200:account.find("merknad") + 200]
    login_as("staff")
    record = client.get(f"/staff/candidates/{person.id}/staff_entries").get_data(as_text=True)
    section = record[record.index(f'id="evaluation-{evaluation.id}"'):]
    assert "Personens merknad" in section and "Jeg ledet et team" in section
    assert _events("evaluation.statement_added")[0]["evaluation"] == evaluation.id
    assert "tolv" not in "".join(e.details for e in AuditEvent.select())


def test_a_statement_on_someone_elses_evaluation_is_refused(client, fresh_candidate):
    other = Evaluation.create(person=make_person(), kind="evaluation", result="Hemmelig")
    response = client.post("/account/requests", data={
        "kind": "correction", f"statement-{other.id}-text": "Min merknad"})
    assert response.status_code == 422
    assert "Dette kan ikke du endre." in response.get_data(as_text=True)
    assert Statement.select().count() == 0 and PrivacyRequest.select().count() == 0


# --- Two staff at once, and passing it on -------------------------------------------------------

def _open_correction(person, key="Profile.nationality", value="Svensk"):
    checked, errors = corrections.check({corrections.field_of(key): value}, person)
    assert not errors, errors
    asked = requests.ask_as_candidate(person, "correction", "", "nb", proposals=checked)
    return PrivacyRequest.get_by_id(asked.id)


def test_two_staff_deciding_from_the_same_page_one_wins_the_other_is_told(client, login_as, outbox):
    person = _candidate()
    asked = _open_correction(person)
    pv = ProposedValue.get()
    login_as("staff")
    first = _decide(client, asked, {pv: ("accepted", "")}, headers=HTMX)
    assert "Avgjort" in first.get_data(as_text=True)
    second = _decide(client, asked, {pv: ("refused", "Nei")}, headers=HTMX)  # the same version
    body = second.get_data(as_text=True)
    assert second.status_code == 200 and "Noen andre behandlet denne henvendelsen" in body
    assert ProposedValue.get().decision == "accepted"
    assert len(_events("correction.decided")) == 1


def test_two_staff_deciding_at_the_same_moment_apply_it_once(app, db):
    person = _candidate()
    asked = _open_correction(person)
    pv = ProposedValue.get()
    staff = [make_user("staff"), make_user("staff")]
    db.close()
    results = []

    def decide(by, decision):
        with app.test_request_context():
            db.connect(reuse_if_open=True)
            try:
                corrections.decide(asked, by, asked.version, {pv.id: (decision, "Nei")})
                results.append("done")
            except requests.RequestProblem as problem:
                results.append(problem.code)
            finally:
                db.close()
    threads = [threading.Thread(target=decide, args=(s, d))
               for s, d in zip(staff, ("accepted", "refused"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.connect(reuse_if_open=True)
    assert sorted(results) == ["changed", "done"]
    assert len(_events("correction.decided")) == 1
    decision = ProposedValue.get().decision
    nationality = Profile.get(Profile.person == person.id).nationality
    assert (decision, nationality) in (("accepted", "Svensk"), ("refused", "Norsk"))


def test_whom_a_correction_was_passed_on_to_comes_from_the_registrys_hook(
        client, login_as, outbox, monkeypatch):
    person = _candidate(email="kari@example.no")
    asked = _open_correction(person)
    told = []
    monkeypatch.setattr(registry, "PASS_ON", [
        lambda person, row, changed, by: told.append((row.__class__.__name__, sorted(changed)))
        or ["Bygg og Anlegg AS"]])
    login_as("staff")
    _decide(client, asked, {ProposedValue.get(): ("accepted", "")})
    assert told == [("Profile", ["nationality"])]
    assert json.loads(ProposedValue.get().told) == ["Bygg og Anlegg AS"]
    assert "Gitt videre til: Bygg og Anlegg AS" in others(outbox, "kari@example.no")[-1].body


def test_a_correction_with_values_to_decide_cannot_just_be_marked_done(client, login_as):
    asked = _open_correction(_candidate())
    login_as("staff")
    response = client.post(f"/staff/requests/{asked.id}/done",
                           data={"version": asked.version, "message": ""}, headers=HTMX)
    assert "Avgjør hver foreslåtte verdi først" in response.get_data(as_text=True)
    assert PrivacyRequest.get_by_id(asked.id).is_open


def test_a_denied_correction_refuses_each_value_with_the_reason(client, login_as, outbox):
    person = _candidate(email="kari@example.no")
    asked = _open_correction(person)
    login_as("staff")
    client.post(f"/staff/requests/{asked.id}/deny",
                data={"version": asked.version, "reason": "Vi trenger dokumentasjon."})
    assert (ProposedValue.get().decision, ProposedValue.get().reason) == (
        "refused", "Vi trenger dokumentasjon.")
    assert "Ikke rettet: Vi trenger dokumentasjon." in others(outbox, "kari@example.no")[-1].body


def test_a_second_correction_joins_the_first_with_its_values(db, outbox):
    person = _candidate()
    first = _open_correction(person, "Profile.nationality", "Svensk")
    second = _open_correction(person, "Person.phone", "98765432")
    assert second.id == first.id
    assert {pv.target for pv in ProposedValue.select()} == {"Profile.nationality", "Person.phone"}
    assert all(pv.request_id == first.id for pv in ProposedValue.select())
