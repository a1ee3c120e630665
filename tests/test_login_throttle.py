"""Guessing passwords: counted before the password is checked, atomically in Redis; a stranger
locks out only browsers the account has not used before (device cookies); no address in keys."""
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis as redis_lib

from portal.auth import actions
from tests.conftest import TEST_REDIS_URL
from tests.factories import PASSWORD, make_user

WRONG = "wrong password here"
NEW_PASSWORD = "blåbær og tyttebær i skogen"
REDIS_LIMITS = {"RATELIMIT_STORAGE_URI": TEST_REDIS_URL, "LOGIN_LIMIT_PER_IP": "1000 per minute"}


@pytest.fixture
def app_config():
    """Rate limits in the real Redis, as in production; the per-IP limit out of the way."""
    return dict(REDIS_LIMITS)


@pytest.fixture(autouse=True)
def redis_db():
    conn = redis_lib.Redis.from_url(TEST_REDIS_URL)
    try:
        conn.flushdb()
    except redis_lib.RedisError as exc:
        pytest.fail(f"Redis at {TEST_REDIS_URL} is needed for this test: {exc}")
    yield conn
    conn.flushdb()


class CountingHasher:
    """The real argon2 hasher, counting how many passwords it checks."""

    def __init__(self, real):
        self.real, self.checked, self.lock = real, 0, threading.Lock()

    def verify(self, hashed, password):
        with self.lock:
            self.checked += 1
        return self.real.verify(hashed, password)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def hasher(monkeypatch):
    counting = CountingHasher(actions.hasher)
    monkeypatch.setattr(actions, "hasher", counting)
    return counting


