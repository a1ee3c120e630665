"""Staff and administrators log in with a password and a code from an authenticator app (TOTP),
set up at their first login; each code works once; ten recovery codes, each once."""
import re
import threading
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine

from portal.audit.models import AuditEvent
from portal.auth import second_factor
from portal.auth.models import LoginSession, RecoveryCode, SecondFactor
from portal.features import all_models
from tests.factories import PASSWORD, app_code, enrol, log_in, make_user, next_code

WRONG_NB = "Koden er feil."
USED_NB = "Denne koden er allerede brukt: hver kode virker én gang."
USED_EN = "This code has been used already: each code works once."


def _rows():
    return {m.__name__: m.select().count() for m in all_models()}


def password(client, user, **extra):
    return client.post("/login", data={"email": user.email, "password": PASSWORD, **extra})


def code(client, value, lang=None):
    headers = {"Accept-Language": lang} if lang else {}
    return client.post("/login/code", data={"code": value}, headers=headers)


def _enrol_page_secret(body):
    return "".join(re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', body).group(1).split())


def test_the_password_alone_opens_nothing_for_staff(client):
    user = make_user(role="staff")
    enrol(user)
    response = password(client, user, next="/staff/consultants")
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert client.get("/staff/queue").headers["Location"] == "/login/code"
    assert client.get("/account/password").headers["Location"] == "/login/code"
    assert "Totrinnsbekreftelse" in client.get("/login/code").get_data(as_text=True)
    assert not AuditEvent.select().where(AuditEvent.action == "account.login").exists()
    response = code(client, next_code(user))
    assert response.headers["Location"] == "/staff/consultants"  # where the login was going
    assert client.get("/staff/queue").status_code == 200
    assert AuditEvent.select().where(AuditEvent.action == "account.login").count() == 1


def test_candidates_log_in_with_the_password_alone(client):
    user = make_user(role="candidate")
    response = password(client, user)
    assert response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200


def test_first_login_sets_up_the_app_with_a_qr_code_and_the_key_as_text(client):
    user = make_user(role="admin")
    assert password(client, user).headers["Location"] == "/login/code"
    response = client.get("/login/code")
    assert response.headers["Location"] == "/login/code/new"
    page = client.get("/login/code/new").get_data(as_text=True)
    assert "Sett opp totrinnsbekreftelse" in page
    assert re.search(r'<svg role="img"[^>]*class="qr-code"><title>QR-kode', page)
    secret = _enrol_page_secret(page)
    assert len(secret) == 32
    # The same key until a code confirms it: a reload does not break what was scanned.
    assert _enrol_page_secret(client.get("/login/code/new").get_data(as_text=True)) == secret
    # Stored encrypted, never as the key itself.
    stored = SecondFactor.get(SecondFactor.user == user.id)
    assert secret not in stored.secret and stored.confirmed_at is None
    response = client.post("/login/code/new", data={"code": app_code(secret)})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    codes = re.findall(r"<li><code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code></li>", body)
    assert len(set(codes)) == 10
    assert "de vises bare denne ene gangen" in body
    assert client.get("/staff/queue").status_code == 200  # logged in
    assert second_factor.is_enrolled(user)
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert "account.second_factor_enrolled" in actions and actions[-1] == "account.login"
    # Recovery codes are kept as argon2id hashes only.
    hashes = [r.code_hash for r in RecoveryCode.select().where(RecoveryCode.user == user.id)]
    assert len(hashes) == 10 and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(c.replace("-", "") in h for c in codes for h in hashes)


def test_a_wrong_code_while_setting_up_is_refused_and_changes_nothing(client):
    user = make_user(role="staff")
    password(client, user)
    client.get("/login/code/new")
    before = _rows()
    response = client.post("/login/code/new", data={"code": "000000"})
    assert response.status_code == 400
    assert "Koden er feil. Sjekk at klokken på telefonen går riktig" in response.get_data(as_text=True)
    assert _rows() == before
    assert not second_factor.is_enrolled(user)
    assert client.get("/staff/queue").headers["Location"] == "/login/code"


@pytest.mark.parametrize("lang, message", [
    ("nb", "Koden er feil. Skriv inn de seks sifrene appen viser nå, eller en av "
           "gjenopprettingskodene dine."),
    ("en", "The code is wrong. Type the six digits your app shows now, or one of your "
           "recovery codes.")])
def test_a_wrong_code_is_refused_with_a_message_and_changes_nothing(client, lang, message):
    user = make_user(role="staff")
    secret = enrol(user)
    password(client, user)
    before = _rows()
    totp = pyotp.TOTP(secret)
    wrong = next(c for c in ("123456", "654321", "111111")
                 if c not in {totp.generate_otp(totp.timecode(datetime.now(UTC)) + d)
                              for d in (-1, 0, 1)})
    for value in (wrong, "12345", "abc", "1234-5678-9abc", "١٢٣٤٥٦"):
        response = code(client, value, lang)
        assert response.status_code == 400, value
        assert message in response.get_data(as_text=True), value
    assert _rows() == before
    assert SecondFactor.get(SecondFactor.user == user.id).last_step is None
    assert client.get("/staff/queue").headers["Location"] == "/login/code"


@pytest.mark.parametrize("lang, message", [("nb", USED_NB), ("en", USED_EN)])
def test_a_code_works_once(app, client, lang, message):
    user = make_user(role="staff")
    enrol(user)
    given = next_code(user)
    password(client, user)
    assert code(client, given).status_code == 302
    other = app.test_client()  # someone who saw the code, or the same person again
    password(other, user)
    before = _rows()
    response = code(other, given, lang)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _rows() == before
    assert other.get("/staff/queue").headers["Location"] == "/login/code"


def test_the_same_code_sent_twice_at_once_logs_in_once(app, db):
    user = make_user(role="staff")
    enrol(user)
    given = next_code(user)
    browsers = [app.test_client() for _ in range(2)]
    for browser in browsers:
        password(browser, user)
    barrier = threading.Barrier(2)
    statuses = []

    def send(browser):
        barrier.wait()
        statuses.append(code(browser, given).status_code)

    threads = [threading.Thread(target=send, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302, 400]
    assert sum(b.get("/staff/queue").status_code == 200 for b in browsers) == 1


def test_a_recovery_code_logs_in_once(app, client):
    user = make_user(role="staff")
    password(client, user)
    secret = _enrol_page_secret(client.get("/login/code/new").get_data(as_text=True))
    body = client.post("/login/code/new", data={"code": app_code(secret)}).get_data(as_text=True)
    codes = re.findall(r"<code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code>", body)
    browser = app.test_client()
    password(browser, user)
    response = code(browser, codes[3].upper().replace("-", " "))  # as a person may type it
    assert response.status_code == 302
    flashed = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du logget inn med en gjenopprettingskode" in flashed and "9 gjenopprettingskoder" in flashed
    again = app.test_client()
    password(again, user)
    response = code(again, codes[3])
    assert response.status_code == 400 and WRONG_NB in response.get_data(as_text=True)
    assert second_factor.recovery_codes_left(user) == 9


def test_codes_are_counted_before_they_are_checked(client):
    user = make_user(role="staff")
    enrol(user)
    password(client, user)
    for _ in range(5):
        assert code(client, "000000").status_code in (400, 302)
    response = code(client, next_code(user))
    assert response.status_code == 429
    assert "Det er gitt feil kode for mange ganger for denne kontoen." in response.get_data(as_text=True)
    assert client.get("/staff/queue").headers["Location"] == "/login/code"


def test_the_time_to_give_the_code_runs_out(client):
    user = make_user(role="staff")
    enrol(user)
    password(client, user)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=16), tick=False):
        response = code(client, next_code(user))
        assert response.headers["Location"] == "/login"
        body = client.get("/login").get_data(as_text=True)
    assert "Tiden for å gi koden gikk ut" in body
    assert LoginSession.select().count() == 0


