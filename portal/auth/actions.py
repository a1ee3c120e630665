"""Accounts, passwords and server-side login sessions."""
import functools
import hashlib
import secrets
from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.audit.actions import record
from portal.auth.models import ROLES, STAFF_ROLES, AccountToken, LoginSession, User
from portal.db import db, utcnow
from portal.mail.actions import link_to_person, queue_email
from portal.mail.limits import ensure_mail_allowed
from portal.people.contact import contact
from portal.people.models import Person
from portal.web.forms import email_address
from portal.web.links import external_url

hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash():
    """Verified against when the account does not exist, so both answers take the same time.

    Made at the first password check, not at import: each hash takes argon2's 64 MiB, which
    a worker that never checks a password should not hold at its peak.
    """
    return hasher.hash("not a real password, only spends the same time")
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
    email = email_address(email)
    if role not in ROLES:
        raise AccountError(_l("Unknown role."))
    if email is None:
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
        hasher.verify(user.password_hash if user else _dummy_hash(), password)
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


def start_session(user, second_factor=False):
    """Open a server-side session for a user who just proved who they are; returns its token.

    Staff and administrators are logged in only with `second_factor` (the code was given);
    without it their session stands for "password given, code owed" and opens nothing.
    """
    token = secrets.token_urlsafe(32)
    logged_in = second_factor or not user.is_staff
    with db.atomic():
        LoginSession.create(user=user, token_hash=_token_hash(token),
                            second_factor_at=utcnow() if second_factor else None)
        if logged_in:
            user.last_login_at = utcnow()
            user.save(only=[User.last_login_at])
            if user.person is not None:
                contact(user.person, "login")
            record("account.login", person=user.person_id, actor=user)
    return token


def _live(found):
    """Whether a session row is within its idle and absolute limits; ends it when not."""
    now = utcnow()
    if not session_alive(found.created_at, found.last_seen_at, now):
        found.delete_instance()
        return False
    return True


def _session_row(token):
    if not token:
        return None
    return (LoginSession.select(LoginSession, User).join(User)
            .where(LoginSession.token_hash == _token_hash(token)).first())


def load_session(user_id, token):
    """The user of a live session, or None when it ended, idled out or grew too old, or when
    its second factor is still owed."""
    found = _session_row(token)
    if found is None or str(found.user_id) != str(user_id) or not found.user.active:
        return None
    if found.user.is_staff and found.second_factor_at is None:
        return None
    if not _live(found):
        return None
    now = utcnow()
    if now - found.last_seen_at > timedelta(minutes=1):  # not a write on every request
        LoginSession.update(last_seen_at=now).where(LoginSession.id == found.id).execute()
    user = found.user
    user.login_session = found
    return user


def owed_second_factor(user_id, token):
    """The user who gave their password in this session and still owes the second factor, or
    None (no such session, logged out, deactivated, or the time to give the code ran out)."""
    found = _session_row(token)
    if (found is None or str(found.user_id) != str(user_id) or not found.user.active
            or found.second_factor_at is not None):
        return None
    if utcnow() - found.created_at > current_app.config["SECOND_FACTOR_TIMEOUT"]:
        found.delete_instance()
        return None
    return found.user


def complete_login(token, user):
    """The second factor was given: replace the half-open session by a new, full one."""
    with db.atomic():
        LoginSession.delete().where(LoginSession.token_hash == _token_hash(token)).execute()
        return start_session(user, second_factor=True)


def remove_ended_sessions():
    """Delete the rows of sessions past their limits (nobody comes back to end them)."""
    now = utcnow()
    cfg = current_app.config
    return LoginSession.delete().where(
        (LoginSession.last_seen_at < now - cfg["SESSION_IDLE_TIMEOUT"])
        | (LoginSession.created_at < now - cfg["SESSION_ABSOLUTE_TIMEOUT"])
        | (LoginSession.second_factor_at.is_null()
           & (LoginSession.created_at < now - cfg["SECOND_FACTOR_TIMEOUT"])
           & LoginSession.user.in_(User.select(User.id).where(User.role.in_(STAFF_ROLES)))
           )).execute()


