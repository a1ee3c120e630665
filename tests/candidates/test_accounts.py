"""Accounts: invitation, registration with verification, reset, re-authentication, e-mail change."""
import re
from datetime import timedelta

from portal.auth.models import AccountToken, LoginSession, User
from portal.candidates.actions import invite_path
from portal.db import utcnow
from portal.people.models import Person
from tests.factories import PASSWORD, make_person, make_user

NEW_PASSWORD = "blåbær og tyttebær i skogen"


def link_in(message, path):
    found = re.search(r"http://portal\.test(" + re.escape(path) + r"[^\s]+)", message.body)
    assert found, message.body
    return found.group(1)


def test_invitation_creates_the_account_on_the_booked_person(client):
    person = make_person(email="kari@example.no")
    path = invite_path(person)
    page = client.get(path, follow_redirects=True)
    assert page.status_code == 200 and "kari@example.no" in page.get_data(as_text=True)
    response = client.post(path, data={"password": NEW_PASSWORD, "role": "admin",
                                       "person_id": "1"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    user = User.get(User.email == "kari@example.no")
    assert (user.person_id, user.role) == (person.id, "candidate")
    assert "Dette har vi om deg" in client.get("/account").get_data(as_text=True)
    assert Person.select().count() == 1
    again = client.get(path)
    assert again.status_code == 302 and "/login" in again.headers["Location"]


def test_forged_invitation_is_refused(client):
    response = client.get("/register/invite/not-a-real-token")
    assert response.status_code == 404 and "Lenken virker ikke" in response.get_data(as_text=True)


def test_registration_verifies_the_address_then_creates_person_and_account(client, outbox):
    response = client.post("/register", data={"name": "Ola Nordmann", "email": "Ola@Example.no"})
    assert response.status_code == 200 and "Sjekk e-posten din" in response.get_data(as_text=True)
    assert Person.select().count() == 0 and User.select().count() == 0
    [mail] = outbox.to("ola@example.no")
    path = link_in(mail, "/register/verify/")
    token = path.rsplit("/", 1)[1]
    assert AccountToken.get().token_hash != token and token not in AccountToken.get().token_hash
    weak = client.post(path, data={"password": "short"})
    assert weak.status_code == 400 and "Bruk minst 10 tegn" in weak.get_data(as_text=True)
    assert client.post(path, data={"password": NEW_PASSWORD}).headers["Location"] == "/account"
    person = Person.get()
    assert (person.name, person.email, person.stage) == ("Ola Nordmann", "ola@example.no", "booking")
    assert User.get().person_id == person.id
    assert client.post(path, data={"password": NEW_PASSWORD}).status_code == 404  # single use


def test_registration_joins_a_person_who_booked_before(client, outbox):
    person = make_person(email="booked@example.no")
    client.post("/register", data={"name": "Someone", "email": "booked@example.no"})
    path = link_in(outbox.to("booked@example.no")[0], "/register/verify/")
    client.post(path, data={"password": NEW_PASSWORD})
    assert User.get().person_id == person.id and Person.select().count() == 1


def test_registration_answers_the_same_for_a_known_address(client, outbox):
    make_user(email="known@example.no")
    known = client.post("/register", data={"name": "X", "email": "known@example.no"})
    unknown = client.post("/register", data={"name": "X", "email": "new@example.no"})
    assert known.status_code == unknown.status_code == 200
    # The CSRF token carries the second it was signed in: two requests may straddle a second.
    strip = lambda r: re.sub(r'(?<="X-CSRFToken": ")[^"]+|(?<=name="csrf_token" value=")[^"]+', "",  # noqa: E731
                             r.get_data(as_text=True).replace("known@", "").replace("new@", ""))
    assert strip(known) == strip(unknown)
    assert "allerede en konto" in outbox.to("known@example.no")[0].body
    assert AccountToken.select().where(AccountToken.email == "known@example.no").count() == 0


def test_password_reset_is_single_use_ends_sessions_and_does_not_log_in(client, outbox, login_as):
    user = login_as("candidate", email="reset@example.no")
    other_browser = LoginSession.select().where(LoginSession.user == user).count()
    assert other_browser == 1
    unknown = client.post("/password/forgot", data={"email": "nobody@example.no"})
    known = client.post("/password/forgot", data={"email": "reset@example.no"})
    assert known.status_code == unknown.status_code == 200
    assert "ingen konto" in outbox.to("nobody@example.no")[0].body
    path = link_in(outbox.to("reset@example.no")[0], "/password/reset/")
    response = client.post(path, data={"password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert LoginSession.select().where(LoginSession.user == user).count() == 0
    assert client.get("/account").status_code == 302  # logged out, not logged in
    assert client.post(path, data={"password": "another long passphrase"}).status_code == 404
    login = client.post("/login", data={"email": "reset@example.no", "password": NEW_PASSWORD})
    assert login.headers["Location"] == "/account"


def test_expired_reset_link_is_refused(client, outbox):
    make_user(email="late@example.no")
    client.post("/password/forgot", data={"email": "late@example.no"})
    path = link_in(outbox.to("late@example.no")[0], "/password/reset/")
    AccountToken.update(expires_at=utcnow() - timedelta(seconds=1)).execute()
    assert client.post(path, data={"password": NEW_PASSWORD}).status_code == 404


def test_email_change_needs_reauthentication_and_confirmation(client, outbox, login_as):
    user = login_as("candidate", email="old@example.no")
    LoginSession.update(fresh_at=utcnow() - timedelta(hours=1)).execute()
    response = client.get("/account/email")
    assert response.status_code == 302 and "/reauth?next=/account/email" in response.headers["Location"]
    wrong = client.post("/reauth", data={"password": "wrong password here", "next": "/account/email"})
    assert wrong.status_code == 400 and "Passordet er feil" in wrong.get_data(as_text=True)
    right = client.post("/reauth", data={"password": PASSWORD, "next": "/account/email"})
    assert right.headers["Location"] == "/account/email"
    client.post("/account/email", data={"email": "new@example.no"})
    assert User.get_by_id(user.id).email == "old@example.no"  # not before confirmation
    path = link_in(outbox.to("new@example.no")[0], "/account/email/confirm/")
    assert client.post(path).status_code == 302
    assert User.get_by_id(user.id).email == "new@example.no"
    assert Person.get_by_id(user.person_id).email == "new@example.no"
    [notice] = outbox.to("old@example.no")
    assert "new@example.no" in notice.body and "endret" in notice.subject


def test_password_change_needs_the_current_password_and_ends_other_sessions(client, login_as):
    from portal.auth.actions import start_session
    user = login_as("candidate")
    start_session(user)  # another browser
    wrong = client.post("/account/password", data={"current": "not my password",
                                                  "password": NEW_PASSWORD})
    assert wrong.status_code == 400 and "Passordet er feil" in wrong.get_data(as_text=True)
    assert LoginSession.select().where(LoginSession.user == user).count() == 2  # nothing changed
    response = client.post("/account/password", data={"current": PASSWORD,
                                                     "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert LoginSession.select().where(LoginSession.user == user).count() == 1  # this one only
    assert client.get("/account").status_code == 200


def test_changing_the_password_voids_reset_and_email_change_links(client, outbox, login_as):
    """Someone who once knew the password cannot come back through a link asked for earlier."""
    user = login_as("candidate", email="owner@example.no")
    client.post("/password/forgot", data={"email": "owner@example.no"})
    reset_path = link_in(outbox.to("owner@example.no")[0], "/password/reset/")
    client.post("/account/email", data={"email": "attacker@example.no"})
    change_path = link_in(outbox.to("attacker@example.no")[0], "/account/email/confirm/")
    assert client.post("/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD}
                       ).status_code == 302
    assert client.post(reset_path, data={"password": "the attacker's passphrase"}).status_code == 404
    assert client.post(change_path).status_code in (400, 404, 410)
    assert User.get_by_id(user.id).email == "owner@example.no"
    login = client.post("/login", data={"email": "owner@example.no", "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_confirmed_email_change_voids_links_sent_to_the_old_address(client, outbox, login_as):
    user = login_as("candidate", email="before@example.no")
    client.post("/password/forgot", data={"email": "before@example.no"})
    reset_path = link_in(outbox.to("before@example.no")[0], "/password/reset/")
    client.post("/account/email", data={"email": "after@example.no"})
    client.post(link_in(outbox.to("after@example.no")[0], "/account/email/confirm/"))
    assert User.get_by_id(user.id).email == "after@example.no"
    assert client.post(reset_path, data={"password": "someone else's passphrase"}).status_code == 404
