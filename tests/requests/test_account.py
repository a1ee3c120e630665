"""Asking from the account: re-authentication first (password or code), a copy released as soon
as it is built, downloads only for its owner, for five days, once a day."""
import io
import re
import zipfile
from datetime import UTC, datetime, timedelta

import time_machine

from jobs.requests import expire_exports
from portal import catalog, storage
from portal.audit.models import AuditEvent
from portal.auth.models import LoginSession
from portal.requests import actions
from portal.requests.models import AccessExport, PrivacyRequest
from tests.factories import make_person, make_user
from tests.requests.conftest import build_all, code_from, others

LINK = re.compile(r'href="(/privacy/exports/[^"]+)"')


def _stale(user):
    """The session's password was given long ago."""
    LoginSession.update(fresh_at=datetime(2000, 1, 1)).where(LoginSession.user == user.id).execute()


def _later():
    """A moment after now: the session cookie is signed with a time, and refused from the future."""
    return datetime.now(UTC) + timedelta(hours=1)


def _keep_logged_in(user):
    """The browser's session is fresh at the (travelled) time: logged in and password given now."""
    from portal.db import utcnow
    now = utcnow()
    LoginSession.update(created_at=now, last_seen_at=now, fresh_at=now).where(
        LoginSession.user == user.id).execute()


def _english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


def _copy(client):
    """Ask for a copy, let the worker build it; (request, page of the request)."""
    response = client.post("/account/requests", data={"kind": "access", "details": ""})
    assert response.status_code == 303, response.get_data(as_text=True)
    build_all()
    return PrivacyRequest.get(), client.get(response.headers["Location"]).get_data(as_text=True)