def login(client, email, password, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def all_at_once(n, send):
    """Send n requests from n threads released together; returns the responses."""
    barrier = threading.Barrier(n)

    def one(i):
        barrier.wait()
        return send(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


# --- 2. Parallel guessing ---------------------------------------------------------------------

def test_thirty_guesses_at_once_check_at_most_five_passwords(app, db, hasher):
    user = make_user(role="staff")
    responses = all_at_once(30, lambda i: login(app.test_client(), user.email,
                                                PASSWORD if i == 29 else WRONG))
    statuses = [r.status_code for r in responses]
    assert hasher.checked <= 5, statuses
    assert statuses.count(429) >= 25
    # The limit is reached: now even the right password is refused.
    assert login(app.test_client(), user.email, PASSWORD).status_code == 429
    assert hasher.checked <= 5


def test_thirty_reauthentications_at_once_check_at_most_five_passwords(app, client, login_as,
                                                                       hasher):
    login_as("candidate")
    cookie = client.get_cookie("portal_session").value

    def reauth(i):
        tab = app.test_client()
        tab.set_cookie("portal_session", cookie)
        return tab.post("/reauth", data={"password": PASSWORD if i == 29 else WRONG,
                                         "next": "/account"})

    statuses = [r.status_code for r in all_at_once(30, reauth)]
    assert hasher.checked <= 5, statuses
    assert statuses.count(429) >= 25
    refused = client.post("/reauth", data={"password": PASSWORD, "next": "/account"})
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "Du har skrevet feil passord for mange ganger. Prøv igjen kl." in text
    assert hasher.checked <= 5


@pytest.mark.parametrize("app_config", [{"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
                                         "LOGIN_LIMIT_PER_IP": "1000 per minute"}])
def test_login_works_and_is_still_limited_when_redis_is_down(app, db, hasher):
    """Redis down: each process counts in its own memory, so logins go on, still limited."""
    user = make_user(role="staff")
    assert login(app.test_client(), user.email, PASSWORD).status_code == 302
    stranger = app.test_client()
    for _ in range(4):
        assert login(stranger, user.email, WRONG).status_code == 200
    assert login(stranger, user.email, PASSWORD).status_code == 429
    assert hasher.checked == 5


# --- 3. A stranger cannot lock the owner out ---------------------------------------------------

def _device_cookie(response):
    found = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("portal_device=")]
    assert len(found) == 1, response.headers.getlist("Set-Cookie")
    return found[0]


def test_a_strangers_guesses_do_not_lock_out_the_owners_browser(app, db):
    user = make_user(role="staff")
    owner = app.test_client()
    assert login(owner, user.email, PASSWORD).status_code == 302
    owner.post("/logout")
    stranger = app.test_client()
    for _ in range(5):  # the owner's own login from a new browser counted as one of the five
        login(stranger, user.email, WRONG)
    assert login(stranger, user.email, PASSWORD).status_code == 429
    # The browser that logged in before has its own allowance.
    assert login(owner, user.email, PASSWORD).status_code == 302


def test_a_trusted_browser_has_its_own_limit(app, db, hasher):
    user = make_user(role="staff")
    owner = app.test_client()
    login(owner, user.email, PASSWORD)
    owner.post("/logout")
    for _ in range(5):
        assert login(owner, user.email, WRONG).status_code == 200
    assert login(owner, user.email, PASSWORD).status_code == 429
    assert hasher.checked == 6
    # Another browser is not affected by the owner's own typos.
    assert login(app.test_client(), user.email, PASSWORD).status_code == 302


@pytest.mark.parametrize("app_config", [dict(REDIS_LIMITS),
                                        dict(REDIS_LIMITS, SESSION_COOKIE_SECURE=True)])
def test_device_cookie_is_signed_http_only_lax_and_secure_outside_development(app, db, app_config):
    user = make_user(role="staff", email="Owner.Name@example.no".lower())
    header = _device_cookie(login(app.test_client(), user.email, PASSWORD))
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert ("Secure" in header) == bool(app_config.get("SESSION_COOKIE_SECURE"))
    assert "owner" not in header.lower()  # names the account by a keyed hash, not the address


def test_a_forged_or_borrowed_device_cookie_gives_no_allowance(app, db):
    owner_user, other_user = make_user(role="staff"), make_user(role="staff")
    owner = app.test_client()
    value = _device_cookie(login(owner, owner_user.email, PASSWORD)).split(";")[0].split("=", 1)[1]
    owner.post("/logout")
    stranger = app.test_client()
    for _ in range(5):
        login(stranger, other_user.email, WRONG)
    for forged in (value, value[:-2] + ("AA" if value[-2:] != "AA" else "BB"), "x.y.z"):
        stranger.set_cookie("portal_device", forged)  # the owner's cookie names another account
        assert login(stranger, other_user.email, PASSWORD).status_code == 429


def test_locked_page_offers_a_reset_and_the_reset_lifts_the_lock(app, db, outbox):
    from tests.candidates.test_accounts import link_in
    user = make_user(email="owner@example.no")
    stranger = app.test_client()
    for _ in range(5):
        login(stranger, user.email, WRONG)
    owner = app.test_client()  # a new browser: no device cookie yet
    locked = login(owner, user.email, PASSWORD)
    assert locked.status_code == 429
    text = locked.get_data(as_text=True)
    assert "For mange forsøk" in text and "nytt passord" in text
    assert 'href="/password/forgot"' in text
    assert re.search(r"Prøv igjen kl\. \d\d:\d\d", text), text
    owner.post("/password/forgot", data={"email": user.email})
    path = link_in(outbox.to(user.email)[0], "/password/reset/")
    assert owner.post(path, data={"password": NEW_PASSWORD}).status_code == 302
    assert login(owner, user.email, NEW_PASSWORD).status_code == 302


def test_locked_page_in_english_and_the_same_for_an_unknown_address(app, db):
    user = make_user(email="known@example.no")
    pages = []
    for email in (user.email, "unknown@example.no"):
        browser = app.test_client()
        browser.post("/language", data={"lang": "en"})
        for _ in range(5):
            login(browser, email, WRONG)
        response = login(browser, email, PASSWORD)
        assert response.status_code == 429
        pages.append(re.sub(r'"X-CSRFToken": "[^"]+"|value="[^"]{60,}"', "TOKEN",
                            response.get_data(as_text=True).replace(email, "EMAIL")))
    assert "Too many attempts" in pages[0] and "choose a new password" in pages[0]
    assert re.search(r"Try again at \d\d:\d\d", pages[0])
    assert pages[0] == pages[1]


# --- 9. No typed address in the rate-limit keys ------------------------------------------------

def test_rate_limit_keys_hold_no_email_address(app, db, redis_db, login_as):
    login(app.test_client(), "Secret.Person@Example.no", WRONG)
    app.test_client().post("/password/forgot", data={"email": "secret.person@example.no"})
    app.test_client().post("/register", data={"name": "Kari", "email": "secret.person@example.no"})
    keys = [k.decode().lower() for k in redis_db.keys("*")]
    assert keys  # the limits were counted in Redis
    assert [k for k in keys if "secret" in k or "example" in k or "@" in k] == []
