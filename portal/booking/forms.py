"""The public booking form, derived from the catalog, and the staff availability forms."""
import re
from datetime import date
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TimeField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

from portal import catalog
from portal.booking.models import KIND_LABELS, KINDS, PLACE_LABELS, PLACES
from portal.web.formats import countries, is_country
from portal.web.forms import Form, has_letter, nfc, one_line_name, plain_text, strip, valid_email, valid_phone


def valid_postal_code(form, field):
    """Four digits in Norway; a short code of letters, digits, spaces or dashes elsewhere."""
    country = form.country.data if hasattr(form, "country") else "NO"
    value = field.data or ""
    if country == "NO":
        if not re.fullmatch(r"[0-9]{4}", value):
            raise ValidationError(_l("A Norwegian postal code has four digits, like 0155."))
    elif not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 -]{1,11}", value):
        raise ValidationError(_l("Enter the postal code as written in your address."))


def country_choices():
    """Every country by its two-letter code, named in the page's language: Norway and the
    Nordic countries first, then A to Z."""
    return [SelectChoice(code, name) for code, name in countries()]


def _given(required, message):
    """DataRequired, or for a field that may be left empty (a correction on the profile) Optional."""
    return DataRequired(message) if required else Optional()


def _name(required=True):
    return StringField(_l("Full name"), filters=[strip, nfc], validators=[
        _given(required, _l("Enter your name.")),
        Length(max=200, message=_l("The name can be at most 200 characters.")),
        one_line_name, plain_text, has_letter], render_kw={"autocomplete": "name", "maxlength": 200})


def _street(required=True):
    return StringField(_l("Street address"), filters=[strip, nfc], validators=[
        _given(required, _l("Enter your street address.")),
        Length(max=200, message=_l("The street address can be at most 200 characters.")),
        plain_text], render_kw={"autocomplete": "address-line1", "maxlength": 200})


def _postal_code(required=True):
    return StringField(_l("Postal code"), filters=[strip], validators=[
        _given(required, _l("Enter your postal code.")),
        Length(max=12, message=_l("The postal code can be at most 12 characters.")),
        plain_text, valid_postal_code],
        render_kw={"autocomplete": "postal-code", "maxlength": 12})


def _place(required=True):
    return StringField(_l("Place"), filters=[strip, nfc], validators=[
        _given(required, _l("Enter the place (town or city) of your address.")),
        Length(max=100, message=_l("The place can be at most 100 characters.")),
        plain_text], render_kw={"autocomplete": "address-level2", "maxlength": 100})


def _country(required=True):
    return SelectField(_l("Country"), default="NO", choices=[], validate_choice=False,
                       validators=[InputRequired(_l("Choose a country.")), plain_text,
                                   _known_country], render_kw={"autocomplete": "country", "required": False})


def _known_country(form, field):
    if not is_country(field.data):
        raise ValidationError(_l("Choose a country from the list."))


def _email(required=True):
    return EmailField(_l("E-mail address"), filters=[strip], validators=[
        _given(required, _l("Enter your e-mail address.")),
        Length(max=254, message=_l("The e-mail address can be at most 254 characters.")),
        plain_text, valid_email], render_kw={"autocomplete": "email", "maxlength": 254})


def _phone(required=True):
    return TelField(_l("Phone"), filters=[strip], validators=[
        _given(required, _l("Enter your phone number.")),
        Length(max=32, message=_l("The phone number can be at most 32 characters.")),
        plain_text, valid_phone], render_kw={"autocomplete": "tel", "maxlength": 32})


# One field definition per booking-stage column of Person. The form is built from the catalog,
# so a column the catalog adds without a definition here fails at import, and nothing the
# catalog does not list can be asked for. The profile's correction form uses the same rules
# (`required=False` for what may be left empty; the country always has a value).
PERSONAL_FIELDS = {"name": _name, "street": _street, "postal_code": _postal_code, "place": _place,
                   "country": _country, "email": _email, "phone": _phone}
NOT_PERSONAL_FIELDS = ("csrf_token", "slot", "kind", "meeting_place", "website")


class SlotForm(Form):
    """Choosing a time (used alone when a booking is moved)."""

    slot = StringField(_l("Time"), filters=[strip], validators=[
        DataRequired(_l("Choose a time.")), Length(max=40, message=_l("Choose a time from the list."))])


class BookingForm(SlotForm):
    """Book a first meeting: the time, what kind, where, and booking-stage details only."""
    kind = RadioField(_l("What would you like?"), default="conversation", validate_choice=False,
                      choices=[], validators=[
                          InputRequired(_l("Choose what kind of meeting you want.")),
                          AnyOf(KINDS, message=_l("Choose what kind of meeting you want."))])
    meeting_place = RadioField(_l("Where?"), default="office", validate_choice=False,
                               choices=[], validators=[
                                   InputRequired(_l("Choose where to meet.")),
                                   AnyOf(PLACES, message=_l("Choose where to meet."))])
    # A trap for robots: hidden from people, who leave it empty.
    website = StringField(_l("Leave this field empty"), validators=[Optional()],
                          render_kw={"autocomplete": "off", "tabindex": "-1"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k, label) for k, label in KIND_LABELS.items()]
        self.meeting_place.choices = [SelectChoice(k, label) for k, label in PLACE_LABELS.items()]
        self.country.choices = country_choices()

    @property
    def is_robot(self):
        return bool((self.website.data or "").strip())

    def details(self):
        """The booking-stage details as typed (and normalised)."""
        return {c: getattr(self, c).data for c in catalog.columns_of("Person", catalog.BOOKING)}


