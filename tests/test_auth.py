"""Login, logout, throttling and the users CLI."""
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from portal.auth.models import LoginSession, User
from tests.factories import PASSWORD, log_in, make_user


def login(client, email, password, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_staff_logs_in_and_lands_on_the_queue(client):
    user = make_user(role="staff")
    response = log_in(client, user)  # the password, then the code from the app
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/queue"
    assert "Arbeidskø" in client.get("/staff/queue").get_data(as_text=True)


def test_email_is_matched_without_regard_to_case_and_spaces(client):
    user = make_user(role="staff")
    assert login(client, "  " + user.email.upper(), PASSWORD).status_code == 302


def test_unknown_account_and_wrong_password_look_the_same(app, db):
    user = make_user(role="staff")
    wrong = login(app.test_client(), user.email, "wrong password here")
    unknown = login(app.test_client(), "nobody@example.no", "wrong password here")
    assert wrong.status_code == unknown.status_code == 200
    assert "E-postadressen eller passordet er feil." in wrong.get_data(as_text=True)
    def page(response, email):  # the typed e-mail and the random CSRF token differ, nothing else
        return re.sub(r'"X-CSRFToken": "[^"]+"|value="[^"]{60,}"', "TOKEN",
                      response.get_data(as_text=True).replace(email, "EMAIL"))
    assert page(wrong, user.email) == page(unknown, "nobody@example.no")
    cookie_names = [[c.split("=")[0] for c in r.headers.getlist("Set-Cookie")] for r in (wrong, unknown)]
    assert cookie_names[0] == cookie_names[1]


def test_inactive_user_cannot_log_in(client):
    user = make_user(role="staff", active=False)
    assert login(client, user.email, PASSWORD).status_code == 200
    assert LoginSession.select().count() == 0


def test_logout_ends_the_session_even_for_a_copied_cookie(client, app):
    user = make_user(role="staff")
    log_in(client, user)
    copied = client.get_cookie("portal_session").value
    assert client.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("portal_session", copied)
    response = thief.get("/staff/queue")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert LoginSession.select().where(LoginSession.user == user).count() == 0


def test_logout_is_post_only(client, login_as):
    login_as("staff")
    assert client.get("/logout").status_code == 405
    assert client.get("/staff/queue").status_code == 200


def test_session_changes_at_login(client):
    user = make_user(role="staff")
    client.get("/login")
    with client.session_transaction() as session:
        session["sid"] = "planted-by-attacker"
    login(client, user.email, PASSWORD)
    with client.session_transaction() as session:
        assert session["sid"] != "planted-by-attacker"


def test_idle_session_ends_after_30_minutes(client):
    user = make_user(role="staff")
    log_in(client, user)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=29), tick=False):
        assert client.get("/staff/queue").status_code == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=29 + 31), tick=False):
        assert client.get("/staff/queue").status_code == 302
    assert LoginSession.select().count() == 0


def test_busy_session_ends_after_12_hours(client):
    user = make_user(role="staff")
    log_in(client, user)
    start = datetime.now(UTC)
    for step in range(1, 36):  # a request every 20 minutes: never idle
        with time_machine.travel(start + timedelta(minutes=20 * step), tick=False):
            assert client.get("/staff/queue").status_code == 200, step
    with time_machine.travel(start + timedelta(hours=12, minutes=5), tick=False):
        assert client.get("/staff/queue").status_code == 302


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https:evil.example",
                                    "https://evil.example/", "/\t/evil.example"])
def test_next_stays_on_site(client, target):
    user = make_user(role="staff")
    response = log_in(client, user, next=target)
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location


def test_next_on_site_is_followed(client):
    user = make_user(role="staff")
    response = log_in(client, user, next="/staff/queue?x=1")
    assert response.headers["Location"] == "/staff/queue?x=1"


def test_account_is_throttled_after_repeated_failures(client):
    user = make_user(role="staff")
    for _ in range(5):
        assert login(client, user.email, "wrong password here").status_code == 200
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "For mange forsøk" in response.get_data(as_text=True)


def test_throttling_of_one_account_leaves_others_alone(client):
    victim, other = make_user(role="staff"), make_user(role="staff")
    for _ in range(5):
        login(client, victim.email, "wrong password here")
    assert login(client, other.email, PASSWORD).status_code == 302


def test_cli_creates_a_user_who_can_log_in(runner, client):
    result = runner.invoke(args=["users", "create", "--email", "Ny@Ressursbasen.no",
                                 "--password", "lang nok passfrase", "--role", "staff"])
    assert result.exit_code == 0, result.output
    assert User.get(User.email == "ny@ressursbasen.no").role == "staff"
    assert login(client, "ny@ressursbasen.no", "lang nok passfrase").status_code == 302


@pytest.mark.parametrize("password", ["passord123", "kort", "aaaaaaaaaaaaaaa"])
def test_cli_refuses_weak_passwords(runner, password):
    result = runner.invoke(args=["users", "create", "--email", "x@example.no",
                                 "--password", password, "--role", "staff"])
    assert result.exit_code != 0
    assert User.select().count() == 0


def test_cli_accepts_long_passphrases_with_spaces_and_non_ascii(runner):
    for n, password in enumerate(["blåbær på fjellet", "æ" * 64 + " øl og brød"]):
        result = runner.invoke(args=["users", "create", "--email", f"p{n}@example.no",
                                     "--password", password, "--role", "candidate"])
        assert result.exit_code == 0, result.output


def test_cli_refuses_duplicate_and_unknown_role(runner):
    make_user(role="staff", email="dup@example.no")
    result = runner.invoke(args=["users", "create", "--email", "dup@example.no",
                                 "--password", "lang nok passfrase", "--role", "staff"])
    assert result.exit_code != 0
    result = runner.invoke(args=["users", "create", "--email", "z@example.no",
                                 "--password", "lang nok passfrase", "--role", "king"])
    assert result.exit_code != 0
    assert User.select().where(User.email == "z@example.no").count() == 0


def test_passwords_are_stored_as_argon2id(runner):
    runner.invoke(args=["users", "create", "--email", "h@example.no",
                        "--password", "lang nok passfrase", "--role", "staff"])
    assert User.get(User.email == "h@example.no").password_hash.startswith("$argon2id$")
