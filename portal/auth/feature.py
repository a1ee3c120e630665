"""What accounts bring: login with a second factor for staff, registration, reset, sessions,
the access guard, the administrators' staff account pages, `users` CLI."""
from jobs.auth import remove_ended_sessions
from portal import catalog
from portal.auth import admin, cli, demo, guard, models, throttle, views
from portal.db import any_of
from portal.people.holdings import Expiry, RedisKeys, Rows
from portal.ratelimit import keyed_hash

__all__ = ["init_app", "blueprint", "models", "cli", "cron", "load_demo_data",
           "personal_data"]  # what this feature declares


def init_app(app):
    guard.init_app(app)
    views.init_app(app)
    app.register_blueprint(admin.bp)  # /staff/admin/users


blueprint = views.bp
cli = (cli.users,)
cron = ((remove_ended_sessions, {"cron": "23 * * * *"}),)
load_demo_data = demo.load_demo_data

User, LoginSession, AccountToken = models.User, models.LoginSession, models.AccountToken
SecondFactor, RecoveryCode = models.SecondFactor, models.RecoveryCode


def _users(subject):
    """The subject's logins: linked to their Person, or under one of their addresses."""
    condition = any_of(User.email, sorted(subject.emails)) if subject.emails else None
    if subject.person_ids:
        linked = any_of(User.person, subject.ids())
        condition = linked if condition is None else condition | linked
    return User.select(User.id).where(condition) if condition is not None else None


def _by_user(model):
    def reach(subject):
        users = _users(subject)
        return model.user.in_(users) if users is not None else None
    return reach


# A login is found by its Person or its address; sessions and links through the login.
# Password and token hashes are secrets that protect the account: never exported.
personal_data = (
    Rows(User, category="login", person="person", email="email", whole_row=True,
         withheld=("password_hash",), source="portal"),
    Rows(LoginSession, category="login", reach=_by_user(LoginSession), whole_row=True,
         withheld=("token_hash",), source="portal"),
    Rows(AccountToken, category="login", email="email", reach=_by_user(AccountToken),
         whole_row=True, withheld=("token_hash",), source="portal", expires=Expiry(
             catalog.UNTIL_USED, also=lambda: AccountToken.used_at.is_null(False))),
    # Staff: the authenticator app's secret and the recovery codes' hashes are never exported.
    Rows(SecondFactor, category="login", reach=_by_user(SecondFactor), whole_row=True,
         withheld=("secret",), source="portal"),
    Rows(RecoveryCode, category="login", reach=_by_user(RecoveryCode), whole_row=True,
         withheld=("code_hash",), source="portal"),
    RedisKeys("login attempts per account", lambda s: [
        throttle.account_key(e) for e in s.emails] + [
        keyed_hash(purpose, user_id) for user_id in s.user_ids
        for purpose in ("reauth", "second-factor")]),
)
