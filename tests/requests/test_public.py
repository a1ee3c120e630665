"""Asking without an account: the address is proven with a code, the answer looks the same for
known and unknown addresses, bad codes change nothing, duplicates are joined."""
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import catalog
from portal.audit.models import AuditEvent
from portal.candidates.models import Reference
from portal.people.models import Person
from portal.requests.models import PrivacyRequest
from tests.factories import make_person
from tests.requests.conftest import ask_form, ask_with_code, code_from, others

CSRF_OR_ADDRESS = re.compile(r'value="[\w.-]{60,}"|"X-CSRFToken": "[\w.-]+"|[\w.+-]+@example\.no')


def _wrong(code):
    return f"{(int(code) + 1) % 10 ** 6:06d}"


def _english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


def _same(page):
    return CSRF_OR_ADDRESS.sub("", page)


def test_nothing_but_a_code_before_the_code(client, outbox):
    response = client.post("/privacy/requests/new", data=ask_form(
        kind="correction", details="Adressen min er Storgata 2."))
    assert response.status_code == 303 and response.headers["Location"] == "/privacy/requests/code"
    asked = PrivacyRequest.get()
    assert (asked.status, asked.person_id, asked.details) == ("received", None,
                                                              "Adressen min er Storgata 2.")
    [mail] = outbox.to("ase@example.no")
    assert "bekrefte forespørselen din om personopplysningene dine" in mail.body
    for typed in ("Åse", "Storgata", "retting"):
        assert typed not in mail.body
    assert AuditEvent.select().count() == 0  # nothing happened to anyone yet
    page = client.get("/privacy/requests/code").get_data(as_text=True)
    assert "Vi sendte en kode til ase@example.no." in page


def test_the_answer_looks_the_same_for_a_known_and_an_unknown_address(app, outbox):
    make_person(email="kjent@example.no", stage=catalog.CANDIDATE)
    pages = {}
    for email in ("kjent@example.no", "ukjent@example.no"):
        client = app.test_client()
        first = client.post("/privacy/requests/new", data=ask_form(email=email))
        code_page = client.get("/privacy/requests/code")
        done = client.post("/privacy/requests/code", data={"code": code_from(outbox, email)})
        pages[email] = [(r.status_code, r.headers.get("Location"), _same(r.get_data(as_text=True)))
                        for r in (first, code_page, done)]
    assert pages["kjent@example.no"] == pages["ukjent@example.no"]
    # What differs is in the e-mails, which only the owner of each address reads.
    assert [m.subject for m in others(outbox, "kjent@example.no")] == [
        "Vi har mottatt henvendelsen din"]
    assert [m.subject for m in others(outbox, "ukjent@example.no")] == [
        "Vi har ingen opplysninger om deg"]


def test_someone_we_hold_nothing_about_is_told_so_at_once(client, outbox):
    response = ask_with_code(client, outbox, kind="erasure", email="ingen@example.no")
    assert response.status_code == 302 and response.headers["Location"] == "/privacy/requests"
    asked = PrivacyRequest.get()
    assert (asked.status, asked.nothing_held) == ("done", True) and asked.closed_at is not None
    [mail] = others(outbox, "ingen@example.no")
    assert "referanse" in mail.body  # every kind of person was looked for
    page = client.get("/privacy/requests").get_data(as_text=True)
    assert "Vi har ingen opplysninger om deg." in page and "Utført" in page


def test_a_question_from_someone_unknown_still_goes_to_staff(client, outbox):
    ask_with_code(client, outbox, kind="question", details="Hva lagrer dere?",
                  email="lurer@example.no")
    assert PrivacyRequest.get().status == "verified"


def test_a_reference_is_found_and_not_told_we_hold_nothing(client, outbox):
    Reference.create(person=make_person(stage=catalog.CANDIDATE), name="Ole",
                     email="ole@example.no")
    ask_with_code(client, outbox, kind="erasure", email="ole@example.no")
    asked = PrivacyRequest.get()
    assert (asked.status, asked.nothing_held) == ("verified", False)


def test_the_proven_address_links_the_request_to_the_person_it_names(client, outbox):
    person = make_person(email="kari@example.no")
    ask_with_code(client, outbox, kind="question", details="Hei", email="Kari@Example.no")
    assert PrivacyRequest.get().person_id == person.id