def test_the_session_id_changes_when_the_code_is_given(app, client):
    user = make_user(role="staff")
    enrol(user)
    password(client, user)
    with client.session_transaction() as session:
        half_open = session["sid"]
    copied = client.get_cookie("portal_session").value
    code(client, next_code(user))
    with client.session_transaction() as session:
        assert session["sid"] != half_open
    thief = app.test_client()  # a cookie copied between the password and the code
    thief.set_cookie("portal_session", copied)
    assert thief.get("/staff/queue").status_code == 302
    assert LoginSession.select().where(LoginSession.user == user.id).count() == 1


def test_a_key_encrypted_under_another_secret_key_is_set_up_again(app, client):
    user = make_user(role="staff")
    enrol(user)
    app.config["SECRET_KEY"] = "another secret key, after a leak"
    password(client, user)
    assert client.get("/login/code").headers["Location"] == "/login/code/new"


def test_new_recovery_codes_need_the_password_and_a_code_and_replace_the_old(client, login_as):
    user = login_as("staff")
    enrol(user)
    old = second_factor.new_recovery_codes(user)
    LoginSession.update(fresh_at=datetime(2020, 1, 1)).execute()
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert "Du har 10 ubrukte gjenopprettingskoder." in page
    response = client.post("/account/second-factor/recovery-codes")
    assert response.headers["Location"].startswith("/reauth")
    client.post("/reauth", data={"password": PASSWORD, "next": "/account/second-factor"})
    # A session taken over (a copied cookie) has no code from the app: nothing is made.
    refused = client.post("/account/second-factor/recovery-codes", data={"code": "000000"})
    assert refused.status_code == 400 and "Koden er feil" in refused.get_data(as_text=True)
    assert second_factor.check(user, old[1]) == second_factor.RECOVERY  # the old ones still work
    body = client.post("/account/second-factor/recovery-codes",
                       data={"code": next_code(user)}).get_data(as_text=True)
    new = re.findall(r"<code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code>", body)
    assert len(new) == 10 and not set(new) & set(old)
    assert second_factor.check(user, old[0]) == second_factor.WRONG
    assert second_factor.check(user, new[0]) == second_factor.RECOVERY


