"""Every route declares who may use it; one before_request hook enforces it, failing closed."""
from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

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
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if current_user.role not in rule:
            app.logger.warning("access denied: user %s (%s) to %s",
                               current_user.id, current_user.role, request.endpoint)
            abort(403)
        return None
