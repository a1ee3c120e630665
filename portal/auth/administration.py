"""Administrators manage staff accounts: role, deactivation, the second factor.

Each change is audited with who made it; deactivation and a reset of the second factor end
every session of the account at once (a copied cookie stops working too). An administrator
cannot change their own account here (another administrator does it, or the command line), so
nobody locks themselves out and there is always an active administrator left.
"""
from flask_babel import lazy_gettext as _l

from portal.audit.actions import record
from portal.auth import second_factor
from portal.auth.actions import AccountError, end_all_sessions, void_links
from portal.auth.models import STAFF_ROLES, User
from portal.db import db

ROLE_LABELS = {"staff": _l("Staff"), "admin": _l("Administrator")}


def staff_accounts():
    """Every staff and administrator login, active ones first, by address."""
    return User.select().where(User.role.in_(STAFF_ROLES)).order_by(User.active.desc(), User.email)


def staff_account_or_none(user_id):
    return User.get_or_none((User.id == user_id) & User.role.in_(STAFF_ROLES))


def _not_yourself(user, by):
    if by is not None and user.id == by.id:
        raise AccountError(_l("You cannot change your own account here. Ask another administrator."))


def _still_an_administrator(user, by):
    """Lock both accounts (in id order, so two administrators never wait for each other in a
    ring) and refuse unless `by` is still an active administrator: of two administrators
    changing each other at the same moment, the second is refused, so one is always left."""
    if by is None:  # the command line
        return
    query = User.select().where(User.id.in_({user.id, by.id})).order_by(User.id)
    acting = {u.id: u for u in (query.for_update() if db.for_update else query)}.get(by.id)
    if acting is None or not acting.active or acting.role != "admin":
        raise AccountError(_l("You are no longer an active administrator, so nothing was changed."))


def set_role(user, role, by):
    """Make a staff account staff or administrator."""
    if role not in STAFF_ROLES:
        raise AccountError(_l("Choose staff or administrator."))
    _not_yourself(user, by)
    if role == user.role:
        raise AccountError(_l("The account has this role already."))
    with db.atomic():
        _still_an_administrator(user, by)
        User.update(role=role).where(User.id == user.id).execute()
        record("account.role_changed", actor=by, user=user.id, old=user.role, new=role)
    user.role = role


def deactivate(user, by):
    """Close a staff account: every session ends now and it cannot log in or reset its password."""
    _not_yourself(user, by)
    if not user.active:
        raise AccountError(_l("The account is deactivated already."))
    with db.atomic():
        _still_an_administrator(user, by)
        User.update(active=False).where(User.id == user.id).execute()
        end_all_sessions(user)
        void_links(user)
        record("account.deactivated", actor=by, user=user.id)
    user.active = False


def reactivate(user, by):
    """Open a deactivated staff account again; it logs in with its password and second factor."""
    _not_yourself(user, by)
    if user.active:
        raise AccountError(_l("The account is active already."))
    with db.atomic():
        _still_an_administrator(user, by)
        User.update(active=True).where(User.id == user.id).execute()
        record("account.reactivated", actor=by, user=user.id)
    user.active = True


def reset_second_factor(user, by):
    """Forget the account's app and recovery codes (a lost phone): every session ends, and the
    next login enrols a new app."""
    _not_yourself(user, by)
    with db.atomic():
        _still_an_administrator(user, by)
        second_factor.remove(user)
        end_all_sessions(user)
        record("account.second_factor_reset", actor=by, user=user.id)
