"""Profile forms: one per section, each edits one row. Unknown fields (role, person_id) are ignored."""
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.booking.forms import PERSONAL_FIELDS, country_choices
from portal.candidates.models import CEFR_LEVELS
from portal.web.forms import Form, one_line_name, strip, valid_email, valid_phone

EARLIEST = date(1900, 1, 1)
LATEST_PLANNED = date(2100, 12, 31)

MARITAL_STATUSES = (
    SelectChoice("", _l("Not stated")),
    SelectChoice("single", _l("Single")),
    SelectChoice("married", _l("Married or registered partner")),
    SelectChoice("cohabiting", _l("Cohabiting")),
    SelectChoice("separated", _l("Separated")),
    SelectChoice("divorced", _l("Divorced")),
    SelectChoice("widowed", _l("Widowed")),
)
GENDERS = (
    SelectChoice("", _l("Not stated")),
    SelectChoice("female", _l("Woman")),
    SelectChoice("male", _l("Man")),
    SelectChoice("other", _l("Other")),
)
LEVELS = tuple(SelectChoice(lvl, lvl) for lvl in CEFR_LEVELS)


def choice_labels(field):
    """{value: label} of a select field."""
    labels = {}
    for choice in getattr(field, "choices", None) or ():
        value, label = choice[:2] if isinstance(choice, tuple) else (choice.value, choice.label)
        labels[value] = label
    return labels


def _date_field(label, **kw):
    return DateField(label, validators=[Optional()], format="%Y-%m-%d", **kw)


def in_past(form, field):
    """A date that has happened: not in the future and not before 1900."""
    if field.data is None:
        return
    if field.data > date.today():
        raise ValidationError(_l("The date cannot be in the future."))
    if field.data < EARLIEST:
        raise ValidationError(_l("The date cannot be before 1900."))


def plausible(form, field):
    """A date between 1900 and 2100, for dates that may lie ahead."""
    if field.data is not None and not EARLIEST <= field.data <= LATEST_PLANNED:
        raise ValidationError(_l("Enter a date between 1900 and 2100."))


class RowForm(Form):
    """A profile row form; WTForms' own parse messages are replaced by ours (nb and en)."""

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for field in self:
            unparsed = field.errors and field.raw_data and field.raw_data[0] and field.data is None
            if unparsed and isinstance(field, DateField):
                field.errors[:] = [_l("Enter the date as YYYY-MM-DD, e.g. 2024-08-15.")]
            elif unparsed and isinstance(field, IntegerField):
                field.errors[:] = [_l("Enter a whole number without spaces or letters.")]
            elif field.errors and isinstance(field, SelectField) and field.data not in choice_labels(field):
                field.errors[:] = [_l("Choose one of the options.")]
        return ok


class PersonalForm(RowForm):
    birth_date = _date_field(_l("Date of birth"))
    marital_status = SelectField(_l("Marital status"), choices=MARITAL_STATUSES)
    gender = SelectField(_l("Gender"), choices=GENDERS)
    nationality = StringField(_l("Nationality"), validators=[Length(max=100)])

    def validate_birth_date(self, field):
        in_past(self, field)


class AvailabilityForm(RowForm):
    available_from = _date_field(_l("Available from"))
    availability = StringField(_l("Availability"), validators=[Length(max=200)],
                               description=_l("For example full time, part time, evenings."))
    salary_expectation = IntegerField(
        _l("Salary expectation (NOK per year)"),
        validators=[Optional(), NumberRange(min=0, max=10_000_000,
                                            message=_l("Enter an amount between 0 and 10 000 000."))])

    def validate_available_from(self, field):
        plausible(self, field)


class WorkExperienceForm(RowForm):
    employer = StringField(_l("Employer"), validators=[
        DataRequired(_l("Enter the employer.")), Length(max=200)])
    title = StringField(_l("Job title"), validators=[
        DataRequired(_l("Enter the job title.")), Length(max=200)])
    started_on = _date_field(_l("Started"))
    ended_on = _date_field(_l("Ended"))
    description = TextAreaField(_l("What you did"), validators=[Length(max=4000)])

    def validate_started_on(self, field):
        in_past(self, field)

    def validate_ended_on(self, field):
        plausible(self, field)
        if field.data and self.started_on.data and field.data < self.started_on.data:
            raise ValidationError(_l("The end cannot be before the start."))


class ReferenceForm(RowForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Enter the reference's name.")), Length(max=200), one_line_name])
    relation = StringField(_l("How you know each other"), validators=[Length(max=200)])
    email = EmailField(_l("E-mail address"), filters=[strip], validators=[
        Optional(), Length(max=254), valid_email])
    phone = StringField(_l("Phone number"), filters=[strip], validators=[
        Optional(), Length(max=32), valid_phone])


class QualificationForm(RowForm):
    title = StringField(_l("Qualification"), validators=[
        DataRequired(_l("Enter the qualification.")), Length(max=200)])
    institution = StringField(_l("School or institution"), validators=[Length(max=200)])
    completed_on = _date_field(_l("Completed"))

    def validate_completed_on(self, field):
        in_past(self, field)


class CertificateForm(RowForm):
    title = StringField(_l("Certificate"), validators=[
        DataRequired(_l("Enter the certificate.")), Length(max=200)])
    issuer = StringField(_l("Issued by"), validators=[Length(max=200)])
    valid_until = _date_field(_l("Valid until"))

    def validate_valid_until(self, field):
        plausible(self, field)


class LanguageSkillForm(RowForm):
    language = StringField(_l("Language"), validators=[
        DataRequired(_l("Enter the language.")), Length(max=100)])
    level = SelectField(_l("Level (CEFR)"), choices=LEVELS,
                        description=_l("A1 is a beginner, C2 is like a native speaker."))


class JobNoteForm(RowForm):
    job = StringField(_l("Job or position"), validators=[
        DataRequired(_l("Enter the job this is about.")), Length(max=200)])
    text = TextAreaField(_l("Information"), validators=[
        DataRequired(_l("Write what we should know.")), Length(max=4000)])


# The contact details a person corrects on the profile: the booking form's fields and rules.
# Only the name is required (someone who registered gave no address or phone), and an address
# is given whole or not at all. The e-mail address changes only through a proven address.
CONTACT_COLUMNS = ("name", "street", "postal_code", "place", "country", "phone")
ADDRESS_COLUMNS = ("street", "postal_code", "place")


class ContactForm(Form):
    """Correct one's own name, address and phone number."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if any(self[c].data for c in ADDRESS_COLUMNS):
            for column in ADDRESS_COLUMNS:
                if not self[column].data and not self[column].errors:
                    self[column].errors.append(_l(
                        "Give the whole address (street address, postal code and place), or "
                        "leave all three empty."))
                    ok = False
        return ok

    def changes(self):
        """{column: value} as typed and normalised (phone numbers in E.164)."""
        return {c: self[c].data or "" for c in CONTACT_COLUMNS}


for _column in CONTACT_COLUMNS:
    setattr(ContactForm, _column, PERSONAL_FIELDS[_column](required=_column == "name"))
