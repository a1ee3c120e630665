"""What a security tester found attacking privacy requests on a running portal, each failing
before its fix: what a stranger typed with one's address, an erased person's trail under a reused
id, stale step counters out of range, requests joined without end, codes left readable, limits
the README promised but the environment could not set, personal data in a failed job, and a
download offered after its five days."""
import io
import json
import traceback
import zipfile
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from portal import catalog, storage
from portal.audit.actions import record
from portal.audit.models import AuditEvent
from portal.auth.actions import mark_fresh
from portal.auth.models import LoginSession
from portal.db import utcnow
from portal.mail.models import Outbox
from portal.people import registry
from portal.people.models import Person
from portal.requests import actions, export
from portal.requests.forms import DETAILS_MAX
from portal.requests.models import AccessExport, PrivacyRequest
from tests.factories import make_person, make_user
from tests.requests.conftest import ask_form, ask_with_code, build_all, code_from

HTMX = {"HX-Request": "true"}


def _zip_of(request):
    """{name: text} of the copy built for a request."""
    row = AccessExport.get(AccessExport.request == request.id)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(storage.stream(row.storage_id))))
    return {n: archive.read(n).decode() for n in archive.namelist() if not n.startswith("documents/")}


# --- What a stranger typed with one's address ------------------------------------------------

def test_a_stranger_cannot_put_words_into_ones_account_page_or_copy(app, client, login_as):
    """Anyone may type Kari's address on the public form; until the code sent there is given,
    what they typed is theirs, not Kari's: it must not appear on her /account as a request
    "from you", nor in her copy (where it would also hand a stranger's name to her)."""
    person = make_person(name="Kari Nordmann", email="kari@example.no", stage=catalog.CANDIDATE)
    login_as("candidate", person=person, email="kari@example.no")
    stranger = app.test_client()
    assert stranger.post("/privacy/requests/new", data=ask_form(
        email="kari@example.no", name="Mallory Svindel", kind="question",
        details="Kontoen din er sperret. Ring 815 00 000 for å åpne den.")).status_code == 303
    page = client.get("/account").get_data(as_text=True)
    assert "Mallory" not in page and "815 00 000" not in page

    asked = actions.ask_as_candidate(person, "access", "", "nb")
    build_all()
    copy = _zip_of(asked)
    for name in ("data.json", "summary.html"):
        assert "Mallory" not in copy[name] and "815 00 000" not in copy[name], name
    export.validate(json.loads(copy["data.json"]))

    # Erasing Kari still takes it with her: it holds her address.
    registry.erase_person(person, "asked to be erased", confirm=False)
    assert not PrivacyRequest.select().where(PrivacyRequest.email == "kari@example.no").exists()


def test_ones_own_proven_requests_are_still_in_the_copy(app, client, outbox):
    person = make_person(email="ida@example.no")
    client.post("/privacy/requests/new", data=ask_form(email="ida@example.no", kind="question",
                                                        details="Hvor lenge har dere CV-en?"))
    client.post("/privacy/requests/code", data={"code": code_from(outbox, "ida@example.no")})
    [group] = [g for g in registry.export_person(person) if g.category.key == "requests"]
    assert [i.fields["details"] for i in group.items] == ["Hvor lenge har dere CV-en?"]


# --- An erased person's id given to the next one (SQLite) ------------------------------------

def test_the_next_person_with_an_erased_persons_id_does_not_get_their_trail(app, db):
    """SQLite gives the id of the last row deleted to the next row: the audit trail, kept after an
    erasure, must not become the next person's in their copy or on /account."""
    staff = make_user("staff")
    gone = make_person(name="Erik Slettet", email="erik@example.no")
    record("booking.attended", person=gone.id, actor=staff)
    record("document.downloaded_by_staff", person=gone.id, actor=staff, document=1)
    registry.erase_person(gone, "asked to be erased", confirm=False)
    newcomer = make_person(id=gone.id, email="ny@example.no")  # as SQLite numbers it
    assert AuditEvent.select().where(AuditEvent.person_id == newcomer.id).exists()  # kept

    asked = actions.ask_as_candidate(newcomer, "access", "", "nb")
    contents = export.contents(PrivacyRequest.get_by_id(asked.id))
    assert contents.staff_events == []
    actions_in_copy = [i.fields["action"] for g in contents.groups if g.category.key == "audit"
                       for i in g.items]
    assert not {"booking.attended", "document.downloaded_by_staff", "person.erased"} & set(
        actions_in_copy)
    assert "privacy_request.verified" in actions_in_copy  # the newcomer's own trail is there


# --- A stale step counter out of range --------------------------------------------------------

