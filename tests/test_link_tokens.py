"""Tokens of e-mailed links leave the URL on the first visit (kept in the session under their
purpose and a handle, answered with a 303 to a URL without them) and never reach the request log;
the invitation link carries no readable id and no hash anyone could compute from the address."""
import base64
import hashlib
import logging
import re
import urllib.request
import zlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer

from portal.auth.models import User
from portal.booking.models import Booking
from portal.candidates.actions import invite_path
from portal.db import utcnow
from tests.booking.conftest import book_with_code, booking_form, confirmations, consultant, free_slot  # noqa: F401 (fixtures)
from tests.candidates.test_accounts import NEW_PASSWORD, link_in
from tests.factories import make_person, make_user


def leave(client, path):
    """Open an e-mailed link: a 303 to a URL without the token; returns that URL."""
    response = client.get(path)
    assert response.status_code == 303, (path, response.status_code)
    location = response.headers["Location"]
    token = path.split("?")[0].rsplit("/", 1)[1]
    assert token not in location and len(token) > 20
    return location


def reset_link(client, outbox, email):
    client.post("/password/forgot", data={"email": email})
    return link_in(outbox.to(email)[-1], "/password/reset/")


def booking_links(client, outbox, slot, email="ase@example.no"):
    assert book_with_code(client, outbox, booking_form(slot.id, email=email)).status_code in (302, 303)
    body = outbox.to(email)[-1].body
    return [re.search(rf"http://portal.test(/book/{action}/\S+)", body).group(1)
            for action in ("cancel", "move")]


# --- 6. The token leaves the URL ---------------------------------------------------------------

def test_reset_link_leaves_the_url_and_still_works(client, outbox):
    user = make_user(email="reset@example.no")
    location = leave(client, reset_link(client, outbox, user.email))
    page = client.get(location)
    assert page.status_code == 200 and "Velg et nytt passord" in page.get_data(as_text=True)
    assert client.post(location, data={"password": NEW_PASSWORD}).headers["Location"] == "/login"
    assert client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_verification_link_leaves_the_url_and_still_works(client, outbox):
    client.post("/register", data={"name": "Ola Nordmann", "email": "ola@example.no"})
    location = leave(client, link_in(outbox.to("ola@example.no")[0], "/register/verify/"))
    assert "Opprett kontoen din" in client.get(location).get_data(as_text=True)
    assert client.post(location, data={"password": NEW_PASSWORD}).headers["Location"] == "/account"
    assert User.get().email == "ola@example.no"


def test_email_change_link_leaves_the_url_and_still_works(client, outbox, login_as):
    user = login_as("candidate", email="old@example.no")
    client.post("/account/email", data={"email": "new@example.no"})
    location = leave(client, link_in(outbox.to("new@example.no")[0], "/account/email/confirm/"))
    assert "new@example.no" in client.get(location).get_data(as_text=True)
    assert client.post(location).status_code == 302
    assert User.get_by_id(user.id).email == "new@example.no"


def test_invitation_link_leaves_the_url_and_still_works(client):
    person = make_person(email="kari@example.no")
    location = leave(client, invite_path(person))
    assert "kari@example.no" in client.get(location).get_data(as_text=True)
    assert client.post(location, data={"password": NEW_PASSWORD}).headers["Location"] == "/account"
    assert User.get().person_id == person.id


def test_cancel_and_move_links_leave_the_url_and_still_work(client, consultant, free_slot, outbox):
    cancel, move = booking_links(client, outbox, free_slot(0))
    move_page = leave(client, move + "?week=1")
    assert "week=1" in move_page
    text = client.get(move_page).get_data(as_text=True)
    assert "Flytt timen din" in text and move.rsplit("/", 1)[1] not in text
    cancel_page = leave(client, cancel)
    assert "Vil du avbestille timen?" in client.get(cancel_page).get_data(as_text=True)
    response = client.post(cancel_page)
    assert response.status_code == 200 and Booking.get().status == "cancelled"


