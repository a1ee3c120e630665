"""Sharing a candidate: only with consent, only with a customer with an agreement in force, only
what the catalog calls shareable; recorded as a disclosure with its audit event and e-mail in one
transaction. The customer's page: a code to the contact's address, exactly what was shared, 14
days, closed by staff or by a withdrawn consent, each opening logged; documents as attachments."""
import json
from datetime import UTC, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from portal import catalog
from portal.audit.models import AuditEvent
from portal.consent.actions import decide
from portal.customers import sharing
from portal.customers.models import Disclosure, DisclosureOpening
from portal.documents.models import Document
from portal.mail.models import Outbox
from portal.staff.models import RecordView
from tests.customers.conftest import (
    code_in,
    link_in,
    logged_in,
    make_candidate,
    make_contact,
    make_customer,
    open_link,
    today,
)
from tests.factories import make_user


def _share_form(contact, categories=(), documents=()):
    return {"contact": str(contact.id), "categories": list(categories),
            "documents": [str(d) for d in documents]}


def _cv(person):
    return Document.get((Document.person == person.id) & (Document.kind == "cv"))


def _nothing_shared():
    return (Disclosure.select().count(), Outbox.select().where(
        Outbox.template == sharing.SHARED_EMAIL).count(),
            AuditEvent.select().where(AuditEvent.action == "disclosure.shared").count()) == (0, 0, 0)


# --- Staff share -----------------------------------------------------------------------------------