@pytest.mark.parametrize("version", ["99999999999999999999999", "-99999999999999999999999"])
def test_a_step_with_a_counter_out_of_range_is_refused_not_a_500(client, login_as, version):
    login_as("staff")
    asked = actions.ask_as_candidate(make_person(), "question", "Hva har dere?", "nb")
    for step in ("start", "deny", "extend", "done"):
        response = client.post(f"/staff/requests/{asked.id}/{step}", headers=HTMX, data={
            "version": version, "reason": "Fordi", "months": "1"})
        assert response.status_code == 200, step
        assert "Noen andre behandlet denne henvendelsen" in response.get_data(as_text=True)
    assert PrivacyRequest.get_by_id(asked.id).status == "verified"


# --- Requests joined without end --------------------------------------------------------------

@pytest.mark.parametrize("app_config", [{"PRIVACY_REQUEST_LIMIT": "1000 per hour"}])
def test_joining_cannot_grow_a_request_without_end(client, fresh_candidate, outbox):
    """Each request of the same kind is joined to the open one, its text added: a script must not
    be able to grow one request (and the staff queue showing it) without end."""
    text = "x" * DETAILS_MAX
    answers = [client.post("/account/requests", data={"kind": "question", "details": text})
               for _ in range(30)]
    [asked] = PrivacyRequest.select()
    assert len(asked.details) <= actions.JOINED_MAX
    refused = [a for a in answers if a.status_code == 429]
    assert refused, [a.status_code for a in answers]
    assert "holder så mye tekst" in refused[-1].get_data(as_text=True)
    assert PrivacyRequest.select().count() == 1


def test_a_request_proven_by_code_that_cannot_be_joined_is_told_so_and_deleted(client, outbox):
    person = make_person(email="ida@example.no")
    first = actions.ask_as_candidate(person, "question", "Første", "nb")
    PrivacyRequest.update(details="y" * actions.JOINED_MAX).execute()
    response = ask_with_code(client, outbox, email="ida@example.no", kind="question",
                             details="Og en til")
    assert response.status_code == 429
    assert "holder så mye tekst" in response.get_data(as_text=True)
    [kept] = PrivacyRequest.select()
    assert kept.id == first.id and kept.details == "y" * actions.JOINED_MAX
    # Nothing waits in this browser any more: the code page sends it to the form.
    assert client.get("/privacy/requests/code").status_code == 302


def test_asking_from_the_account_is_rate_limited(app, client, fresh_candidate):
    statuses = [client.post("/account/requests", data={"kind": "question", "details": f"Nr {n}"}
                            ).status_code for n in range(12)]
    assert statuses[:10] == [303] * 10 and statuses[10:] == [429, 429]


# --- Codes kept readable ---------------------------------------------------------------------

def test_a_sent_code_is_not_kept_readable_in_the_outbox(app, client, outbox):
    client.post("/privacy/requests/new", data=ask_form(email="ola@example.no"))
    code = code_from(outbox, "ola@example.no")  # the person gets it in the subject
    rows = list(Outbox.select().where(Outbox.to == "ola@example.no"))
    assert rows and all(r.sent_at is not None for r in rows)
    for row in rows:
        assert code not in row.subject and code not in row.params


# --- Limits the README names ------------------------------------------------------------------

@pytest.mark.parametrize("name,value", [("PRIVACY_REQUEST_LIMIT", "3 per hour"),
                                        ("REQUESTS_WAITING_PER_IP", "4"),
                                        ("REQUESTS_WAITING_PER_ADDRESS", "2")])
def test_the_limits_the_readme_names_are_read_from_the_environment(name, value):
    """An operator sets them as the README says: in the environment."""
    import os
    import subprocess
    import sys
    shown = subprocess.run(  # a fresh interpreter: the config is read once, at import
        [sys.executable, "-c", f"from portal.config import Config; print(Config.{name})"],
        env={**os.environ, name: value}, capture_output=True, text=True, check=True).stdout
    assert shown.strip() == value


# --- Personal data in a failed job ------------------------------------------------------------

def test_a_copy_that_fails_its_schema_keeps_personal_data_out_of_the_error(app, monkeypatch):
    """A failed job keeps its error in Redis for a week and in the worker's log: a data.json that
    does not match the schema must fail without the person's data in the message."""
    person = make_person(name="Kari Hemmelig", email="kari@example.no")
    asked = actions.ask_as_candidate(person, "access", "", "nb")
    real = export.data

    def broken(c):
        document = real(c)
        [item] = document["categories"]["name"]["items"]
        item["fields"]["last_contact_at"] = "i går"  # one value of the wrong form
        return document
    monkeypatch.setattr(export, "data", broken)
    [row] = AccessExport.select()
    with pytest.raises(Exception) as failed:
        export.build(row.id)
    told = "".join(traceback.format_exception(failed.value))
    assert "Kari Hemmelig" not in told and "kari@example.no" not in told
    assert "categories" in told  # where it failed, to mend it
    assert AccessExport.get_by_id(row.id).status == "failed"
    assert PrivacyRequest.get_by_id(asked.id).status == "in_progress"


