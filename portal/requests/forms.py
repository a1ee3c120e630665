"""Asking (publicly or from the account), proving an address, and the staff steps."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.requests.models import KINDS
from portal.web.forms import Form, has_letter, nfc, one_line_name, plain_text, strip, valid_email

KIND_LABELS = {
    "access": _l("A copy of the data you hold about me (access)"),
    "correction": _l("Correct data about me that is wrong (correction)"),
    "erasure": _l("Delete my data (erasure)"),
    "question": _l("A question about my data"),
}
DETAILS_MAX = 5000


def _details_needed(form, field):
    """A correction says what is wrong and what it should say (in words, or as new values and
    statements); a question says what it asks."""
    corrections = getattr(form, "corrections", None)
    proposed = corrections is not None and corrections.filled
    if form.kind.data == "correction" and not (field.data or "").strip() and not proposed:
        raise ValidationError(_l("Write what is wrong and what it should say instead, or give "
                                 "the new values below."))
    if form.kind.data == "question" and not (field.data or "").strip():
        raise ValidationError(_l("Write your question."))


class AskForm(Form):
    """What a person wants; the kinds are the rights the policy names, plus a question."""
    kind = RadioField(_l("What do you want?"), validate_choice=False, choices=[], validators=[
        InputRequired(_l("Choose what you want.")),
        AnyOf(KINDS, message=_l("Choose what you want."))])
    details = TextAreaField(
        _l("Details"), filters=[strip, nfc], validators=[
            _details_needed, Length(max=DETAILS_MAX, message=_l(
                "Write at most %(max)d characters.", max=DETAILS_MAX))],
        render_kw={"rows": 5, "maxlength": DETAILS_MAX})

    def __init__(self, *args, corrections=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k, label) for k, label in KIND_LABELS.items()]
        self.corrections = corrections  # the new values and statements of a correction

    def validate(self, extra_validators=None):
        """The form, and for a correction its new values and statements too."""
        ok = super().validate(extra_validators)
        if self.kind.data == "correction" and self.corrections is not None:
            ok = self.corrections.validate() and ok
        return ok


class PublicAskForm(AskForm):
    """Asking without an account: who you are and the address the answer goes to."""
    name = StringField(_l("Full name"), filters=[strip, nfc], validators=[
        DataRequired(_l("Enter your name.")),
        Length(max=200, message=_l("The name can be at most 200 characters.")),
        one_line_name, plain_text, has_letter], render_kw={"autocomplete": "name", "maxlength": 200})
    email = EmailField(_l("E-mail address"), filters=[strip], validators=[
        DataRequired(_l("Enter your e-mail address.")), Length(max=254), valid_email],
        render_kw={"autocomplete": "email", "maxlength": 254})
    # A trap for robots: hidden from people, who leave it empty.
    website = StringField(_l("Leave this field empty"), validators=[Optional()],
                          render_kw={"autocomplete": "off", "tabindex": "-1"})

    @property
    def is_robot(self):
        return bool((self.website.data or "").strip())


class AddressForm(Form):
    """The address to send a code to, to see one's requests or download a copy."""
    email = EmailField(_l("E-mail address"), filters=[strip], validators=[
        DataRequired(_l("Enter your e-mail address.")), Length(max=254), valid_email],
        render_kw={"autocomplete": "email", "maxlength": 254})
    next = HiddenField()


# --- Staff --------------------------------------------------------------------------------------

class StepForm(Form):
    """A staff step: the request's step counter as the staff member saw it (a counter outside
    the column's range is no counter the page showed: the request changed)."""
    version = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=2 ** 31 - 1)])


def _reason(message):
    return TextAreaField(_l("Reason (the person sees it)"), filters=[strip, nfc], validators=[
        DataRequired(message), plain_text_lines, Length(max=DETAILS_MAX)],
        render_kw={"rows": 3, "maxlength": DETAILS_MAX})


def plain_text_lines(form, field):
    """Text of several lines, without markup."""
    if "<" in (field.data or "") or ">" in (field.data or ""):
        raise ValidationError(_l("Remove the angle brackets: code and markup are not allowed here."))


class ExtendForm(StepForm):
    months = RadioField(_l("Extend by"), validate_choice=False, choices=[
        SelectChoice("1", _l("One month")), SelectChoice("2", _l("Two months"))], validators=[
        InputRequired(_l("Choose how long to extend by.")),
        AnyOf(("1", "2"), message=_l("Choose how long to extend by."))])
    reason = _reason(_l("Write why more time is needed: the person is told."))


class DenyForm(StepForm):
    reason = _reason(_l("Write why the request is denied: the person is told."))


class DoneForm(StepForm):
    message = TextAreaField(_l("Message to the person (optional)"), filters=[strip, nfc],
                            validators=[Optional(), plain_text_lines, Length(max=DETAILS_MAX)],
                            render_kw={"rows": 3, "maxlength": DETAILS_MAX})

