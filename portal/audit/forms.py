"""The audit log's filters: read from the query string, every value checked."""
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, SelectChoice, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from portal.web.forms import Form

ROLE_LABELS = {"anonymous": _l("Visitor (not logged in)"), "candidate": _l("Candidate"),
               "staff": _l("Staff"), "admin": _l("Administrator")}
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _in_range(form, field):
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Give a date between 2000 and 2100."))


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET form that changes nothing

    action = SelectField(_l("Action"), choices=[SelectChoice("", _l("Any action"))], default="")
    person = IntegerField(_l("Person id"), validators=[Optional(), NumberRange(
        min=1, max=2**31 - 1, message=_l("Give a person id: a whole number from 1."))])
    actor = IntegerField(_l("User id of who acted"), validators=[Optional(), NumberRange(
        min=1, max=2**31 - 1, message=_l("Give a user id: a whole number from 1."))])
    role = SelectField(_l("Who acted"), default="",
                       choices=[SelectChoice("", _l("Anyone"))]
                       + [SelectChoice(k, v) for k, v in ROLE_LABELS.items()])
    since = DateField(_l("From date"), validators=[Optional(), _in_range], format="%Y-%m-%d")
    until = DateField(_l("To date"), validators=[Optional(), _in_range], format="%Y-%m-%d")
    before = HiddenField()

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The to date must not be before the from date."))

    def validate(self, extra_validators=None):
        """WTForms' own parse messages are replaced by ours (nb and en)."""
        ok = super().validate(extra_validators)
        for field in self:
            unparsed = field.errors and field.raw_data and field.raw_data[0] and field.data is None
            if unparsed and isinstance(field, DateField):
                field.errors[:] = [_l("Give the date as YYYY-MM-DD, e.g. 2026-11-25.")]
            elif unparsed and field is self.person:
                field.errors[:] = [_l("Give a person id: a whole number from 1.")]
            elif unparsed and field is self.actor:
                field.errors[:] = [_l("Give a user id: a whole number from 1.")]
            elif field.errors and isinstance(field, SelectField):
                field.errors[:] = [_l("Choose one of the options.")]
        return ok

    def before_id(self):
        """The id to page back from (keyset paging), or None for the newest events."""
        value = (self.before.data or "").strip()
        return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 2**63 else None