def test_staff_share_two_categories_and_the_cv(client, login_as, candidate, contact, outbox):
    staff = login_as("staff")
    page = client.get(f"/staff/customers/share/{candidate.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Byggmester Hansen AS: Hans Hansen, Daglig leder" in body
    assert "Arbeidserfaring" in body and "cv-kari.pdf" in body
    assert "Fødselsdato" not in body  # the catalog says it is never shared
    # Opening the form shows what the candidate holds: an opening of their record, for matching.
    assert RecordView.get(RecordView.person == candidate.id).purpose == "matching"

    answer = client.post(f"/staff/customers/share/{candidate.id}", data=_share_form(
        contact, ["work_experience", "languages"], [_cv(candidate).id]))
    assert answer.status_code == 303
    disclosure = Disclosure.get()
    assert (disclosure.person_id, disclosure.customer_id, disclosure.contact_id) == (
        candidate.id, contact.customer_id, contact.id)
    assert disclosure.category_keys == ["cv", "work_experience", "languages"]
    assert disclosure.document_ids == [_cv(candidate).id]
    assert disclosure.basis == "consent" and disclosure.consent_id is not None
    assert disclosure.shared_by == staff.id
    assert disclosure.expires_at - disclosure.shared_at == timedelta(days=14)
    event = AuditEvent.get(AuditEvent.action == "disclosure.shared")
    assert (event.person_id, event.actor_id) == (candidate.id, staff.id)
    assert candidate.name not in event.details and contact.email not in event.details
    [mail] = outbox.to(contact.email)
    assert "/shared/" in mail.body and candidate.name not in mail.body  # a forward shows nobody
    assert "Hei Hans Hansen" in mail.body


@pytest.mark.parametrize("lang, text", [
    ("nb", "har ikke samtykket til deling med bedriftskunder"),
    ("en", "has not consented to sharing with business customers")])
def test_sharing_without_consent_is_refused(client, login_as, contact, lang, text):
    login_as("staff")
    client.post("/language", data={"lang": lang})
    person = make_candidate(consent=False)
    page = client.get(f"/staff/customers/share/{person.id}").get_data(as_text=True)
    assert text in page
    answer = client.post(f"/staff/customers/share/{person.id}", data=_share_form(contact, ["name"]))
    assert answer.status_code == 409 and text in answer.get_data(as_text=True)
    assert _nothing_shared()


def test_sharing_after_the_consent_was_withdrawn_is_refused(contact, staff):
    person = make_candidate()
    decide(person, sharing.PURPOSE, False)
    with pytest.raises(sharing.ShareProblem) as refused:
        sharing.share(person, contact.id, ["name"], [], staff)
    assert refused.value.code == "no_consent" and _nothing_shared()


@pytest.mark.parametrize("lang, text", [("nb", "har ingen avtale med oss som gjelder i dag"),
                                        ("en", "has no agreement with us in force today")])
def test_sharing_with_a_customer_without_an_agreement_in_force_is_refused(
        client, login_as, candidate, lang, text):
    login_as("staff")
    client.post("/language", data={"lang": lang})
    from portal.customers import actions
    from portal.customers.models import CustomerAgreement
    ended = make_customer("Fjordtransport AS")
    ended_contact = make_contact(ended, email="kontakt@fjordtransport.no")
    agreement = CustomerAgreement.get(CustomerAgreement.customer == ended.id)
    # Ended yesterday: the nightly sweep has not emptied the contact's address yet.
    actions.change_agreement(agreement, agreement.starts_on, today() - timedelta(days=1), None)
    later = make_customer("Senere AS", starts_on=today() + timedelta(days=10),
                          ends_on=today() + timedelta(days=400))
    later_contact = make_contact(later, email="kontakt@senere.no")
    for contact in (ended_contact, later_contact):
        # Not offered in the form, and refused when posted anyway.
        page = client.get(f"/staff/customers/share/{candidate.id}").get_data(as_text=True)
        assert f'<option value="{contact.id}"' not in page
        with pytest.raises(sharing.ShareProblem) as refused:
            sharing.share(candidate, contact.id, ["name"], [], None)
        assert refused.value.code == "no_agreement"
        answer = client.post(f"/staff/customers/share/{candidate.id}",
                             data=_share_form(contact, ["name"]))
        assert answer.status_code == 400
        assert "Velg en av kontaktpersonene" in answer.get_data(as_text=True) or \
            "Choose one of the contact persons offered" in answer.get_data(as_text=True)
    assert _nothing_shared()


@pytest.mark.parametrize("category, label", [("birth_date", "Fødselsdato"),
                                             ("references", "Referanser"),
                                             ("email", "E-postadresse"),
                                             ("no_such_thing", "no_such_thing")])
def test_a_category_that_is_not_shareable_is_refused_by_name(client, login_as, candidate,
                                                             contact, category, label):
    login_as("staff")
    answer = client.post(f"/staff/customers/share/{candidate.id}",
                         data=_share_form(contact, ["name", category]))
    assert answer.status_code == 400
    assert f"{label} kan ikke deles med bedriftskunder. Ingenting ble delt." in answer.get_data(
        as_text=True)
    assert _nothing_shared()


def test_a_category_that_is_not_shareable_is_refused_in_english(client, login_as, candidate,
                                                                contact):
    login_as("staff")
    client.post("/language", data={"lang": "en"})
    answer = client.post(f"/staff/customers/share/{candidate.id}",
                         data=_share_form(contact, ["gender"]))
    assert "Gender cannot be shared with business customers. Nothing was shared." in \
        answer.get_data(as_text=True)
    assert _nothing_shared()


def test_someone_elses_document_or_junk_is_refused(client, login_as, candidate, contact):
    login_as("staff")
    other = make_candidate(email="annen@example.no")
    for documents in ([_cv(other).id], ["x"], ["99999999999"], [str(2 ** 31)]):
        answer = client.post(f"/staff/customers/share/{candidate.id}", data={
            "contact": str(contact.id), "categories": ["name"], "documents": documents})
        assert answer.status_code == 400, documents
        assert "ikke et av kandidatens dokumenter som kan deles" in answer.get_data(as_text=True)
    assert _nothing_shared()


def test_nothing_chosen_and_no_contact_are_refused(client, login_as, candidate, contact):
    login_as("staff")
    for data in ({"contact": str(contact.id)}, {"categories": ["name"]},
                 {"contact": "abc", "categories": ["name"]}):
        answer = client.post(f"/staff/customers/share/{candidate.id}", data=data)
        assert answer.status_code == 400, data
    assert _nothing_shared()


def test_a_contact_without_an_address_cannot_receive_a_share(candidate, customer):
    contact = make_contact(customer, email="", name="Uten Adresse")
    with pytest.raises(sharing.ShareProblem) as refused:
        sharing.share(candidate, contact.id, ["name"], [], None)
    assert refused.value.code == "no_email" and _nothing_shared()


def test_a_rolled_back_share_sends_nothing(candidate, contact, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the audit trail is down")
    monkeypatch.setattr(sharing, "record", broken)
    with pytest.raises(RuntimeError):
        sharing.share(candidate, contact.id, ["name"], [], None)
    assert _nothing_shared()


# --- The customer's page ------------------------------------------------------------------------

def test_the_contact_sees_exactly_what_was_shared(app, client, candidate, contact, outbox):
    disclosure = sharing.share(candidate, contact.id, ["name", "languages"], [_cv(candidate).id],
                               None)
    path = link_in(outbox, contact.email)
    page, shown = open_link(client, outbox, path, contact.email)
    body = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert candidate.name in body and "Tysk" in body and "cv-kari.pdf" in body
    for not_shared in ("Qvorn Bygg", "Tømrer", "650", "1990", "kari.png", candidate.email,
                       candidate.phone, "Storgata"):
        assert not_shared not in body, not_shared
    assert "no-store" in shown.headers["Cache-Control"]
    assert DisclosureOpening.select().where(DisclosureOpening.disclosure == disclosure.id).count() == 1
    client.get(page)
    assert DisclosureOpening.select().count() == 2  # each opening is logged
    event = AuditEvent.select().where(AuditEvent.action == "disclosure.opened").first()
    assert event.person_id == candidate.id


def test_the_page_shows_the_current_values_of_what_was_shared(client, candidate, contact,
                                                               outbox):
    from portal.people import registry
    sharing.share(candidate, contact.id, ["name"], [], None)
    page, _ = open_link(client, outbox, link_in(outbox, contact.email), contact.email)
    registry.rectify(candidate, {"name": "Kari Ny-Nordmann"}, by="person")
    assert "Kari Ny-Nordmann" in client.get(page).get_data(as_text=True)


def test_a_forwarded_link_shows_nothing_without_the_code(app, candidate, contact, outbox):
    sharing.share(candidate, contact.id, ["name", "work_experience"], [_cv(candidate).id], None)
    path = link_in(outbox, contact.email)
    stranger = app.test_client()
    first = stranger.get(path)
    page = first.headers["Location"]
    for answer in (stranger.get(page), stranger.get(page + f"/documents/{_cv(candidate).id}",
                                                    follow_redirects=True)):
        body = answer.get_data(as_text=True)
        assert candidate.name not in body and "Qvorn" not in body and "cv-kari" not in body
        assert "Send meg en kode" in body
    # A guessed code does not open it either.
    stranger.post(page + "/code")
    wrong = stranger.post(page, data={"code": "000000" if code_in(outbox, contact.email) != "000000"
                                      else "111111"})
    assert wrong.status_code == 422 and candidate.name not in wrong.get_data(as_text=True)
    assert DisclosureOpening.select().count() == 0


def test_a_code_for_another_contact_does_not_open_the_link(app, candidate, customer, outbox):
    first = make_contact(customer, email="forste@byggmester.no", name="Første Kontakt")
    second = make_contact(customer, email="andre@byggmester.no", name="Andre Kontakt")
    sharing.share(candidate, first.id, ["name"], [], None)
    sharing.share(make_candidate(email="per@example.no", name="Per Hemmelig"), second.id,
                  ["name"], [], None)
    client = app.test_client()
    page_first, _ = open_link(client, outbox, link_in(outbox, first.email), first.email)
    # The first contact's browser opens the second's link and gives the first contact's code.
    page_second = client.get(link_in(outbox, second.email)).headers["Location"]
    assert "Per Hemmelig" not in client.get(page_second).get_data(as_text=True)
    client.post(page_second + "/code")
    used_code = code_in(outbox, first.email)
    wrong = client.post(page_second, data={"code": used_code})
    assert wrong.status_code == 422 and "Per Hemmelig" not in wrong.get_data(as_text=True)
    # Even a challenge for another address put in the session for this link is refused.
    from portal.verification import actions as verification
    challenge = verification.start(first.email, sharing.CODE_PURPOSE)
    with client.session_transaction() as session:
        codes = dict(session["shared_codes"])
        second_id = str(Disclosure.get(Disclosure.contact == second.id).id)
        codes[second_id] = challenge.token
        session["shared_codes"] = codes
    swapped = client.post(page_second, data={"code": code_in(outbox, first.email)})
    assert swapped.status_code == 422
    assert "Denne koden ble sendt for en annen lenke" in swapped.get_data(as_text=True)
    assert "Per Hemmelig" not in client.get(page_second).get_data(as_text=True)


@pytest.mark.parametrize("mangle", [lambda t: t[:-3] + "abc", lambda t: t + "x",
                                    lambda t: "x" * 43, lambda t: t.upper(), lambda t: "a"])
def test_a_tampered_link_is_refused(client, candidate, contact, outbox, mangle):
    sharing.share(candidate, contact.id, ["name"], [], None)
    token = link_in(outbox, contact.email).rsplit("/", 1)[1]
    answer = client.get(f"/shared/{mangle(token)}")
    assert answer.status_code == 404
    assert "Denne lenken er ikke gyldig" in answer.get_data(as_text=True)
    assert candidate.name not in answer.get_data(as_text=True)


def test_a_link_opened_in_another_browser_by_its_handle_shows_nothing(app, candidate, contact,
                                                                     outbox):
    sharing.share(candidate, contact.id, ["name"], [], None)
    page, _ = open_link(app.test_client(), outbox, link_in(outbox, contact.email), contact.email)
    other = app.test_client().get(page)
    assert other.status_code == 404 and candidate.name not in other.get_data(as_text=True)


def test_the_link_stops_working_after_14_days(client, candidate, contact, outbox):
    sharing.share(candidate, contact.id, ["name"], [], None)
    path = link_in(outbox, contact.email)
    page, shown = open_link(client, outbox, path, contact.email)
    assert candidate.name in shown.get_data(as_text=True)
    shared_at = Disclosure.get().shared_at.replace(tzinfo=UTC)
    with time_machine.travel(shared_at + timedelta(days=14) - timedelta(minutes=1), tick=False):
        # The code proves the address for half an hour: a new one, the last minute of the link.
        page, shown = open_link(client, outbox, path, contact.email)
        assert candidate.name in shown.get_data(as_text=True)
    with time_machine.travel(shared_at + timedelta(days=14), tick=False):
        for answer in (client.get(page), client.get(path)):
            assert answer.status_code == 410
            body = answer.get_data(as_text=True)
            assert "Denne lenken er utløpt" in body and candidate.name not in body


def test_staff_close_a_link_and_it_shows_nothing(client, login_as, candidate, contact, outbox):
    disclosure = sharing.share(candidate, contact.id, ["name"], [_cv(candidate).id], None)
    page, _ = open_link(client, outbox, link_in(outbox, contact.email), contact.email)
    staff = make_user("staff")
    staff_client = logged_in(client.application, staff)
    listed = staff_client.get("/staff/customers/disclosures").get_data(as_text=True)
    assert candidate.name in listed and "Lukk lenken" in listed
    closed = staff_client.post(f"/staff/customers/disclosures/{disclosure.id}/revoke")
    assert closed.status_code == 303
    assert Disclosure.get().revoked_why == "staff"
    event = AuditEvent.get(AuditEvent.action == "disclosure.revoked")
    assert event.actor_id == staff.id and event.person_id == candidate.id
    for answer in (client.get(page), client.get(page + f"/documents/{_cv(candidate).id}")):
        assert answer.status_code == 410
        assert "Denne lenken er stengt" in answer.get_data(as_text=True)
    again = staff_client.post(f"/staff/customers/disclosures/{disclosure.id}/revoke",
                              follow_redirects=True)
    assert again.status_code == 200 and "allerede stengt" in again.get_data(as_text=True)
    listed = again.get_data(as_text=True)
    assert "Stengt av oss" in listed and "Lukk lenken" not in listed
    detail = staff_client.get(f"/staff/customers/{disclosure.customer_id}")
    assert detail.status_code == 200 and "Stengt av oss" in detail.get_data(as_text=True)


def test_withdrawing_the_consent_closes_every_open_link_at_once(client, candidate, customer,
                                                               outbox):
    first = make_contact(customer, email="forste@byggmester.no")
    second = make_contact(customer, email="andre@byggmester.no")
    one = sharing.share(candidate, first.id, ["name"], [], None)
    two = sharing.share(candidate, second.id, ["languages"], [], None)
    page, _ = open_link(client, outbox, link_in(outbox, first.email), first.email)
    candidate_client = logged_in(client.application, make_user("candidate", person=candidate))
    consents = candidate_client.get("/account/consents").get_data(as_text=True)
    assert "Deling av profilen din med bedriftskunder" in consents
    assert "Trekker du samtykket, stenges alle lenkene med en gang" in consents
    candidate_client.post("/account/consents/share_with_customers", data={"given": "0"})
    assert {d.revoked_why for d in Disclosure.select()} == {"consent_withdrawn"}
    assert {d.revoked_at for d in Disclosure.select()} == {
        Disclosure.get_by_id(one.id).revoked_at}  # in the same moment
    assert client.get(page).status_code == 410
    assert client.get(link_in(outbox, second.email)).status_code == 410
    account = candidate_client.get("/account?open=disclosures").get_data(as_text=True)
    assert account.count("Stengt da du trakk samtykket ditt") == 2
    assert two.id != one.id


def test_a_document_downloads_only_through_the_link_as_an_attachment(client, candidate, contact,
                                                                     outbox):
    cv, photo = _cv(candidate), Document.get((Document.person == candidate.id)
                                             & (Document.kind == "photo"))
    sharing.share(candidate, contact.id, ["name"], [cv.id], None)
    page, _ = open_link(client, outbox, link_in(outbox, contact.email), contact.email)
    answer = client.get(f"{page}/documents/{cv.id}")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.data.startswith(b"%PDF")
    assert client.get(f"{page}/documents/{photo.id}").status_code == 404  # not shared
    assert DisclosureOpening.select().where(DisclosureOpening.document == cv.id).count() == 1


def test_a_link_closes_when_the_customer_has_no_agreement_any_more(client, candidate, contact,
                                                                   outbox):
    from portal.customers import actions
    from portal.customers.models import CustomerAgreement
    sharing.share(candidate, contact.id, ["name"], [], None)
    page, _ = open_link(client, outbox, link_in(outbox, contact.email), contact.email)
    agreement = CustomerAgreement.get()
    actions.change_agreement(agreement, agreement.starts_on, today() - timedelta(days=1), None)
    answer = client.get(page)
    assert answer.status_code == 410 and candidate.name not in answer.get_data(as_text=True)


# --- The candidate's view --------------------------------------------------------------------------

def test_the_candidate_sees_each_share_on_account(client, login_as, candidate, contact, outbox):
    sharing.share(candidate, contact.id, ["name", "work_experience"], [_cv(candidate).id], None)
    open_link(client.application.test_client(), outbox, link_in(outbox, contact.email),
              contact.email)
    login_as("candidate", person=candidate)
    page = client.get("/account").get_data(as_text=True)
    assert "Delt med bedriftskunder" in page
    assert "<strong>Byggmester Hansen AS</strong> (Hans Hansen)" in page
    assert "Navn, CV, Arbeidserfaring, cv-kari.pdf" in page
    opened = DisclosureOpening.get().at
    from portal.web.formats import format_when
    with client.application.test_request_context():
        assert format_when(opened, "datetime") in page
    # The categories shared name who received them.
    assert "Byggmester Hansen AS. <a" in page


def test_the_access_export_lists_every_disclosure(app, candidate, contact, outbox):
    from portal.requests import actions as requests
    from portal.requests import export
    from portal.requests.models import AccessExport
    disclosure = sharing.share(candidate, contact.id, ["name"], [_cv(candidate).id], None)
    open_link(app.test_client(), outbox, link_in(outbox, contact.email), contact.email)
    request = requests.ask_as_candidate(candidate, "access", "", "nb")
    contents = export.contents(request)
    document = export.data(contents)
    export.validate(document)
    [recipient] = document["recipients"]
    assert recipient["recipient"] == "Byggmester Hansen AS (Hans Hansen)"
    assert recipient["categories"] == ["name", "cv"]
    assert recipient["basis"] == "consent" and recipient["documents"] == ["cv-kari.pdf"]
    assert recipient["at"] == disclosure.shared_at.isoformat()
    assert len(recipient["opened"]) == 1 and recipient["revoked_at"] is None
    assert document["categories"]["disclosures"]["items"]
    assert disclosure.token_hash not in json.dumps(document)  # the link's secret: named, not copied
    assert {"model": "Disclosure", "column": "token_hash"} in document["withheld"]
    summary = export.summary(contents)
    assert "Byggmester Hansen AS (Hans Hansen)" in summary
    assert AccessExport.select().count() == 1


def test_a_share_stays_on_the_record_when_its_contact_person_is_removed(candidate, contact,
                                                                        outbox):
    from portal.customers import actions
    sharing.share(candidate, contact.id, ["name"], [], None)
    actions.remove_contact(contact, None)
    [line] = sharing.lines(sharing.disclosures_of(candidate))
    assert line.customer == "Byggmester Hansen AS" and line.contact == ""


def test_share_form_of_nobody_is_404(client, login_as):
    login_as("staff")
    assert client.get("/staff/customers/share/999999").status_code == 404
    assert client.post("/staff/customers/share/999999", data={}).status_code == 404
    assert RecordView.select().count() == 0


def test_the_links_token_leaves_the_address_and_never_reaches_the_log(app, client, candidate,
                                                                      contact, outbox, caplog):
    import logging
    sharing.share(candidate, contact.id, ["name"], [], None)
    path = link_in(outbox, contact.email)
    token = path.rsplit("/", 1)[1]
    first = client.get(path + "?utm_source=mail")
    assert first.status_code == 303 and token not in first.headers["Location"]
    assert first.headers["Location"].startswith("/shared/link/")
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('"GET %s HTTP/1.1" 303 -', path)
        app.logger.error("unhandled error on GET %s", path)
    assert token not in caplog.text and caplog.text.count("/shared/[token]") == 2


HOSTILE = st.one_of(st.text(max_size=200), st.text(alphabet=st.characters(max_codepoint=0x1F),
                                                   max_size=20),
                    st.sampled_from(["", "0", "-1", "99999999999999999999", "1e9", "name",
                                     "birth_date", "<script>alert(1)</script>", "a\x00b",
                                     "x" * 5000, "' OR 1=1 --", "١٢٣"]))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contact_id=HOSTILE, categories=st.lists(HOSTILE, max_size=4),
       documents=st.lists(HOSTILE, max_size=4))
@example(contact_id="1", categories=["name", "name\x00"], documents=["1"])
@example(contact_id="1\x00", categories=["salary"], documents=["-1", "0"])
@example(contact_id="2147483648", categories=["name"], documents=[str(2 ** 63)])
def test_the_share_form_survives_any_input(client, login_as, candidate, contact, contact_id,
                                           categories, documents):
    """Never a 500, and a share only of what the catalog allows, to a contact offered."""
    with client.session_transaction() as session:
        session.clear()
    login_as("staff")
    before = Disclosure.select().count()
    answer = client.post(f"/staff/customers/share/{candidate.id}", data={
        "contact": contact_id, "categories": categories, "documents": documents})
    assert answer.status_code in (303, 400, 409)
    assert "<script>alert(1)</script>" not in answer.get_data(as_text=True)
    for disclosure in Disclosure.select():
        assert set(disclosure.category_keys) <= {c.key for c in catalog.categories(shareable=True)}
        assert disclosure.contact_id == contact.id
    assert Disclosure.select().count() in (before, before + 1)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=HOSTILE, token=HOSTILE)