def test_a_wrong_code_changes_nothing_and_says_how_many_tries_are_left(client, outbox):
    client.post("/privacy/requests/new", data=ask_form())
    code = code_from(outbox, "ase@example.no")
    response = client.post("/privacy/requests/code", data={"code": _wrong(code)})
    assert response.status_code == 422
    assert "Det er ikke koden vi sendte. Du kan prøve 2 ganger til." in response.get_data(as_text=True)
    assert PrivacyRequest.get().status == "received"
    _english(client)
    response = client.post("/privacy/requests/code", data={"code": _wrong(code)})
    assert "That is not the code we sent. You can try 1 more time." in response.get_data(as_text=True)
    response = client.post("/privacy/requests/code", data={"code": "12 34"})
    assert "The code has six digits" in response.get_data(as_text=True)


def test_an_expired_code_asks_for_a_new_one(client, outbox):
    at = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    with time_machine.travel(at, tick=False):
        client.post("/privacy/requests/new", data=ask_form())
    code = code_from(outbox, "ase@example.no")
    with time_machine.travel(at + timedelta(minutes=11), tick=False):
        response = client.post("/privacy/requests/code", data={"code": code})
        assert response.status_code == 422
        assert "Koden er utløpt" in response.get_data(as_text=True)
        _english(client)
        assert "The code has expired" in client.post(
            "/privacy/requests/code", data={"code": code}).get_data(as_text=True)
        assert PrivacyRequest.get().status == "received"
        client.post("/privacy/requests/code/new")
        response = client.post("/privacy/requests/code",
                               data={"code": code_from(outbox, "ase@example.no")})
    assert response.status_code == 302 and PrivacyRequest.get().status == "done"  # nothing held


def test_a_replayed_code_does_nothing(app, client, outbox):
    response = ask_with_code(client, outbox, kind="question", details="Hei")
    code = code_from(outbox, "ase@example.no")
    before = AuditEvent.select().count(), len(outbox.messages)
    again = client.post("/privacy/requests/code", data={"code": code})
    assert response.status_code == 302 and again.status_code == 410
    assert "den er allerede bekreftet" in again.get_data(as_text=True)
    other = app.test_client()  # a copied code in another browser has no request to confirm
    assert other.post("/privacy/requests/code", data={"code": code}).status_code == 410
    assert (AuditEvent.select().count(), len(outbox.messages)) == before
    assert PrivacyRequest.select().count() == 1


def test_a_code_for_another_address_does_not_fit(app, client, outbox):
    mallory = app.test_client()
    mallory.post("/privacy/requests/new", data=ask_form(email="mallory@example.no"))
    client.post("/privacy/requests/new", data=ask_form(email="kari@example.no"))
    response = client.post("/privacy/requests/code",
                           data={"code": code_from(outbox, "mallory@example.no")})
    assert response.status_code == 422
    assert PrivacyRequest.select().where(PrivacyRequest.status == "received").count() == 2


