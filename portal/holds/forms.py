"""Placing and changing a legal hold: a reason, an end in the future, the categories it covers."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.holds import actions
from portal.requests.forms import plain_text_lines
from portal.web.forms import Form, nfc, strip

REASON_MAX = 2000


class HoldForm(Form):
    """A hold's reason (the person sees it), its last day and what it keeps."""
    reason = TextAreaField(_l("Why the data must be kept (the person sees this)"),
                           filters=[strip, nfc], validators=[
                               DataRequired(_l("Write why the data must be kept.")),
                               plain_text_lines,
                               Length(max=REASON_MAX, message=_l(
                                   "Write at most %(max)d characters.", max=REASON_MAX))],
                           render_kw={"rows": 3, "maxlength": REASON_MAX})
    ends_on = DateField(_l("Last day of the hold"), format="%Y-%m-%d", validators=[
        InputRequired(_l("Give the last day of the hold, as YYYY-MM-DD."))])
    categories = SelectMultipleField(
        _l("What it keeps"), choices=[], validate_choice=False,
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories.choices = [SelectChoice(c.key, c.label) for c in actions.holdable()]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        field = self.ends_on
        if field.errors and field.raw_data and field.raw_data[0] and field.data is None:
            field.errors[:] = [_l("Enter the date as YYYY-MM-DD, e.g. 2024-08-15.")]
        return ok

    def validate_ends_on(self, field):
        if field.data is None:
            return
        today = actions.today_in_oslo()
        if field.data <= today:
            raise ValidationError(_l("The last day must be after today."))
        if field.data > actions.latest_end(today):
            raise ValidationError(_l("A hold can last at most ten years."))

    def validate_categories(self, field):
        keys = {c.key for c in actions.holdable()}
        if not field.data:
            raise ValidationError(_l("Choose at least one kind of data to keep."))
        if not set(field.data) <= keys:
            raise ValidationError(_l("Choose from the list."))


class ChangeHoldForm(HoldForm):
    """A change: the hold's step counter as the administrator saw it."""
    version = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=2 ** 31 - 1)])


class EndHoldForm(Form):
    version = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=2 ** 31 - 1)])
