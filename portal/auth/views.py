"""Log in and out, register, reset a password, re-authenticate, change e-mail and password."""
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.auth import actions, throttle
from portal.auth.forms import (
    EmailChangeForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    ReauthForm,
    RegisterForm,
)
from portal.auth.guard import public, roles
from portal.candidates.actions import person_from_invite
from portal.extensions import limiter, login_manager
from portal.mail.limits import TooManyMails
from portal.web.formats import format_when
from portal.web.forms import EmptyForm
from portal.web.links import kept_token, leave_token_url
from portal.web.render import render
from portal.web.views import safe_next

bp = Blueprint("auth", __name__)


def home_for(user):
    return url_for("staff.queue") if user.is_staff else url_for("candidates.account")


def begin_session(user):
    """Log a user in on a fresh session; the old session cookie content is dropped."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["sid"] = actions.start_session(user)
    login_user(user)


def _locked(attempt, message, offer_reset=True):
    """The answer when the attempts are used up: when to try again, and the way out by reset."""
    return render("auth/locked.html", status=429, message=message, offer_reset=offer_reset,
                  retry_at=format_when(attempt.retry_at, "time"))


def _trust_this_browser(response, user, device):
    """Give the browser that just logged in its device cookie (its own allowance next time)."""
    cfg = current_app.config
    response.set_cookie(throttle.DEVICE_COOKIE, throttle.device_cookie(user.email, device),
                        max_age=int(throttle.DEVICE_MAX_AGE.total_seconds()), httponly=True,
                        samesite="Lax", secure=cfg["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def login():
    """Show the login form and log the person in."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        email = form.email.data
        device = throttle.trusted_device(email, request.cookies.get(throttle.DEVICE_COOKIE))
        # Counted before the password is checked: guesses sent at once cannot slip through.
        attempt = throttle.login_attempt(email, device)
        if not attempt.allowed:
            return _locked(attempt, _("There have been too many attempts to log in to this "
                                      "account from browsers it has not been used in before."))
        user = actions.authenticate(email, form.password.data)
        if user is not None:
            throttle.login_succeeded(email, device)
            begin_session(user)
            return _trust_this_browser(redirect(safe_next(form.next.data, home_for(user))),
                                       user, device)
        # The same words whether the account is unknown or the password wrong.
        form.password.errors.append(_("The e-mail address or password is wrong."))
    return render("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@roles("candidate", "staff", "admin")
def logout():
    """End this session for real: the cookie stops working, also if it was copied."""
    actions.end_session(session.get("sid"))  # CSRFProtect has checked the token
    return _logged_out()


def _logged_out():
    """Forget the login in this browser (its language stays) and say so on the login page."""
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@roles("candidate")
def end_session(session_id):
    """End one of the person's own login sessions; ending this browser's logs it out."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    this_browser = getattr(getattr(current_user, "login_session", None), "id", None)
    if not actions.end_own_session(current_user, session_id):
        abort(404)
    if session_id == this_browser:
        return _logged_out()
    flash(_("That login has ended: the browser it was in is logged out."), "success")
    return redirect(url_for("candidates.account", open="login", _anchor="category-login"))


def _locale():
    return str(get_locale() or "nb")


def _expired():
    return render("auth/link_expired.html", status=404)


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def register():
    """Ask for name and e-mail and send a link that proves the address."""
    form = RegisterForm()
    if form.validate_on_submit():
        email = form.email.data
        try:
            actions.start_registration(form.name.data, email, _locale())
        except TooManyMails as exc:
            form.email.errors.append(exc.message)
            return render("auth/register.html", form=form, status=429)
        # The same page whether the address is known or not (ASVS 6.3.8).
        return render("auth/check_email.html", email=email)
    return render("auth/register.html", form=form, status=400 if form.errors else 200)


def _create_account(email, create):
    """Ask a proven address for a password; `create(password)` makes the account."""
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = create(form.password.data)
        except actions.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            begin_session(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("candidates.account"))
    return render("auth/set_password.html", form=form, email=email,
                  title=_("Create your account"), status=400 if form.errors else 200)


@bp.route("/register/verify/<token>", methods=["GET", "POST"])
@bp.route("/register/verify/link/<handle>", methods=["GET", "POST"])
@public
def verify(token=None, handle=None):
    """Let a proven address choose a password; the account and person are created then."""
    token = token or kept_token(actions.REGISTER, handle)
    row = actions.peek_token(actions.REGISTER, token)
    if row is None:
        return _expired()
    handle, response = leave_token_url(actions.REGISTER, token, handle)
    if response is not None:
        return response
    return _create_account(row.email, lambda password: actions.complete_registration(
        token, password, _locale()))


@bp.route("/register/invite/<token>", methods=["GET", "POST"])
@bp.route("/register/invite/link/<handle>", methods=["GET", "POST"])
@public
def accept_invite(token=None, handle=None):
    """Create an account for the person the booking e-mail's invitation was sent to."""
    token = token or kept_token("invite", handle)
    person = person_from_invite(token)
    if person is None:
        return _expired()
    if actions.User.select().where(actions.User.person == person.id).exists():
        flash(_("You already have an account. Log in below."), "info")
        return redirect(url_for("auth.login"))
    handle, response = leave_token_url("invite", token, handle)
    if response is not None:
        return response
    return _create_account(person.email, lambda password: actions.accept_invite(person, password))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def forgot_password():
    """Send a password reset link; the answer does not tell whether the address is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = form.email.data
        try:
            actions.request_password_reset(email, _locale())
        except TooManyMails as exc:
            form.email.errors.append(exc.message)
            return render("auth/forgot_password.html", form=form, status=429)
        return render("auth/check_email.html", email=email)
    return render("auth/forgot_password.html", form=form, status=400 if form.errors else 200)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@bp.route("/password/reset/link/<handle>", methods=["GET", "POST"])
@public
def reset_password(token=None, handle=None):
    """Choose a new password from a reset link; then log in again."""
    token = token or kept_token(actions.RESET, handle)
    row = actions.peek_token(actions.RESET, token)
    if row is None:
        return _expired()
    handle, response = leave_token_url(actions.RESET, token, handle)
    if response is not None:
        return response
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            actions.reset_password(token, form.password.data)
        except actions.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            if current_user.is_authenticated:
                logout_user()
            session.pop("sid", None)
            flash(_("Your password is changed and you are logged out everywhere. Log in with "
                    "the new password."), "success")
            return redirect(url_for("auth.login"))
    return render("auth/set_password.html", form=form, email=row.email,
                  title=_("Choose a new password"), status=400 if form.errors else 200)


@bp.route("/reauth", methods=["GET", "POST"])
@roles("candidate", "staff", "admin")
def reauth():
    """Ask for the password again before a sensitive action."""
    form = ReauthForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        attempt = throttle.reauth_attempt(current_user)
        if not attempt.allowed:
            return _locked(attempt, _("You have given the wrong password too many times."),
                           offer_reset=False)
        if actions.authenticate(current_user.email, form.password.data) is not None:
            actions.mark_fresh(current_user)
            return redirect(safe_next(form.next.data, home_for(current_user)))
        form.password.errors.append(_("The password is wrong."))
    return render("auth/reauth.html", form=form, status=400 if form.errors else 200)


def _needs_reauth():
    if actions.is_fresh(current_user):
        return None
    return redirect(url_for("auth.reauth", next=request.path))


@bp.route("/account/password", methods=["GET", "POST"])
@roles("candidate", "staff", "admin")
def change_password():
    """Change the password (after re-authentication); other sessions end."""
    if (response := _needs_reauth()) is not None:
        return response
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            actions.change_password(current_user, form.password.data)
        except actions.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            user = actions.User.get_by_id(current_user.id)
            begin_session(user)  # this browser stays in; every other session has ended
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(home_for(user))
    return render("auth/change_password.html", form=form, status=400 if form.errors else 200)


@bp.route("/account/email", methods=["GET", "POST"])
@roles("candidate", "staff", "admin")
def change_email():
    """Ask for a new e-mail address (after re-authentication) and send it a confirmation link."""
    if (response := _needs_reauth()) is not None:
        return response
    form = EmailChangeForm()
    if form.validate_on_submit():
        email = form.email.data
        if email == current_user.email:
            form.email.errors.append(_("This is already your e-mail address."))
        else:
            try:
                actions.request_email_change(current_user, email, _locale())
            except TooManyMails as exc:
                form.email.errors.append(exc.message)
                return render("auth/change_email.html", form=form, status=429)
            return render("auth/check_email.html", email=email)
    return render("auth/change_email.html", form=form, status=400 if form.errors else 200)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
@bp.route("/account/email/confirm/link/<handle>", methods=["GET", "POST"])
@public
def confirm_email(token=None, handle=None):
    """Confirm the new e-mail address with the link sent to it."""
    token = token or kept_token(actions.CHANGE_EMAIL, handle)
    row = actions.peek_token(actions.CHANGE_EMAIL, token)
    if row is None:
        return _expired()
    handle, response = leave_token_url(actions.CHANGE_EMAIL, token, handle)
    if response is not None:
        return response
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            actions.confirm_email_change(token, _locale())
        except actions.AccountError as exc:
            flash(str(exc), "error")
            return _expired()
        flash(_("Your e-mail address is changed."), "success")
        return redirect(url_for("candidates.account") if current_user.is_authenticated
                        else url_for("auth.login"))
    return render("auth/confirm_email.html", form=form, email=row.email)


def init_app(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id):
        return actions.load_session(user_id, session.get("sid"))
