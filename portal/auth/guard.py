"""Every route declares who may use it; one before_request hook enforces it, failing closed."""
from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.models import User

PUBLIC = "public"


def public(view):
    """Anyone may use this route."""
    view.access = PUBLIC
    return view


def roles(*allowed):
    """Only logged-in users with one of these roles may use this route."""
    def decorate(view):
        view.access = frozenset(allowed)
        return view
    return decorate


def staff_only(view):
    return roles("staff", "admin")(view)


def access_of(endpoint, app=None):
    """The declared access rule of an endpoint, or None when the route declares none."""
    app = app or current_app
    if endpoint == "static":
        return PUBLIC
    return getattr(app.view_functions.get(endpoint), "access", None)


def init_app(app):
    @app.before_request
    def enforce_access():
        if request.endpoint is None:  # 404/405: the error handlers answer
            return None
        rule = access_of(request.endpoint, app)
        if rule == PUBLIC:
            return None
        if rule is None:
            app.logger.error("route %s declares no access rule; refused", request.endpoint)
            abort(403)
        if not current_user.is_authenticated:
            return _not_logged_in()
        if current_user.role not in rule:
            app.logger.warning("access denied: user %s (%s) to %s",
                               current_user.id, current_user.role, request.endpoint)
            abort(403)
        return None


def _not_logged_in():
    """Where a request without a live login goes: to finish the second step of a staff login,
    or to the login form, told why when this browser's session has ended."""
    if session.get("second_factor_owed"):
        return redirect(url_for("auth.login_code"))
    if session.get("sid"):
        user_id = str(session.get("_user_id") or "")
        user = (User.get_or_none(User.id == int(user_id))
                if user_id.isascii() and user_id.isdigit() else None)
        if user is not None and not user.active:
            flash(_("This account has been deactivated, so you were logged out. Ask an "
                    "administrator if you need it again."), "error")
        else:
            flash(_("Your session has ended. Log in again."), "info")
        for key in ("sid", "_user_id", "_fresh", "_id"):
            session.pop(key, None)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