@example(code="12345\x00", token="x" * 43)
@example(code="1" * 5000, token="../../etc/passwd")
def test_the_shared_link_survives_any_input(app, candidate, contact, outbox, code, token):
    """The public page: never a 500, and nothing shown without the right code."""
    if not Disclosure.select().exists():
        sharing.share(candidate, contact.id, ["name"], [], None)
    client = app.test_client()
    page = client.get(link_in(outbox, contact.email)).headers["Location"]
    client.post(page + "/code")
    for answer in (client.post(page, data={"code": code}), client.get("/shared/" + token),
                   client.post("/shared/" + token, data={"code": code})):
        assert answer.status_code < 500
        assert candidate.name not in answer.get_data(as_text=True)


def test_without_the_name_the_customer_sees_an_anonymous_profile(client, candidate, contact,
                                                                 outbox):
    disclosure = sharing.share(candidate, contact.id, ["work_experience"], [], None)
    _, shown = open_link(client, outbox, link_in(outbox, contact.email), contact.email)
    body = shown.get_data(as_text=True)
    assert "Qvorn Bygg AS" in body and f"En kandidat (referanse {disclosure.id})" in body
    assert candidate.name not in body


def test_sharing_someone_erased_meanwhile_shares_nothing(candidate, contact):
    from portal.people import registry
    registry.erase_person(candidate, "request 1", confirm=False)
    with pytest.raises(sharing.ShareProblem) as refused:
        sharing.share(candidate, contact.id, ["name"], [], None)
    assert refused.value.code == "no_candidate" and _nothing_shared()