# --- A download offered after its five days ---------------------------------------------------

def test_no_download_button_once_the_five_days_are_over(client, fresh_candidate):
    client.post("/account/requests", data={"kind": "access", "details": ""})
    build_all()
    asked = PrivacyRequest.get()
    page = client.get(f"/account/requests/{asked.id}").get_data(as_text=True)
    assert "/privacy/exports/" in page
    # Five days on, before the hourly job has deleted the file.
    AccessExport.update(expires_at=utcnow() - timedelta(minutes=1)).execute()
    page = client.get(f"/account/requests/{asked.id}").get_data(as_text=True)
    assert "/privacy/exports/" not in page
    assert "Kopien er slettet" in page


# --- Blocking someone else's address ----------------------------------------------------------

def _from(app, ip):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def test_nobody_can_block_an_address_from_asking_by_leaving_requests_unproven(app, outbox):
    """Three requests typed with Kari's address, never proven, used to shut her out of the
    public form for 24 hours (she gets their codes, but they belong to the stranger's browser)."""
    make_person(email="kari@example.no")
    for _ in range(3):
        assert _from(app, "203.0.113.7").post("/privacy/requests/new", data=ask_form(
            email="kari@example.no", name="Mallory")).status_code == 303
    refused = _from(app, "203.0.113.7").post("/privacy/requests/new",
                                               data=ask_form(email="kari@example.no"))
    assert refused.status_code == 429  # the same network may not pile up more
    kari = _from(app, "198.51.100.20")
    assert ask_with_code(kari, outbox, email="kari@example.no", name="Kari").status_code == 302
    assert PrivacyRequest.select().where(PrivacyRequest.status == "verified").count() == 1


def test_a_verified_request_keeps_no_trace_of_the_network_it_came_from(client, outbox):
    """The keyed hash of the IP counts requests waiting for their code; a proven request has no
    use for it in the three years it is kept."""
    ask_with_code(client, outbox, email="ola@example.no", kind="question", details="Hei")
    assert PrivacyRequest.get().ip_key == ""


# --- Hostile values in every field of the staff steps and of asking from the account ----------

HOSTILE = st.one_of(
    st.text(max_size=120),
    st.sampled_from(["a\x00b", "x" * 10_000, "\u202eevil\u202c", "%", "_", "%_\\", "' OR 1=1 --",
                     "99999999999999999999999", "-1", "1e309", "", "  ", "<b>x</b>", "1", "2",
                     "access", "question", "\u2028", "\x7f"]))


@pytest.mark.parametrize("app_config", [{"PRIVACY_REQUEST_LIMIT": "100000 per hour"}])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(step=st.sampled_from(["start", "extend", "deny", "done", "release"]), version=HOSTILE,
       months=HOSTILE, text=HOSTILE, kind=HOSTILE, details=HOSTILE)
@example(step="extend", version="0", months="1", text="a\x00b", kind="question", details="a\x00b")
@example(step="deny", version="-1", months="", text="x" * 10_000, kind="\x00", details="x" * 10_000)
@example(step="start", version="99999999999999999999999", months="1", text="%_\\", kind="access",
         details="\u202eevil\u202c")
def test_staff_steps_and_asking_survive_any_input(app, client, login_as, step, version, months,
                                                   text, kind, details):
    login_as("staff")
    asked = actions.ask_as_candidate(make_person(), "question", "Hva har dere?", "nb")
    response = client.post(f"/staff/requests/{asked.id}/{step}", headers=HTMX, data={
        "version": version, "months": months, "reason": text, "message": text})
    assert response.status_code == 200
    assert "<b>x</b>" not in response.get_data(as_text=True)
    row = PrivacyRequest.get_by_id(asked.id)
    for value in (row.answer, row.extension_reason):
        assert "\x00" not in value and len(value) <= DETAILS_MAX
    # The same browser as a candidate who just gave the password, asking.
    user = login_as("candidate", person=make_person())
    user.login_session = LoginSession.select().where(LoginSession.user == user.id).get()
    mark_fresh(user)
    response = client.post("/account/requests", data={"kind": kind, "details": details})
    assert response.status_code in (303, 422, 429)
    for row in PrivacyRequest.select():
        assert row.kind in ("access", "correction", "erasure", "question")
        assert "\x00" not in row.details and len(row.details) <= actions.JOINED_MAX