def test_asking_needs_a_password_or_a_code_first(client, login_as, outbox):
    user = login_as("candidate", person=make_person(stage=catalog.CANDIDATE))
    _stale(user)
    page = client.get("/account/requests").get_data(as_text=True)
    assert "Bekreft med passordet ditt" in page and "/reauth?next=/account/requests" in page
    assert 'name="kind"' not in page
    response = client.post("/account/requests", data={"kind": "access"})
    assert response.status_code == 403 and "Ingenting ble sendt." in response.get_data(as_text=True)
    assert PrivacyRequest.select().count() == 0
    # The code way: a code to the account's address.
    assert client.post("/account/requests/code/send").status_code == 303
    code = code_from(outbox, user.email)
    wrong = client.post("/account/requests/code", data={"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert wrong.status_code == 422 and "Det er ikke koden vi sendte" in wrong.get_data(as_text=True)
    response = client.post("/account/requests/code", data={"code": code})
    assert response.status_code == 302 and response.headers["Location"] == "/account/requests"
    assert 'name="kind"' in client.get("/account/requests").get_data(as_text=True)
    # The code is used up: given again, it changes nothing.
    client.post("/account/requests/code/send")
    again = client.post("/account/requests/code", data={"code": code})
    assert again.status_code == 422


def test_a_copy_is_ready_at_once_and_downloads_as_a_zip(client, fresh_candidate, outbox):
    asked, page = _copy(client)
    assert asked.status == "done" and asked.verified_how == "account"
    link = LINK.search(page).group(1)
    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert set(zipfile.ZipFile(io.BytesIO(response.data)).namelist()) >= {"data.json", "summary.html"}
    assert AccessExport.get().downloaded_at is not None
    assert AuditEvent.select().where(AuditEvent.action == "privacy_request.export_downloaded").count() == 1
    subjects = [m.subject for m in others(outbox, fresh_candidate.person.email)]
    assert subjects == ["Vi har mottatt henvendelsen din", "Vi arbeider med henvendelsen din",
                        "Kopien av opplysningene dine er klar"]


def test_the_progress_fragment_polls_until_the_copy_is_ready(client, fresh_candidate):
    response = client.post("/account/requests", data={"kind": "access"})
    asked = PrivacyRequest.get()
    htmx = {"HX-Request": "true"}
    waiting = client.get(f"/account/requests/{asked.id}/progress", headers=htmx)
    assert waiting.status_code == 200
    assert 'hx-trigger="every 2s"' in waiting.get_data(as_text=True)
    build_all()
    ready = client.get(f"/account/requests/{asked.id}/progress", headers=htmx)
    assert ready.status_code == 286  # htmx stops polling
    body = ready.get_data(as_text=True)
    assert "hx-trigger" not in body and LINK.search(body)
    assert response.headers["Location"] == f"/account/requests/{asked.id}"


def test_a_download_needs_the_password_again_after_a_while(client, fresh_candidate):
    _, page = _copy(client)
    _stale(fresh_candidate)
    response = client.get(LINK.search(page).group(1))
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert "Bekreft at det er deg" in response.get_data(as_text=True)
    assert AccessExport.get().downloaded_at is None


def test_another_account_gets_neither_the_request_nor_the_copy(app, client, fresh_candidate, login_as):
    asked, page = _copy(client)
    link = LINK.search(page).group(1)
    login_as("candidate", person=make_person())
    assert client.get(f"/account/requests/{asked.id}").status_code == 404
    assert client.get(f"/account/requests/{asked.id}/progress").status_code == 404
    response = client.get(link)
    assert response.status_code == 403
    assert "tilhører noen andre" in response.get_data(as_text=True)
    _english(client)
    assert "belongs to someone else" in client.get(link).get_data(as_text=True)
    login_as("staff")
    assert client.get(link).status_code == 403
    anonymous = app.test_client()  # without a login or a code: asked to confirm, nothing sent
    page = anonymous.get(link).get_data(as_text=True)
    assert "Bekreft at det er deg" in page
    assert AccessExport.get().downloaded_at is None


def test_a_tampered_link_is_refused(client, fresh_candidate):
    _, page = _copy(client)
    link = LINK.search(page).group(1)
    token = link.rsplit("/", 1)[1]
    payload, signature = token.split(".")
    for bad in (payload + "." + signature[:-2] + "xx", payload[:-1] + "A." + signature, "garbage",
                actions._signer().dumps({"x": AccessExport.get().id, "f": "0" * 16})):
        response = client.get(f"/privacy/exports/{bad}")
        assert response.status_code == 404, bad
        assert "Denne nedlastingslenken er ikke gyldig." in response.get_data(as_text=True)
    _english(client)
    assert "This download link is not valid." in client.get("/privacy/exports/garbage").get_data(
        as_text=True)


def test_the_link_lasts_five_days_then_the_copy_is_deleted(client, fresh_candidate):
    at = _later()
    with time_machine.travel(at, tick=False):
        _keep_logged_in(fresh_candidate)
        _, page = _copy(client)
    link = LINK.search(page).group(1)
    export = AccessExport.get()
    with time_machine.travel(at + timedelta(days=5) - timedelta(minutes=1), tick=False):
        _keep_logged_in(fresh_candidate)
        assert client.get(link).status_code == 200
        assert expire_exports() == 0
    with time_machine.travel(at + timedelta(days=5, minutes=1), tick=False):
        _keep_logged_in(fresh_candidate)
        response = client.get(link)
        assert response.status_code == 410 and "fem dager" in response.get_data(as_text=True)
        assert expire_exports() == 1
    try:
        storage.get(export.storage_id)
        raise AssertionError("the copy is still stored")
    except storage.StorageError:
        pass
    assert AccessExport.get().status == "expired"
    assert client.get(link).status_code == 410


def test_one_copy_per_person_per_day(client, fresh_candidate):
    at = _later()
    with time_machine.travel(at, tick=False):
        _keep_logged_in(fresh_candidate)
        _copy(client)
        response = client.post("/account/requests", data={"kind": "access"})
        assert response.status_code == 429
        assert "i dag" in response.get_data(as_text=True)
        _english(client)
        assert "today already" in client.post("/account/requests", data={"kind": "access"}).get_data(
            as_text=True)
    assert AccessExport.select().count() == 1
    with time_machine.travel(at + timedelta(days=1), tick=False):
        _keep_logged_in(fresh_candidate)
        assert client.post("/account/requests", data={"kind": "access"}).status_code == 303
    assert AccessExport.select().count() == 2


def test_a_copy_asked_by_code_waits_for_staff_and_downloads_with_a_fresh_code(app, client, outbox):
    person = make_person(email="kari@example.no", stage=catalog.CANDIDATE)
    from tests.requests.conftest import ask_with_code
    ask_with_code(client, outbox, kind="access", email="kari@example.no")
    build_all()
    asked, export = PrivacyRequest.get(), AccessExport.get()
    assert (asked.person_id, export.status, export.released_at) == (person.id, "ready", None)
    assert "sjekker en av oss henvendelsen" in client.get("/privacy/requests").get_data(as_text=True)
    staff = make_user("staff")
    actions.release(asked, staff, asked.version)
    [mail] = [m for m in others(outbox, "kari@example.no") if "klar" in m.subject]
    link = re.search(r"http://portal\.test(/privacy/exports/\S+)", mail.body).group(1)
    stranger = app.test_client()
    assert "Bekreft at det er deg" in stranger.get(link).get_data(as_text=True)
    stranger.post("/privacy/requests", data={"email": "kari@example.no", "next": link})
    response = stranger.post("/privacy/requests/code",
                             data={"code": code_from(outbox, "kari@example.no")})
    assert response.headers["Location"] == link
    assert stranger.get(link).status_code == 200
    # Someone who proved another address gets nothing.
    other = app.test_client()
    other.post("/privacy/requests", data={"email": "mallory@example.no", "next": link})
    other.post("/privacy/requests/code", data={"code": code_from(outbox, "mallory@example.no")})
    assert other.get(link).status_code == 403


def test_asking_from_the_account_for_someone_elses_request_id_changes_nothing(client, fresh_candidate,
                                                                             login_as):
    theirs = actions.ask_as_candidate(make_person(), "question", "Deres", "nb")
    assert client.get(f"/account/requests/{theirs.id}").status_code == 404
    # An extra person_id field in the form is ignored: the request is the logged-in person's.
    client.post("/account/requests", data={"kind": "question", "details": "Mitt",
                                           "person_id": theirs.person_id})
    mine = PrivacyRequest.get(PrivacyRequest.details == "Mitt")
    assert mine.person_id == fresh_candidate.person_id
    assert PrivacyRequest.get_by_id(theirs.id).details == "Deres"
