"""Log in and out, register, reset a password, re-authenticate, change e-mail and password."""
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup

from portal.auth import actions, second_factor, throttle
from portal.auth.forms import (
    EmailChangeForm,
    EnrolForm,
    ForgotPasswordForm,
    LoginForm,
    ChangePasswordForm,
    NewPasswordForm,
    ReauthForm,
    RegisterForm,
    SecondFactorForm,
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


def _fresh_cookie():
    """Drop what the session cookie held (a new session id follows), keeping the language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def begin_session(user, second_factor_given=False):
    """Log a user in on a fresh session; the old session cookie content is dropped."""
    _fresh_cookie()
    session["sid"] = actions.start_session(user, second_factor=second_factor_given)
    login_user(user)


# The session of a staff member who gave their password and owes the second factor holds
# their id here (and no flask-login user id): they are not logged in until the code is given.
OWED = "second_factor_owed"


def begin_second_step(user, next_url):
    """Password given by staff: ask for the second factor (or enrolment) before anything else."""
    _fresh_cookie()
    session["sid"] = actions.start_session(user)
    session[OWED] = user.id
    session["after_login"] = safe_next(next_url, home_for(user))


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
            if second_factor.required(user):
                begin_second_step(user, form.next.data)
                response = redirect(url_for("auth.login_code"))
            else:
                begin_session(user)
                response = redirect(safe_next(form.next.data, home_for(user)))
            return _trust_this_browser(response, user, device)
        # The same words whether the account is unknown or the password wrong.
        form.password.errors.append(_("The e-mail address or password is wrong."))
    return render("auth/login.html", form=form)


def _owing_user():
    """The staff member of this browser who gave their password and owes the second factor."""
    return actions.owed_second_factor(session.get(OWED), session.get("sid"))


def _log_in_again():
    """No password was given in this browser, or its time ran out: back to the login form."""
    owed = session.get(OWED)
    _fresh_cookie()
    if owed:
        flash(_("The time to give the code ran out, or the login was ended. Log in again."), "info")
    return redirect(url_for("auth.login"))


def _finish_login(user):
    """The second factor was given: a new session id, now logged in; where to go next."""
    next_url = session.get("after_login") or home_for(user)
    token = actions.complete_login(session.get("sid"), user)
    _fresh_cookie()
    session["sid"] = token
    login_user(user)
    throttle.second_factor_succeeded(user)
    return safe_next(next_url, home_for(user))


def _code_attempt(user):
    """Count a code before it is checked; the locked page when too many were wrong."""
    attempt = throttle.second_factor_attempt(user)
    if attempt.allowed:
        return None
    return _locked(attempt, _("A wrong code has been given too many times for this account."),
                   offer_reset=False)


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def login_code():
    """Ask staff for the code from their authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    user = _owing_user()
    if user is None:
        return _log_in_again()
    if not second_factor.is_enrolled(user):
        return redirect(url_for("auth.enrol_app"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        if (locked := _code_attempt(user)) is not None:
            return locked
        outcome = second_factor.check(user, form.code.data)
        if outcome in (second_factor.TOTP, second_factor.RECOVERY):
            next_url = _finish_login(user)
            if outcome == second_factor.RECOVERY:
                left = second_factor.recovery_codes_left(user)
                flash(_("You logged in with a recovery code; it cannot be used again. "
                        "%(n)s recovery codes are left. Make new ones under Second factor.", n=left),
                      "info")
            return redirect(next_url)
        current_app.logger.warning("second factor refused (%s) for user %s", outcome, user.id)
        form.code.errors.append(_CODE_MESSAGES[outcome]())
    return render("auth/second_factor.html", form=form, status=400 if form.errors else 200)


_CODE_MESSAGES = {
    second_factor.WRONG: lambda: _("The code is wrong. Type the six digits your app shows now, "
                                   "or one of your recovery codes."),
    second_factor.USED: lambda: _("This code has been used already: each code works once. Wait "
                                  "for the next code in your app (a new one comes every 30 "
                                  "seconds)."),
}


@bp.route("/login/code/new", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def enrol_app():
    """At a staff member's first login: add the portal to an authenticator app, confirm a code."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    user = _owing_user()
    if user is None:
        return _log_in_again()
    if second_factor.is_enrolled(user):
        return redirect(url_for("auth.login_code"))
    secret = second_factor.enrolment(user)
    form = EnrolForm()
    if form.validate_on_submit():
        if (locked := _code_attempt(user)) is not None:
            return locked
        try:
            codes = second_factor.confirm(user, form.code.data)
        except second_factor.SecondFactorError as exc:
            current_app.logger.warning("second factor enrolment refused for user %s", user.id)
            form.code.errors.append(
                _CODE_MESSAGES[second_factor.USED]() if str(exc) == second_factor.USED else
                _("The code is wrong. Check that the clock on your phone is right, and type the "
                  "six digits the app shows now."))
        else:
            next_url = _finish_login(user)
            return render("auth/recovery_codes.html", codes=codes, next_url=next_url,
                          first_time=True)
    # An SVG that segno draws from our own otpauth:// link: no text of a visitor's in it.
    svg = second_factor.qr_svg(user, secret, _("QR code for your authenticator app"))
    qr = Markup(svg)  # nosec B704 # see above
    return render("auth/enrol.html", form=form, qr=qr, secret=second_factor.grouped(secret),
                  email=user.email, issuer=second_factor.ISSUER,
                  status=400 if form.errors else 200)


@bp.route("/account/second-factor", methods=["GET"])
@roles("staff", "admin")
def second_factor_settings():
    """Show a staff member's second factor: recovery codes left, and a way to make new ones."""
    return _second_factor_page(SecondFactorForm())


def _second_factor_page(form):
    return render("auth/second_factor_settings.html", form=form,
                  left=second_factor.recovery_codes_left(current_user),
                  status=400 if form.errors else 200)


@bp.route("/account/second-factor/recovery-codes", methods=["POST"])
@roles("staff", "admin")
def new_recovery_codes():
    """Make ten new recovery codes (after re-authentication, and with a code from the app or a
    recovery code, so that a session taken over cannot make them); the old ones stop working."""
    if not actions.is_fresh(current_user):
        return redirect(url_for("auth.reauth", next=url_for("auth.second_factor_settings")))
    form = SecondFactorForm()
    if form.validate_on_submit():
        if (locked := _code_attempt(current_user)) is not None:
            return locked
        outcome = second_factor.check(current_user, form.code.data)
        if outcome in (second_factor.TOTP, second_factor.RECOVERY):
            codes = second_factor.new_recovery_codes(current_user)
            return render("auth/recovery_codes.html", codes=codes,
                          next_url=home_for(current_user), first_time=False)
        form.code.errors.append(_CODE_MESSAGES[outcome]())
    return _second_factor_page(form)


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
    """Change the password, giving the current one; other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        attempt = throttle.reauth_attempt(current_user)
        if not attempt.allowed:
            return _locked(attempt, _("You have given the wrong password too many times."),
                           offer_reset=False)
        if actions.authenticate(current_user.email, form.current.data) is None:
            form.current.errors.append(_("The password is wrong."))
            return render("auth/change_password.html", form=form, status=400)
        try:
            actions.change_password(current_user, form.password.data)
        except actions.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            user = actions.User.get_by_id(current_user.id)
            # This browser stays in (it gave the second factor already); every other session ended.
            begin_session(user, second_factor_given=user.is_staff)
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