def session_alive(created_at, last_seen_at, now=None):
    """Whether a session begun and last used at these times still lets its browser in."""
    now, cfg = now or utcnow(), current_app.config
    return (now - last_seen_at <= cfg["SESSION_IDLE_TIMEOUT"]
            and now - created_at <= cfg["SESSION_ABSOLUTE_TIMEOUT"])


def end_own_session(user, session_id):
    """End one of the user's own sessions (that browser is logged out); audited. False when
    no session of theirs has this id."""
    with db.atomic():
        ended = LoginSession.delete().where((LoginSession.id == session_id)
                                            & (LoginSession.user == user.id)).execute()
        if ended:
            record("account.session_ended", person=user.person_id, actor=user, session=session_id)
    return bool(ended)


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


# --- Links sent by e-mail: registration, password reset, e-mail change -----------------------
# Only a hash of each token is stored; a token works once and expires (ASVS 7.4.3, 6.3.8).

REGISTER, RESET, CHANGE_EMAIL = "register", "reset_password", "change_email"


def issue_token(purpose, email, lifetime, user=None, name=""):
    """Store the hash of a new single-use token; returns the token for the link."""
    token = secrets.token_urlsafe(32)
    AccountToken.create(purpose=purpose, token_hash=_token_hash(token), email=email, name=name,
                        user=user, expires_at=utcnow() + lifetime)
    return token


def peek_token(purpose, token):
    """The unused, unexpired token row for a link, or None (nothing is changed)."""
    return AccountToken.get_or_none(
        (AccountToken.purpose == purpose) & (AccountToken.token_hash == _token_hash(token or ""))
        & AccountToken.used_at.is_null() & (AccountToken.expires_at > utcnow()))


def consume_token(purpose, token):
    """Use a token once: only one request can win it, even two at the same moment."""
    row = peek_token(purpose, token)
    if row is None:
        return None
    won = (AccountToken.update(used_at=utcnow())
           .where((AccountToken.id == row.id) & AccountToken.used_at.is_null()).execute())
    return row if won else None


def _email_taken(email, except_person=None):
    people = Person.select().where(Person.email == email)
    if except_person is not None:
        people = people.where(Person.id != except_person)
    return User.select().where(User.email == email).exists() or people.exists()


def start_registration(name, email, locale):
    """E-mail a verification link, or "you already have an account": the same answer either way.

    Raises TooManyMails (portal/mail/limits.py) when the address has had enough e-mails.
    """
    ensure_mail_allowed(email)
    with db.atomic():
        if User.select().where(User.email == email).exists():
            queue_email(email, _l("You already have an account"), "auth/email/already_registered",
                        locale, login_url=external_url("auth.login"),
                        reset_url=external_url("auth.forgot_password"))
            return
        token = issue_token(REGISTER, email,
                            timedelta(hours=current_app.config["VERIFY_TOKEN_HOURS"]), name=name)
        queue_email(email, _l("Confirm your e-mail address"), "auth/email/verify", locale,
                    url=external_url("auth.verify", token=token),
                    hours=current_app.config["VERIFY_TOKEN_HOURS"])


def complete_registration(token, password, locale):
    """Create the account of a proven address, joining the Person who already has it."""
    row = peek_token(REGISTER, token)
    if row is None:
        raise AccountError(_l("This link has expired or has been used already."))
    problem = password_problem(password, row.email)
    if problem:
        raise AccountError(problem)
    with db.atomic():
        if consume_token(REGISTER, token) is None:
            raise AccountError(_l("This link has expired or has been used already."))
        person = Person.get_or_none(Person.email == row.email)
        if person is None:
            person = Person.create(name=row.name, email=row.email, locale=locale)
            record("person.registered", person=person)
        return create_user(row.email, password, person=person)


def accept_invite(person, password):
    """Create the account of a person who followed the invitation sent to their address."""
    if User.select().where((User.person == person.id) | (User.email == person.email)).exists():
        raise AccountError(_l("You already have an account. Log in instead."))
    return create_user(person.email, password, person=person)


