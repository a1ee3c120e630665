"""Administrators' pages for staff accounts: list, role, deactivate, reset the second factor."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth import actions, administration, second_factor
from portal.auth.forms import RoleForm
from portal.auth.guard import roles
from portal.web.forms import EmptyForm
from portal.web.render import render

bp = Blueprint("admin", __name__, url_prefix="/staff/admin")


def _account_or_404(user_id):
    user = administration.staff_account_or_none(user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users")
@roles("admin")
def users():
    """List every staff and administrator account."""
    accounts = list(administration.staff_accounts())
    enrolled = {u.id for u in accounts if second_factor.is_enrolled(u)}
    return render("auth/admin/users.html", accounts=accounts, enrolled=enrolled,
                  labels=administration.ROLE_LABELS)


def _page(user, role_form=None, status=200):
    return render("auth/admin/user.html", account=user, labels=administration.ROLE_LABELS,
                  role_form=role_form or RoleForm(role=user.role), form=EmptyForm(),
                  enrolled=second_factor.is_enrolled(user),
                  codes_left=second_factor.recovery_codes_left(user),
                  yourself=user.id == current_user.id, status=status)


@bp.route("/users/<int:user_id>")
@roles("admin")
def user(user_id):
    """Show one staff account with what an administrator can change."""
    return _page(_account_or_404(user_id))


def _change(user_id, form, change, done):
    """Run one change to a staff account after re-authentication; a refusal changes nothing."""
    user = _account_or_404(user_id)
    if not actions.is_fresh(current_user):
        flash(_("Confirm it is you, then make the change again."), "info")
        return redirect(url_for("auth.reauth", next=url_for("admin.user", user_id=user.id)))
    if not form.validate_on_submit():
        return _page(user, role_form=form if isinstance(form, RoleForm) else None,
                     status=400)
    try:
        change(user)
    except actions.AccountError as exc:
        flash(str(exc), "error")
        return _page(user, status=400)
    flash(done(user), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@roles("admin")
def set_role(user_id):
    """Make a staff account staff or administrator."""
    form = RoleForm()
    return _change(user_id, form,
                   lambda user: administration.set_role(user, form.role.data, current_user),
                   lambda user: _("%(email)s is now: %(role)s.", email=user.email,
                                  role=administration.ROLE_LABELS[user.role]))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@roles("admin")
def deactivate(user_id):
    """Deactivate a staff account; every session of it ends at once."""
    return _change(user_id, EmptyForm(),
                   lambda user: administration.deactivate(user, current_user),
                   lambda user: _("%(email)s is deactivated and logged out everywhere.",
                                  email=user.email))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@roles("admin")
def reactivate(user_id):
    """Open a deactivated staff account again."""
    return _change(user_id, EmptyForm(),
                   lambda user: administration.reactivate(user, current_user),
                   lambda user: _("%(email)s can log in again.", email=user.email))


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
@roles("admin")
def reset_second_factor(user_id):
    """Forget a staff account's authenticator app: it enrols a new one at its next login."""
    return _change(user_id, EmptyForm(),
                   lambda user: administration.reset_second_factor(user, current_user),
                   lambda user: _("%(email)s is logged out and sets up a new authenticator app "
                                  "at the next login.", email=user.email))