def test_sharing_one_certificate_shares_that_document_and_not_the_list_of_certificates(
        client, login_as, candidate, contact, outbox):
    """Found by attack16: a certificate (the document) ticked alone showed the customer every
    certificate the candidate listed, which staff had not chosen to share."""
    from portal.candidates.models import Certificate
    from portal.documents import actions as documents
    from tests.candidates import files
    Certificate.create(person=candidate, title="Sertifikat for truck", issuer="AKA AS")
    certificate = documents.upload(candidate, "certificate", "truck.pdf", files.pdf("truck"))
    disclosure = sharing.share(candidate, contact.id, [], [certificate.id], None)
    _, shown = open_link(client, outbox, link_in(outbox, contact.email), contact.email)
    body = shown.get_data(as_text=True)
    assert "truck.pdf" in body
    assert "Sertifikat for truck" not in body and "AKA AS" not in body
    assert disclosure.category_keys == []  # the list of certificates was not shared
    # The candidate still sees who received their certificate, by the category it belongs to.
    assert sharing.received_by(candidate) == {"certificates": ["Byggmester Hansen AS"]}
    # Ticked, the list is shared too.
    sharing.share(candidate, contact.id, ["certificates"], [certificate.id], None)
    _, shown = open_link(client.application.test_client(), outbox, link_in(outbox, contact.email),
                         contact.email)
    assert "Sertifikat for truck" in shown.get_data(as_text=True)