def request_password_reset(email, locale):
    """E-mail a reset link to a known address, a short note to an unknown one: same answer.

    Raises TooManyMails when the address has had enough e-mails, known or not.
    """
    ensure_mail_allowed(email)
    user = User.get_or_none(User.email == email)
    with db.atomic():
        if user is None or not user.active:
            queue_email(email, _l("Password reset"), "auth/email/reset_unknown", locale,
                        register_url=external_url("auth.register"))
            return
        minutes = current_app.config["RESET_TOKEN_MINUTES"]
        token = issue_token(RESET, email, timedelta(minutes=minutes), user=user)
        record("account.reset_requested", person=user.person_id, actor=user)
        queue_email(email, _l("Password reset"), "auth/email/reset", locale,
                    url=external_url("auth.reset_password", token=token), minutes=minutes)


def void_links(user):
    """Make every unused e-mailed link of this user (reset, e-mail change) stop working."""
    AccountToken.update(used_at=utcnow()).where(
        (AccountToken.user == user.id) & AccountToken.used_at.is_null()).execute()


def _set_password(user, password, action):
    with db.atomic():
        User.update(password_hash=hash_password(password)).where(User.id == user.id).execute()
        end_all_sessions(user)
        # Whoever knew the old password may have asked for a reset or an e-mail change.
        void_links(user)
        record(action, person=user.person_id, actor=user)


def reset_password(token, password):
    """Set a new password from a reset link; every session ends and nobody is logged in."""
    row = peek_token(RESET, token)
    if row is None or row.user is None:
        raise AccountError(_l("This link has expired or has been used already."))
    problem = password_problem(password, row.user.email)
    if problem:
        raise AccountError(problem)
    with db.atomic():
        if consume_token(RESET, token) is None:
            raise AccountError(_l("This link has expired or has been used already."))
        _set_password(row.user, password, "account.password_reset")
    from portal.auth import throttle
    throttle.lift_lock(row.user.email)  # the owner proved who they are: any browser may log in
    return row.user


def change_password(user, password):
    """Set a new password for a logged-in user; every session ends (the view starts a new one)."""
    problem = password_problem(password, user.email)
    if problem:
        raise AccountError(problem)
    _set_password(user, password, "account.password_changed")


def request_email_change(user, new_email, locale):
    """Send a confirmation link to the new address; nothing changes until it is followed.

    Raises TooManyMails when the new address has had enough e-mails.
    """
    ensure_mail_allowed(new_email)
    with db.atomic():
        if _email_taken(new_email, except_person=user.person_id):
            # The requester learns nothing; the owner of the address hears about it.
            queue_email(new_email, _l("Someone tried to use your e-mail address"),
                        "auth/email/change_email_taken", locale)
            return
        token = issue_token(CHANGE_EMAIL, new_email,
                            timedelta(hours=current_app.config["VERIFY_TOKEN_HOURS"]), user=user)
        record("account.email_change_requested", person=user.person_id, actor=user)
        queue_email(new_email, _l("Confirm your new e-mail address"), "auth/email/change_email",
                    locale, url=external_url("auth.confirm_email", token=token),
                    hours=current_app.config["VERIFY_TOKEN_HOURS"])


def confirm_email_change(token, locale):
    """Move the account (and its person) to the proven new address; tell the old address."""
    with db.atomic():
        row = consume_token(CHANGE_EMAIL, token)
        if row is None or row.user is None:
            raise AccountError(_l("This link has expired or has been used already."))
        user = row.user
        if _email_taken(row.email, except_person=user.person_id):
            raise AccountError(_l("This e-mail address is already in use."))
        old = user.email
        void_links(user)  # links sent to the old address (a reset, say) stop working
        User.update(email=row.email).where(User.id == user.id).execute()
        if user.person_id:
            Person.update(email=row.email, updated_at=utcnow()).where(
                Person.id == user.person_id).execute()
            link_to_person(old, user.person_id)  # erasure no longer finds them by this address
        record("account.email_changed", person=user.person_id, actor=user)
        queue_email(old, _l("Your e-mail address was changed"), "auth/email/email_changed_notice",
                    locale, person=user.person_id, new_email=row.email)
    return user
