"""Log in and log out."""
from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.auth import actions
from portal.auth.forms import LoginForm
from portal.auth.guard import public, roles
from portal.extensions import limiter, login_manager
from portal.web.render import render
from portal.web.views import safe_next

bp = Blueprint("auth", __name__)


def _login_failed():
    return getattr(request, "_login_failed", False)


def _account_key():
    return "login:" + actions.normalize_email(request.form.get("email", ""))


def home_for(user):
    return url_for("staff.queue") if user.is_staff else url_for("web.index")


def begin_session(user):
    """Log a user in on a fresh session; the old session cookie content is dropped."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["sid"] = actions.start_session(user)
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_key, deduct_when=lambda response: _login_failed())
def login():
    """Show the login form and log the person in."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = actions.authenticate(form.email.data, form.password.data)
        if user is not None:
            begin_session(user)
            return redirect(safe_next(form.next.data, home_for(user)))
        request._login_failed = True
        # The same words whether the account is unknown or the password wrong.
        form.password.errors.append(_("The e-mail address or password is wrong."))
    return render("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@roles("candidate", "staff", "admin")
def logout():
    """End this session for real: the cookie stops working, also if it was copied."""
    actions.end_session(session.get("sid"))  # CSRFProtect has checked the token
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


def init_app(app):
    import click

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id):
        return actions.load_session(user_id, session.get("sid"))

    @app.cli.group("users")
    def users_cli():
        """Manage logins."""

    @users_cli.command("create")
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option("--role", type=click.Choice(["candidate", "staff", "admin"]), default="candidate")
    def create_command(email, password, role):
        """Create a login."""
        try:
            user = actions.create_user(email, password, role)
        except actions.AccountError as exc:
            raise click.ClickException(str(exc))
        click.echo(f"created {user.role} {user.email}")

