from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.booking.forms import one_line_name


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Enter your e-mail address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter your password.")), Length(max=256)])
    next = HiddenField()


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that POST."""


class RegisterForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[
        DataRequired(_l("Enter your name.")), Length(max=200), one_line_name])
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Enter your e-mail address.")), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Choose a password.")), Length(max=256)],
        description=_l("At least 10 characters. A few words with spaces are easy to remember."))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Enter your e-mail address.")), Length(max=254)])


class ReauthForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter your password.")), Length(max=256)])
    next = HiddenField()


class EmailChangeForm(FlaskForm):
    email = EmailField(_l("New e-mail address"), validators=[
        DataRequired(_l("Enter your new e-mail address.")), Length(max=254)])
