"""Password guessing: every attempt is counted before the password is checked, and a stranger's
guesses lock out only browsers the account has not logged in from (OWASP, "Slow Down Online
Guessing Attacks with Device Cookies").

A browser that logged in successfully gets a device cookie: signed with SECRET_KEY (HMAC), naming
the account by a keyed hash and the browser by a random id. Logging in from that browser counts
against the browser's own allowance (LOGIN_LIMIT_PER_DEVICE); every other browser shares the
account's allowance for untrusted devices (LOGIN_LIMIT_PER_ACCOUNT). A password reset lifts the
account's lock.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal import ratelimit
from portal.auth.actions import normalize_email

DEVICE_COOKIE = "portal_device"
DEVICE_MAX_AGE = timedelta(days=365)


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="device-cookie",
                                  signer_kwargs={"digest_method": hashlib.sha256})


def account_key(email):
    return ratelimit.keyed_hash("login", normalize_email(email))


def trusted_device(email, cookie):
    """The id of this browser when its device cookie is genuine and names this account."""
    if not cookie:
        return None
    try:
        data = _serializer().loads(cookie, max_age=int(DEVICE_MAX_AGE.total_seconds()))
    except BadSignature:  # also expired ones
        return None
    if not isinstance(data, dict) or data.get("a") != account_key(email):
        return None
    device = data.get("d")
    return device if isinstance(device, str) and device else None


def device_cookie(email, device=None):
    """The cookie value that makes this browser trusted for this account."""
    return _serializer().dumps({"a": account_key(email), "d": device or secrets.token_urlsafe(16)})


def _login_limit(email, device):
    cfg = current_app.config
    if device:
        return cfg["LOGIN_LIMIT_PER_DEVICE"], ("login-device", account_key(email), device)
    return cfg["LOGIN_LIMIT_PER_ACCOUNT"], ("login", account_key(email))


def login_attempt(email, device=None):
    """Count a login attempt before its password is checked; a `ratelimit.Count`."""
    limit, key = _login_limit(email, device)
    return ratelimit.hit(limit, *key)


def login_succeeded(email, device=None):
    """A trusted browser that got in starts afresh. Untrusted attempts stay counted, the
    successful one included: nothing a stranger does can give guesses back."""
    if device:
        ratelimit.clear(*_limit_and_key(email, device))


def _limit_and_key(email, device):
    limit, key = _login_limit(email, device)
    return (limit, *key)


def lift_lock(email):
    """After a password reset the owner may log in from any browser again."""
    ratelimit.clear(*_limit_and_key(email, None))


def _reauth_key(user):
    return ("reauth", ratelimit.keyed_hash("reauth", user.id))


def reauth_attempt(user):
    """Count a re-authentication attempt of a logged-in user before its password is checked.

    Successes count too and nothing is given back: a request that wins never opens room for
    guesses sent at the same moment.
    """
    return ratelimit.hit(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], *_reauth_key(user))


def _second_factor_key(user):
    return ("second-factor", ratelimit.keyed_hash("second-factor", user.id))


def second_factor_attempt(user):
    """Count a code given for the second factor before it is checked (per account)."""
    return ratelimit.hit(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], *_second_factor_key(user))


def second_factor_succeeded(user):
    """The owner got in: their mistakes so far no longer count against the next login."""
    ratelimit.clear(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], *_second_factor_key(user))
