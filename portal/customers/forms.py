"""Staff forms for customers, their agreements and contact persons, and sharing a candidate.

The organisation number rule lives here (`org_number_problem`): nine digits whose last is the
mod-11 check digit of the first eight, weights 3, 2, 7, 6, 5, 4, 3, 2.
"""
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.candidates.forms import RowForm
from portal.web.forms import (
    Form,
    nfc,
    one_line_name,
    plain_text,
    strip,
    valid_email,
    valid_phone,
)

WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)  # dates an agreement may have
LANGUAGES = (SelectChoice("nb", _l("Norwegian")), SelectChoice("en", _l("English")))


def org_number_problem(value):
    """Why a typed organisation number is not one (a message in the reader's language), or None.

    Spaces are allowed ("974 760 673"); anything else but digits is not."""
    digits = "".join((value or "").split())
    if not digits:
        return _l("Enter the organisation number: nine digits, like 974 760 673.")
    if not digits.isascii() or not digits.isdigit():
        return _l("An organisation number has digits only, like 974 760 673: no letters or "
                  "other characters.")
    if len(digits) != 9:
        return _l("An organisation number has nine digits; this has %(n)s.", n=len(digits))
    remainder = sum(int(d) * w for d, w in zip(digits, WEIGHTS)) % 11
    if remainder == 1:  # the check digit would be 10: no number is given these eight digits
        return _l("This is not an organisation number: no number begins with these eight "
                  "digits. Check it in the Brønnøysund Register Centre.")
    if (11 - remainder) % 11 != int(digits[8]):
        return _l("This organisation number does not add up: its last digit (the check digit) "
                  "is wrong. Check it in the Brønnøysund Register Centre.")
    return None


def org_number(form, field):
    problem = org_number_problem(field.data)
    if problem:
        raise ValidationError(problem)
    field.data = "".join(field.data.split())


def agreement_date(form, field):
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Enter a date between 2000 and 2099."))


def _date(label, required):
    message = _l("Enter the date as YYYY-MM-DD, e.g. 2024-08-15.")
    return DateField(label, format="%Y-%m-%d", validators=[
        DataRequired(message) if required else Optional(), agreement_date])


def _name(label, message, description=None):
    return StringField(label, filters=[strip, nfc], description=description, validators=[
        DataRequired(message), Length(max=200, message=_l("Write at most 200 characters.")),
        plain_text, one_line_name])


def ends_after_start(form, field):
    if field.data and form.starts_on.data and field.data < form.starts_on.data:
        raise ValidationError(_l("The agreement cannot end before it starts."))


class CustomerForm(RowForm):
    """A new customer, with its first agreement: a customer is a business we have one with."""
    name = StringField(_l("Name of the business"), filters=[strip, nfc], validators=[
        DataRequired(_l("Enter the name of the business.")),
        Length(max=200, message=_l("Write at most 200 characters.")), plain_text])
    org_number = StringField(_l("Organisation number"), filters=[strip], validators=[org_number],
                             render_kw={"inputmode": "numeric", "autocomplete": "off"},
                             description=_l("Nine digits, as in the Brønnøysund Register Centre."))
    starts_on = _date(_l("The agreement starts"), True)
    ends_on = _date(_l("The agreement ends (its last day)"), True)
    signed_by = _name(_l("Signed for the business by"),
                      _l("Enter the name of whoever signed the agreement."),
                      _l("Kept with the agreement for ten years after the last one ends."))

    def validate_ends_on(self, field):
        ends_after_start(self, field)


class AgreementDates(RowForm):
    """Start and end of an agreement: the end on or after the start."""
    starts_on = _date(_l("Starts"), True)
    ends_on = _date(_l("Ends (last day)"), True)

    def validate_ends_on(self, field):
        ends_after_start(self, field)


class AgreementForm(AgreementDates):
    """Another agreement with a customer; `signer` is one of its contact persons, or nobody."""
    signed_by = _name(_l("Signed for the business by"),
                      _l("Enter the name of whoever signed the agreement."))
    signer = SelectField(_l("Signed by this contact person"), coerce=str, validate_choice=False)

    def validate_signer(self, field):
        if field.data and field.data not in {c.value for c in self.signer.choices}:
            raise ValidationError(_l("Choose one of the options."))

    def offer(self, contacts):
        self.signer.choices = [SelectChoice("", _l("Not one of the contact persons"))] + [
            SelectChoice(str(c.id), c.name) for c in contacts]
        return self


class AgreementEndForm(AgreementDates):
    """Change an agreement's dates: end it early, or extend it."""


class ContactForm(RowForm):
    name = _name(_l("Name"), _l("Enter the contact person's name."))
    title = StringField(_l("Role at the business"), filters=[strip, nfc], validators=[
        Length(max=200, message=_l("Write at most 200 characters.")), plain_text])
    email = StringField(_l("E-mail address"), filters=[strip], validators=[
        Optional(), Length(max=254), valid_email],
        render_kw={"type": "email", "autocomplete": "off"},
        description=_l("Shared candidates are sent here, and the codes that open them."))
    phone = StringField(_l("Phone number"), filters=[strip], validators=[Optional(), valid_phone],
                        render_kw={"type": "tel", "autocomplete": "off"})
    locale = SelectField(_l("Language of our e-mails"), choices=LANGUAGES)

    def values(self):
        return {"name": self.name.data, "title": self.title.data or "",
                "email": self.email.data or "", "phone": self.phone.data or "",
                "locale": self.locale.data}


class MultiCheckboxField(SelectMultipleField):
    """Several choices, one checkbox each; an unknown value gets our message, not WTForms'."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        pass  # the form says which values are wrong, and why


class ShareForm(Form):
    """Share a candidate: with which contact person (of a customer with an agreement in force),
    which catalog categories and which documents. What is offered comes from `offer`."""
    contact = SelectField(_l("Share with"), coerce=str, validate_choice=False,
                          validators=[DataRequired(_l("Choose whom to share with."))])
    categories = MultiCheckboxField(_l("What to share"), coerce=str)
    documents = MultiCheckboxField(_l("Documents to share"), coerce=str)

    def offer(self, contacts, categories, documents):
        """`contacts`: [(id, label)]; `categories`: [(key, label)]; `documents`: [(id, label)]."""
        self.contact.choices = [SelectChoice("", _l("Choose a contact person"))] + [
            SelectChoice(str(i), label) for i, label in contacts]
        self.categories.choices = [(k, label) for k, label in categories]
        self.documents.choices = [(str(i), label) for i, label in documents]
        return self

    def validate_contact(self, field):
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(_l("Choose one of the contact persons offered: they work for "
                                     "a customer with an agreement in force and have an "
                                     "e-mail address."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not (self.categories.data or self.documents.data):
            self.categories.errors = list(self.categories.errors) + [
                _l("Choose at least one thing to share.")]
            ok = False
        return ok

    def chosen(self):
        """(contact id, [category keys], [document ids]) as typed; the rules are in actions."""
        documents = []
        for value in self.documents.data or ():
            documents.append(int(value) if value.isascii() and value.isdigit() and len(value) < 10
                             else -1)
        return int(self.contact.data), list(self.categories.data or ()), documents