def test_users_create_says_how_staff_set_up_the_second_factor(runner):
    staff = runner.invoke(args=["users", "create", "--email", "ny.ansatt@ressursbasen.no",
                                "--password", "lang nok passfrase", "--role", "staff"])
    assert staff.exit_code == 0, staff.output
    assert "second factor" in staff.output and "QR code" in staff.output
    assert "recovery codes" in staff.output
    candidate = runner.invoke(args=["users", "create", "--email", "kandidat@example.no",
                                    "--password", "lang nok passfrase"])
    assert "second factor" not in candidate.output


def test_the_command_line_resets_a_lost_second_factor(runner, client):
    user = make_user(role="admin")
    enrol(user)
    assert log_in(client, user).status_code == 302
    result = runner.invoke(args=["users", "reset-second-factor", "--email", user.email.upper()])
    assert result.exit_code == 0, result.output
    assert not second_factor.is_enrolled(user)
    assert client.get("/staff/queue").status_code == 302  # logged out
    assert password(client, user).headers["Location"] == "/login/code"
    assert client.get("/login/code").headers["Location"] == "/login/code/new"
    unknown = runner.invoke(args=["users", "reset-second-factor", "--email", "nobody@example.no"])
    assert unknown.exit_code != 0



def test_the_hourly_job_removes_sessions_that_ended_by_time(client, login_as):
    from jobs.auth import remove_ended_sessions
    from portal.features import cron_entries
    assert any(job is remove_ended_sessions for job, _ in cron_entries())
    live_candidate, live_staff = login_as("candidate"), login_as("staff")
    idle = login_as("candidate")
    LoginSession.update(last_seen_at=datetime(2020, 1, 1)).where(LoginSession.user == idle.id).execute()
    owing = make_user(role="staff")
    password(client, owing)  # gave the password, never the code
    twenty_minutes_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=20)
    LoginSession.update(created_at=twenty_minutes_ago).where(
        LoginSession.user.in_([owing.id, live_staff.id, live_candidate.id])).execute()
    assert remove_ended_sessions() == 2
    left = {s.user_id for s in LoginSession.select()}
    assert left == {live_candidate.id, live_staff.id}


def test_staff_who_change_their_password_stay_logged_in_in_this_browser(app, client):
    user = make_user(role="staff")
    log_in(client, user)
    other = app.test_client()
    log_in(other, user)
    response = client.post("/account/password", data={"current": PASSWORD,
                                                     "password": "et nytt og langt passord"})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/queue"
    assert client.get("/staff/queue").status_code == 200
    assert other.get("/staff/queue").headers["Location"].startswith("/login")
