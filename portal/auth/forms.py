"""Login, registration, password and e-mail forms; addresses checked by the one e-mail rule."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from portal.web.forms import Form, has_letter, nfc, one_line_name, plain_text, strip, valid_email


def _email_field(label, required_message):
    return EmailField(label, filters=[strip], validators=[
        DataRequired(required_message), Length(max=254), valid_email])


class LoginForm(Form):
    # Not checked by the e-mail rule: a login says the same for a malformed and an unknown address.
    email = EmailField(_l("E-mail address"), filters=[strip], validators=[
        DataRequired(_l("Enter your e-mail address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter your password.")), Length(max=256)])
    next = HiddenField()


class RegisterForm(Form):
    name = StringField(_l("Full name"), filters=[strip, nfc], validators=[
        DataRequired(_l("Enter your name.")), Length(max=200), one_line_name, plain_text, has_letter])
    email = _email_field(_l("E-mail address"), _l("Enter your e-mail address."))


class NewPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Choose a password.")), Length(max=256)],
        description=_l("At least 10 characters. A few words with spaces are easy to remember."))


class ChangePasswordForm(NewPasswordForm):
    """A logged-in person's new password: the current one too, so that a session taken over
    (a copied cookie) cannot set one (ASVS 6.2.3)."""
    current = PasswordField(_l("Current password"), validators=[
        DataRequired(_l("Enter your current password.")), Length(max=256)],
        render_kw={"autocomplete": "current-password"})


class ForgotPasswordForm(Form):
    email = _email_field(_l("E-mail address"), _l("Enter your e-mail address."))


class ReauthForm(Form):
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter your password.")), Length(max=256)])
    next = HiddenField()


class EmailChangeForm(Form):
    email = _email_field(_l("New e-mail address"), _l("Enter your new e-mail address."))


class EnrolForm(Form):
    code = StringField(_l("The six digits the app shows"), filters=[strip], validators=[
        DataRequired(_l("Type the six digits the app shows.")), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 32,
                   "spellcheck": "false"})


class SecondFactorForm(Form):
    code = StringField(_l("Code"), filters=[strip], validators=[
        DataRequired(_l("Type the code from your app, or a recovery code.")), Length(max=32)],
        description=_l("The six digits your authenticator app shows now, or one of your "
                       "recovery codes."),
        render_kw={"autocomplete": "one-time-code", "maxlength": 32, "spellcheck": "false",
                   "autocapitalize": "none"})


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=[SelectChoice("staff", _l("Staff")),
                                             SelectChoice("admin", _l("Administrator"))])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.role.errors:
            self.role.errors[:] = [_l("Choose staff or administrator.")]
        return ok
