"""Accounts, passwords and server-side login sessions."""
import hashlib
import secrets
from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.audit.actions import record
from portal.auth.models import ROLES, LoginSession, User
from portal.db import db, utcnow

hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the account does not exist, so both answers take the same time.
_DUMMY_HASH = hasher.hash("not a real password, only spends the same time")
_COMMON = frozenset(
    (Path(__file__).with_name("common_passwords.txt")).read_text().split())

MIN_PASSWORD = 10
MAX_PASSWORD = 256


class AccountError(ValueError):
    """A rule of accounts was broken; the message is for the person."""


def normalize_email(email):
    return (email or "").strip().lower()


def password_problem(password, email=""):
    """Why a new password is not acceptable, or None. No composition rules (ASVS 6.2.9)."""
    if len(password) < MIN_PASSWORD:
        return _l("Use at least %(n)s characters. A few words with spaces work well.", n=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        return _l("Use at most %(n)s characters.", n=MAX_PASSWORD)
    lowered = password.lower()
    if lowered in _COMMON or lowered == normalize_email(email) or len(set(password)) < 4:
        return _l("This password is too common or easy to guess. Choose another.")
    return None


def hash_password(password):
    return hasher.hash(password)


def create_user(email, password, role="candidate", person=None):
    """Create a login; raises AccountError with a message for the person."""
    email = normalize_email(email)
    if role not in ROLES:
        raise AccountError(_l("Unknown role."))
    if "@" not in email:
        raise AccountError(_l("Enter a valid e-mail address."))
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem)
    with db.atomic():
        if User.select().where(User.email == email).exists():
            raise AccountError(_l("An account with this e-mail address already exists."))
        user = User.create(email=email, password_hash=hash_password(password), role=role,
                           person=person)
        record("account.created", person=person, actor=user, role=role)
    return user


def authenticate(email, password):
    """The active user with this e-mail and password, or None; same work either way."""
    user = User.get_or_none(User.email == normalize_email(email))
    try:
        hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        user.save(only=[User.password_hash])
    return user


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user):
    """Open a server-side session for a user who just proved who they are; returns its token."""
    token = secrets.token_urlsafe(32)
    with db.atomic():
        LoginSession.create(user=user, token_hash=_token_hash(token))
        user.last_login_at = utcnow()
        user.save(only=[User.last_login_at])
        record("account.login", person=user.person_id, actor=user)
    return token


def load_session(user_id, token):
    """The user of a live session, or None when it ended, idled out or grew too old."""
    if not token:
        return None
    found = (LoginSession.select(LoginSession, User).join(User)
             .where(LoginSession.token_hash == _token_hash(token)).first())
    if found is None or str(found.user_id) != str(user_id) or not found.user.active:
        return None
    now = utcnow()
    cfg = current_app.config
    if (now - found.last_seen_at > cfg["SESSION_IDLE_TIMEOUT"]
            or now - found.created_at > cfg["SESSION_ABSOLUTE_TIMEOUT"]):
        found.delete_instance()
        return None
    if now - found.last_seen_at > timedelta(minutes=1):  # not a write on every request
        LoginSession.update(last_seen_at=now).where(LoginSession.id == found.id).execute()
    user = found.user
    user.login_session = found
    return user


def end_session(token):
    """End one session: the cookie that carried it stops working."""
    if token:
        LoginSession.delete().where(LoginSession.token_hash == _token_hash(token)).execute()


def end_all_sessions(user):
    """End every session of a user (password change, deactivation, erasure)."""
    LoginSession.delete().where(LoginSession.user == user).execute()


def is_fresh(user, within=timedelta(minutes=10)):
    """Whether the user gave their password recently enough for a sensitive action."""
    session_row = getattr(user, "login_session", None)
    return session_row is not None and utcnow() - session_row.fresh_at <= within


def mark_fresh(user):
    """Record that the user just re-entered their password."""
    session_row = getattr(user, "login_session", None)
    if session_row is not None:
        LoginSession.update(fresh_at=utcnow()).where(LoginSession.id == session_row.id).execute()
