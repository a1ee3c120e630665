"""What staff write about a candidate: evaluations, and availability and salary as noted."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
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

from portal.candidates.forms import RowForm, in_past, plausible
from portal.staff.record import EVALUATION_KINDS
from portal.staff.sections import QueueProblem
from portal.web.forms import Form, nfc, plain_text, strip


def _seen(value):
    """The version of a row the form was filled in from (its updated_at), or None."""
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


class EntryForm(RowForm):
    """A staff entry: `seen` is the version the form was filled in from (two staff at once),
    `why` the purpose the record was opened for (to return to it)."""
    seen = HiddenField()
    why = HiddenField()

    @property
    def seen_version(self):
        return _seen(self.seen.data)

    def values(self):
        """The entry's columns and their new values."""
        return {f.short_name: f.data for f in self
                if f.type not in ("HiddenField", "CSRFTokenField")}


class EvaluationForm(EntryForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in EVALUATION_KINDS.items()])
    held_on = DateField(_l("Date"), format="%Y-%m-%d",
                        validators=[InputRequired(_l("Enter the date of the evaluation."))])
    summary = TextAreaField(_l("Summary"), filters=[strip, nfc], validators=[
        Length(max=4000, message=_l("Write at most 4000 characters."))])
    result = TextAreaField(_l("Result"), filters=[strip, nfc], validators=[
        DataRequired(_l("Write the result.")),
        Length(max=4000, message=_l("Write at most 4000 characters."))])

    def validate_held_on(self, field):
        in_past(self, field)


class NotedAvailabilityForm(EntryForm):
    available_from = DateField(_l("Available from"), format="%Y-%m-%d", validators=[Optional()])
    availability = StringField(_l("Availability"), filters=[strip, nfc], validators=[
        Length(max=200, message=_l("Write at most 200 characters.")), plain_text],
        description=_l("As the candidate told you: full time, part time, evenings ..."))
    salary = IntegerField(_l("Salary (NOK per year)"), validators=[
        Optional(), NumberRange(min=0, max=10_000_000,
                                message=_l("Enter an amount between 0 and 10 000 000."))])

    def validate_available_from(self, field):
        plausible(self, field)


class QueueFilterForm(Form):
    """The staff queue's filters (a GET form: no CSRF token, nothing changes). Values come from
    the address, so each is checked against what the queue knows."""
    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    assignee = SelectField(_l("Assigned to"), validate_choice=False)

    def __init__(self, *args, sections=(), staff=(), current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = list(sections)
        self.kind.choices = [("", _l("Everything"))] + [(s.kind, s.title) for s in self.sections]
        # Statuses by kind, each once (kinds that share one, share its filter).
        self.status_groups, seen = [], set()
        for s in self.sections:
            fresh = [(k, v) for k, v in s.statuses.items() if k not in seen]
            seen.update(k for k, _v in fresh)
            if fresh:
                self.status_groups.append((s.title, fresh))
        self.status.choices = [("", _l("Any status"))] + [c for _t, g in self.status_groups
                                                          for c in g]
        self.assignee.choices = [("", _l("Anyone or nobody")), ("me", _l("Me")),
                                 ("nobody", _l("Nobody"))] + [
            (str(i), email) for i, email, active in staff if active or str(i) == current]

    def _known(self, field, code):
        if field.data and field.data not in [c[0] for c in field.choices[1:]]:
            field.data = ""  # not shown back: it may be 10 000 characters of anything
            raise ValidationError(QueueProblem(code).message)

    def validate_kind(self, field):
        self._known(field, "kind")

    def validate_status(self, field):
        self._known(field, "status")

    def validate_assignee(self, field):
        self._known(field, "assignee")


class AssignForm(Form):
    """"Assign to me" or "unassign" on a queue item: the item's version as the staff member saw
    it, and the page of the queue to return to without JavaScript."""
    version = IntegerField(validators=[InputRequired()])
    to = HiddenField(validators=[AnyOf(("me", "nobody"))])
    back = HiddenField()