for _column in catalog.columns_of("Person", catalog.BOOKING):
    setattr(BookingForm, _column, PERSONAL_FIELDS[_column]())


def video_address(form, field):
    """The whole https address of a video room: shown to people and put in calendar events."""
    value = field.data or ""
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if (len(value) > 500 or parts is None or parts.scheme != "https" or not parts.hostname
            or "." not in parts.hostname or any(c.isspace() for c in value)):
        raise ValidationError(_l("Enter the whole address of the video room, starting with "
                                 "https://."))


class ConsultantForm(Form):
    name = StringField(_l("Name"), filters=[strip], validators=[
        DataRequired(_l("Enter the consultant's name.")), Length(max=200), one_line_name,
        plain_text])
    email = EmailField(_l("E-mail address"), filters=[strip], validators=[
        DataRequired(_l("Enter the consultant's e-mail address.")), Length(max=254), plain_text,
        valid_email])
    video_url = StringField(_l("Video link (optional)"), filters=[strip], validators=[
        Optional(), video_address])


WEEKDAY_LABELS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
                  _l("Saturday"), _l("Sunday"))


def _ends_after_starts(form, field):
    if form.starts.data and field.data and field.data <= form.starts.data:
        raise ValidationError(_l("The end must be after the start."))


class WeeklyHoursForm(Form):
    weekday = SelectField(_l("Weekday"), coerce=int,
                          choices=[SelectChoice(n, label) for n, label in enumerate(WEEKDAY_LABELS)],
                          validate_choice=True)
    starts = TimeField(_l("From"), validators=[InputRequired(_l("Enter a start time."))])
    ends = TimeField(_l("To"), validators=[InputRequired(_l("Enter an end time.")),
                                            _ends_after_starts])


class ExceptionForm(Form):
    on = DateField(_l("Date"), validators=[InputRequired(_l("Enter a date."))])
    kind = SelectField(_l("Kind"), choices=[SelectChoice("off", _l("Off")),
                                            SelectChoice("extra", _l("Extra hours"))])
    starts = TimeField(_l("From"), validators=[Optional()])
    ends = TimeField(_l("To"), validators=[Optional(), _ends_after_starts])

    def validate_kind(self, field):
        if field.data == "extra" and not (self.starts.data and self.ends.data):
            raise ValidationError(_l("Extra hours need a start and an end time."))
        if bool(self.starts.data) != bool(self.ends.data):
            raise ValidationError(_l("Give both a start and an end time, or neither for the whole day."))


def _id_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return -1  # no consultant has it: refused by validate_consultant


def _plausible(field):
    # Oslo midnight of 0001-01-01 in UTC, or of the day after 9999-12-31, is no date Python has.
    if field.data is not None and not date(1900, 1, 1) <= field.data <= date(2100, 12, 31):
        raise ValidationError(_l("Enter a date between 1900 and 2100."))


class PastBookingsForm(Form):
    """The filters of the past bookings list (a GET form: no CSRF token, nothing changes)."""
    class Meta:
        csrf = False

    consultant = SelectField(_l("Consultant"), coerce=_id_or_none, validate_choice=False)
    on_or_after = DateField(_l("From"), validators=[Optional()])
    on_or_before = DateField(_l("To"), validators=[Optional()])
    status = SelectField(_l("Status"), validate_choice=False)
    before = HiddenField()

    def __init__(self, *args, consultants=(), statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.consultant.choices = [("", _l("Every consultant"))] + [
            (c.id, c.name) for c in consultants]
        self.status.choices = [("", _l("Any status"))] + list(statuses)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for field in (self.on_or_after, self.on_or_before):
            if field.errors and field.raw_data and field.raw_data[0] and field.data is None:
                field.errors[:] = [_l("Enter the date as YYYY-MM-DD, e.g. 2024-08-15.")]
        return ok

    def validate_consultant(self, field):
        if field.data is not None and field.data not in [c for c, _ in field.choices[1:]]:
            raise ValidationError(_l("Choose a consultant from the list."))

    def validate_status(self, field):
        if field.data and field.data not in [s for s, _ in field.choices[1:]]:
            raise ValidationError(_l("Choose a status from the list."))

    def validate_on_or_after(self, field):
        _plausible(field)

    def before_id(self):
        """The booking id to page on from (keyset paging), or None for the first page: a
        broken or tampered link (past 64 bits, a 500 on SQLite) starts again from the top."""
        value = (self.before.data or "").strip()
        return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 2**63 else None

    def validate_on_or_before(self, field):
        _plausible(field)
        if field.data and self.on_or_after.data and field.data < self.on_or_after.data:
            raise ValidationError(_l("The end date must be on or after the start date."))