def test_a_refused_recipient_leaves_no_address_in_the_failed_job(app, monkeypatch):
    """The mail server's refusal quotes the address; the error of a failed job stays a week in
    Redis and goes to the worker's log, so it names the outbox row, not the person."""
    import smtplib

    from flask_mailman import EmailMultiAlternatives

    from portal.mail.actions import send

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"kari@example.no": (
            550, b"5.1.1 <kari@example.no>: Recipient address rejected: Kari Nordmann unknown")})
    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    asked = actions.ask_publicly("question", "Kari Nordmann", "kari@example.no", "Hei", "nb",
                                 "127.0.0.1")
    [row] = Outbox.select().where(Outbox.to == asked.email)
    with pytest.raises(Exception) as failed:
        send(row.id)
    told = "".join(traceback.format_exception(failed.value))
    assert "kari" not in told.lower() and "Nordmann" not in told
    assert str(row.id) in str(failed.value) and "550" in str(failed.value)
    assert Outbox.get_by_id(row.id).sent_at is None  # the relay tries again


# --- Staff approving a copy by its address alone ----------------------------------------------

@pytest.mark.parametrize("lang,shown", [("nb", "Navnet vi har på adressen: Kari Nordmann"),
                                        ("en", "The name we hold for the address: Kari Nordmann")])
def test_staff_see_when_the_name_typed_is_not_the_name_held_for_the_address(
        app, client, login_as, outbox, lang, shown):
    """Releasing a copy proven by a code alone is the identity check: a name that does not match
    the one held for the address is the reasonable doubt that calls for asking more."""
    make_person(name="Kari Nordmann", email="kari@example.no", stage=catalog.CANDIDATE)
    ask_with_code(app.test_client(), outbox, email="kari@example.no", name="Ola Hansen")
    ask_with_code(app.test_client(), outbox, email="kari@example.no", kind="question",
                  name="Kari  nordmann", details="Hei")  # the same name, typed differently
    build_all()
    login_as("staff")
    with client.session_transaction() as session:
        session["lang"] = lang
    page = client.get("/staff/queue").get_data(as_text=True)
    assert page.count(shown) == 1


# --- An erasure while the copy is being made ---------------------------------------------------

def test_a_copy_finished_after_its_person_was_erased_is_deleted_at_once(app, monkeypatch):
    """The zip holds everything about the person: made while they were being erased, it must go
    with them, not wait for the nightly clean-up (and the job must not fail and retry)."""
    person = make_person(name="Kari Nordmann", email="kari@example.no")
    actions.ask_as_candidate(person, "access", "", "nb")
    [row] = AccessExport.select()
    written = []
    real = export.write_zip

    def write_then_erase(c):
        storage_id, size = real(c)
        written.append(storage_id)
        registry.erase_person(person, "asked to be erased", confirm=False)
        return storage_id, size
    monkeypatch.setattr(export, "write_zip", write_then_erase)
    assert export.build(row.id) is False
    with pytest.raises(storage.StorageError):
        b"".join(storage.stream(written[0]))


@pytest.mark.parametrize("state", ["queued", "expired"])
def test_a_person_whose_copy_is_not_built_or_has_expired_can_be_erased(app, state):
    """A copy has no file while it is being made, and none once its five days are over: its
    person's erasure (asked, or the retention sweep) must still go through, on PostgreSQL too,
    where a file-less row made the whole erasure fail."""
    person = make_person(email="kari@example.no")
    actions.ask_as_candidate(person, "access", "", "nb")
    if state == "expired":
        build_all()
        AccessExport.update(expires_at=utcnow() - timedelta(minutes=1)).execute()
        assert actions.expire_exports() == 1
    assert AccessExport.get().storage_id is None
    registry.erase_person(person, "asked to be erased", confirm=False)
    assert not AccessExport.select().exists() and not PrivacyRequest.select().exists()


def test_an_address_the_person_left_reaches_none_of_their_requests(client, outbox):
    """Kari asked with her old address, then changed it: whoever proves the old one later (a
    mailbox given to someone else) sees none of her requests and none of her copy."""
    person = make_person(email="kari.gammel@example.no")
    ask_with_code(client, outbox, kind="access", email="kari.gammel@example.no")
    asked = PrivacyRequest.get()
    assert asked.person_id == person.id
    export = AccessExport.get(AccessExport.request == asked.id)
    assert [r.id for r in actions.requests_of(email="kari.gammel@example.no")] == [asked.id]
    # As a proven change of address moves the person (auth.actions.confirm_email_change):
    Person.update(email="kari.ny@example.no").where(Person.id == person.id).execute()
    assert list(actions.requests_of(email="kari.gammel@example.no")) == []
    assert not actions.owns(export, proven_email="kari.gammel@example.no")
    assert [r.id for r in actions.requests_of(email="kari.ny@example.no")] == [asked.id]
    assert actions.owns(export, proven_email="kari.ny@example.no")