def test_bad_input_is_refused_with_a_message_in_both_languages(client, outbox):
    response = client.post("/privacy/requests/new", data=ask_form(kind="correction", name="",
                                                                  email="ikke-en-adresse"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for text in ("Skriv inn navnet ditt.", "Skriv inn en gyldig e-postadresse",
                 "Skriv hva som er feil, og hva det skal stå i stedet, eller gi de nye verdiene nedenfor."):
        assert text in page, text
    _english(client)
    page = client.post("/privacy/requests/new", data=ask_form(kind="shoes")).get_data(as_text=True)
    assert "Choose what you want." in page
    assert PrivacyRequest.select().count() == 0 and outbox.messages == []


def test_a_robot_filling_the_hidden_field_gets_no_code(client, outbox):
    response = client.post("/privacy/requests/new", data=ask_form(website="http://spam.example"))
    assert response.status_code == 422 and PrivacyRequest.select().count() == 0
    assert outbox.messages == []


def test_only_a_few_unproven_requests_per_address(app, outbox):
    for n in range(3):
        app.test_client().post("/privacy/requests/new", data=ask_form())
    response = app.test_client().post("/privacy/requests/new", data=ask_form())
    assert response.status_code == 429
    assert "venter allerede på koden sin" in response.get_data(as_text=True)
    assert PrivacyRequest.select().count() == 3


def test_a_second_open_request_of_the_same_kind_is_joined_to_the_first(client, app, outbox):
    make_person(email="ida@example.no")
    ask_with_code(client, outbox, kind="correction", details="Telefon: 412 34 567",
                  email="ida@example.no")
    other = app.test_client()
    response = ask_with_code(other, outbox, kind="correction", details="Og adressen: Storgata 2",
                             email="ida@example.no")
    assert response.status_code == 302
    [asked] = PrivacyRequest.select()
    assert asked.details == "Telefon: 412 34 567\n\nOg adressen: Storgata 2"
    assert "Du hadde allerede en slik henvendelse" in other.get(
        "/privacy/requests").get_data(as_text=True)
    assert [m.subject for m in others(outbox, "ida@example.no")][-1] == (
        "Du har allerede denne henvendelsen hos oss")
    ask_with_code(app.test_client(), outbox, kind="question", details="Et spørsmål",
                  email="ida@example.no")
    assert PrivacyRequest.select().count() == 2  # another kind is a request of its own


def test_an_unproven_request_is_no_duplicate(app, outbox):
    app.test_client().post("/privacy/requests/new", data=ask_form(kind="question",
                                                                  details="Første"))
    ask_with_code(app.test_client(), outbox, kind="question", details="Andre")
    assert sorted(r.status for r in PrivacyRequest.select()) == ["received", "verified"]


def test_one_sees_ones_requests_after_proving_the_address(app, client, outbox):
    ask_with_code(app.test_client(), outbox, kind="question", details="Hva har dere?",
                  email="per@example.no")
    assert "Send meg en kode" in client.get("/privacy/requests").get_data(as_text=True)
    response = client.post("/privacy/requests", data={"email": "per@example.no"})
    assert response.status_code == 303
    client.post("/privacy/requests/code", data={"code": code_from(outbox, "per@example.no")})
    page = client.get("/privacy/requests").get_data(as_text=True)
    assert "Hva har dere?" in page and "Vi svarer innen" in page and "dager igjen" in page
    # An address with no requests gets a code too, and the same page: nothing is revealed.
    stranger = app.test_client()
    assert stranger.post("/privacy/requests", data={"email": "ny@example.no"}).status_code == 303
    assert len(outbox.to("ny@example.no")) == 1


@pytest.mark.parametrize("path", ["/privacy", "/account", "/privacy/requests/new"])
def test_the_privacy_page_the_account_and_the_footer_link_to_both_pages(client, login_as, path):
    if path == "/account":
        login_as("candidate")
    page = client.get(path).get_data(as_text=True)
    assert 'href="/privacy/requests/new"' in page and 'href="/account/requests"' in page


def test_nobody_but_the_person_is_touched_by_a_request(client, outbox):
    person = make_person(email="kari@example.no", name="Kari")
    client.post("/privacy/requests/new", data=ask_form(email="kari@example.no", name="Mallory"))
    assert Person.get_by_id(person.id).name == "Kari"
    assert PrivacyRequest.get().person_id is None  # linked only once the address is proven


JUNK = st.one_of(st.text(max_size=300), st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=50),
                 st.just("a\x00@example.no"), st.just("x" * 10_000), st.just("<script>alert(1)</script>"),
                 st.just("' OR 1=1 --"), st.just("access"), st.just("correction"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=JUNK, name=JUNK, email=JUNK, details=JUNK, code=JUNK)
def test_the_public_pages_survive_any_input(client, kind, name, email, details, code):
    response = client.post("/privacy/requests/new", data=dict(kind=kind, name=name, email=email,
                                                              details=details, website=""))
    assert response.status_code in (303, 422, 429)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert client.post("/privacy/requests/code", data={"code": code}).status_code in (410, 422, 429)
    assert client.post("/privacy/requests", data={"email": email}).status_code in (303, 422, 429)
    # Only a well-formed request ever waits for its code.
    for asked in PrivacyRequest.select():
        assert asked.kind in ("access", "correction", "erasure", "question") and "\x00" not in asked.name


def test_a_second_copy_asked_the_same_day_points_to_the_first(app, outbox):
    from tests.requests.conftest import build_all
    make_person(email="kari@example.no")
    ask_with_code(app.test_client(), outbox, kind="access", email="kari@example.no")
    build_all()
    PrivacyRequest.update(status="done").execute()  # released by staff, say
    response = ask_with_code(app.test_client(), outbox, kind="access", email="kari@example.no")
    assert response.status_code == 302
    assert PrivacyRequest.select().count() == 1
    mail = others(outbox, "kari@example.no")[-1]
    assert "vi lager én kopi om dagen" in mail.body and "/privacy/requests" in mail.body