def test_two_links_of_one_kind_opened_in_two_tabs_both_work(client, consultant, free_slot, outbox):
    first = booking_links(client, outbox, free_slot(0), email="one@example.no")[0]
    second = booking_links(client, outbox, free_slot(1), email="two@example.no")[0]
    tab1, tab2 = leave(client, first), leave(client, second)
    assert tab1 != tab2
    assert client.post(tab2).status_code == 200
    assert client.post(tab1).status_code == 200
    assert [b.status for b in Booking.select().order_by(Booking.id)] == ["cancelled", "cancelled"]


def test_a_link_page_in_another_browser_without_the_token_gets_the_expired_page(app, client, outbox):
    make_user(email="reset@example.no")
    location = leave(client, reset_link(client, outbox, "reset@example.no"))
    other = app.test_client()
    response = other.post(location, data={"password": NEW_PASSWORD})
    assert response.status_code == 404 and "Lenken virker ikke" in response.get_data(as_text=True)


def test_a_bad_token_gets_its_error_at_once_and_is_not_kept(client):
    response = client.get("/password/reset/" + "x" * 43)
    assert response.status_code == 404
    with client.session_transaction() as session:
        assert "x" * 43 not in str(dict(session))


def test_request_log_shows_no_token(live_server, caplog):
    from portal.auth.actions import RESET, issue_token
    user = make_user(email="logged@example.no")
    token = issue_token(RESET, user.email, timedelta(minutes=60), user=user)
    path = "/password/reset/" + token
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = browser.open(live_server.url + path).read().decode()
    assert "Velg et nytt passord" in page  # the redirect kept the token in the session
    assert "/password/reset/" in caplog.text
    assert token not in caplog.text


@pytest.mark.parametrize("path", ["/register/verify/", "/register/invite/", "/password/reset/",
                                  "/account/email/confirm/", "/book/cancel/", "/book/move/"])
def test_the_log_filter_redacts_every_kind_of_token(app, caplog, path):
    token = "Abc-123_" * 6
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('%s - - [%s] "%s" %s -', "127.0.0.1", "now",
                                           f"GET {path}{token}?week=1 HTTP/1.1", 303)
        app.logger.error("unhandled error on %s %s", "GET", path + token)
    assert token not in caplog.text and caplog.text.count(path) == 2


# --- 7. The invitation link ---------------------------------------------------------------------

def _readable(token):
    """Everything a reader of the link can decode from it."""
    found = b""
    for part in re.split(r"[.~]", token):
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except ValueError:
            continue
        found += raw
        try:
            found += zlib.decompress(raw)
        except zlib.error:
            pass
    return found


def _legacy_invite_path(app, person):
    """The invitation link as sent before: a readable person id and an unsalted SHA-256."""
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="candidate-invite")
    digest = hashlib.sha256(person.email.encode()).hexdigest()[:32]
    return "/register/invite/" + serializer.dumps({"p": person.id, "e": digest})


def test_invitation_link_reveals_no_id_and_no_computable_hash(app, db):
    person = make_person(email="kari@example.no")
    token = invite_path(person).rsplit("/", 1)[1]
    readable = _readable(token)
    assert hashlib.sha256(b"kari@example.no").hexdigest()[:16].encode() not in readable
    assert f'"p":{person.id}'.encode() not in readable.replace(b" ", b"")
    assert b"kari" not in readable


def test_invitation_link_expires_after_30_days_and_follows_the_address(app, client):
    person = make_person(email="kari@example.no")
    path = invite_path(person)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=31)):
        assert client.get(path).status_code == 404
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 404
    person.email = "other@example.no"
    person.save()
    assert client.get(path).status_code == 404


def test_invitation_links_sent_in_the_old_form_work_until_they_expire(app, client):
    person = make_person(email="kari@example.no")
    with time_machine.travel(utcnow().replace(tzinfo=UTC) - timedelta(days=29)):
        old = _legacy_invite_path(app, person)
    location = leave(client, old)
    assert "kari@example.no" in client.get(location).get_data(as_text=True)
    with time_machine.travel(utcnow().replace(tzinfo=UTC) - timedelta(days=31)):
        expired = _legacy_invite_path(app, person)
    response = client.get(expired)
    assert response.status_code == 404 and "Lenken virker ikke" in response.get_data(as_text=True)