def test_a_new_address_for_the_contact_closes_the_links_sent_to_the_old_one(
        app, client, login_as, candidate, contact, outbox):
    """Found by attack16: a link e-mailed to one address opened with a code sent to whatever
    address the contact person's row held later (a successor typed over them, say)."""
    disclosure = sharing.share(candidate, contact.id, ["name"], [], None)
    path = link_in(outbox, contact.email)
    customer_id = contact.customer_id
    login_as("staff")
    values = {"name": "Hans Hansen", "title": "Daglig leder", "email": "hans@byggmester.no",
              "phone": "+4791234567", "locale": "nb"}
    answer = client.post(f"/staff/customers/{customer_id}/contacts/{contact.id}",
                         data=dict(values, title="Styreleder"))
    assert answer.status_code == 303 and Disclosure.get_by_id(disclosure.id).is_open()
    answer = client.post(f"/staff/customers/{customer_id}/contacts/{contact.id}",
                         data=dict(values, name="Nina Ny", email="nina@byggmester.no"))
    assert answer.status_code == 303
    closed = Disclosure.get_by_id(disclosure.id)
    assert not closed.is_open() and closed.revoked_why == "contact_changed"
    event = AuditEvent.get(AuditEvent.action == "disclosure.revoked")
    assert "nina" not in event.details and "hans" not in event.details
    stranger = app.test_client()
    assert stranger.get(path).status_code == 410
    assert not outbox.to("nina@byggmester.no")
