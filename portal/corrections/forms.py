"""The correction part of the request forms, and staff's decision on each proposed value.

`CorrectionInput` shows one input per field a person may propose a value for, as the field's own
form renders it (named `<Model>-<column>`; a select gets a "no change" choice first), and one
statement box per evaluation of the person (account only). It checks values with the fields'
own forms (`corrections.actions.check`): the same rules and messages as the profile.
"""
import re
import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice, SelectField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.corrections import actions
from portal.people import registry
from portal.requests.forms import plain_text_lines
from portal.web.forms import Form, nfc, strip

STATEMENT_MAX = 4000
REASON_MAX = 2000
_TARGET = re.compile(r"^([A-Z][A-Za-z]+)-([a-z_]+)$")
_STATEMENT = re.compile(r"^statement-(\d+)-text$")


class StatementForm(Form):
    """The person's statement beside one evaluation."""

    class Meta:
        csrf = False  # part of the request form, which has its own token

    text = TextAreaField(_l("Your statement"), filters=[strip, nfc], validators=[
        plain_text_lines, Length(max=STATEMENT_MAX, message=_l(
            "Write at most %(max)d characters.", max=STATEMENT_MAX))],
        render_kw={"rows": 3, "maxlength": STATEMENT_MAX})


class CorrectionInput:
    """What a correction proposes: new values and, from the account, statements."""

    def __init__(self, fields, formdata=None, person=None, evaluations=(), self_service=()):
        self.fields = fields                  # [actions.Field] offered
        self.person = person                  # known from the account; None on the public page
        self.formdata = formdata if formdata is not None else {}
        self.self_service = self_service      # fields the person changes on their profile
        self.values, self.errors, self.problems = {}, {}, []
        self.bound = self._bind()
        self.statements = [(ev, StatementForm(formdata=formdata or None, prefix=f"statement-{ev.id}-"))
                           for ev in evaluations]
        self.statement_texts = {}

    def _typed(self, f):
        value = self.formdata.get(f.input_name, "") if self.formdata else ""
        return value.strip() if isinstance(value, str) else ""

    def _bind(self):
        """{key: bound field} rendered by the fields' own forms, showing what was typed."""
        forms, bound = {}, {}
        for f in self.fields:
            if f.form not in forms:
                forms[f.form] = f.form(formdata=None, prefix=f"{f.holding.name}-",
                                       meta={"csrf": False})
            field = forms[f.form][f.column]
            typed = self._typed(f)
            field.process_errors = []
            if isinstance(field, SelectField):
                field.choices = [SelectChoice("", _l("No change"))] + [
                    c if isinstance(c, SelectChoice) else SelectChoice(*c[:2])
                    for c in field.choices
                    if (c.value if isinstance(c, SelectChoice) else c[0]) != ""]
                field.data = typed
            else:  # shown back as typed: text fields from data, dates and numbers from raw
                field.raw_data = [typed] if typed else []
                field.data = typed if isinstance(field, StringField) else None
            bound[f.key] = field
        return bound

    def groups(self):
        """[(Category, [(Field, bound field)])] to render, in catalog order."""
        return [(category, [(f, self.bound[f.key]) for f in found])
                for category, found in actions.by_category(self.fields)]

    @property
    def filled(self):
        """Whether anything was proposed or stated."""
        return any(self._typed(f) for f in self.fields) or any(
            (form.text.data or "").strip() for _, form in self.statements) or bool(
            self._refused_inputs())

    def _refused_inputs(self):
        """Posted inputs naming a field that a correction here may not change."""
        offered = {f.input_name for f in self.fields}
        names = {h.name for h in registry.row_holdings()}
        own = {ev.id for ev, _ in self.statements}
        refused = []
        for name, value in (self.formdata.items() if self.formdata else ()):
            if not isinstance(value, str) or not value.strip() or name in offered:
                continue
            target, statement = _TARGET.match(name), _STATEMENT.match(name)
            if target and target.group(1) in names:
                refused.append(f"{target.group(1)}.{target.group(2)}")
            elif statement and int(statement.group(1)) not in own:
                refused.append("statement")
        return refused

    def validate(self):
        """Check every value with its field's own form, and the statements; False on errors."""
        ok = True
        refused = self._refused_inputs()
        if "statement" in refused:
            self.problems.append(str(registry.NotRectifiable(_l("This is not yours to change."))
                                     .message))
            refused = [r for r in refused if r != "statement"]
            ok = False
        if refused:
            mine = {f.key: f for f in self.self_service}
            own = [mine[k].label for k in refused if k in mine]
            other = [k for k in refused if k not in mine]
            if own:
                self.problems.append(str(_l(
                    "You correct this yourself on your profile page: %(fields)s.",
                    fields=", ".join(str(label) for label in own))))
            if other:
                self.problems.append(str(_l(
                    "This cannot be changed by a correction: %(fields)s. Write in the comment "
                    "what is wrong; an e-mail address is changed by confirming the new one.",
                    fields=", ".join(other))))
            ok = False
        typed = {f: self._typed(f) for f in self.fields if self._typed(f)}
        self.values, self.errors = actions.check(typed, self.person)
        for key, messages in self.errors.items():
            self.bound[key].errors = messages
            ok = False
        for ev, form in self.statements:
            if not form.validate():
                ok = False
            elif (form.text.data or "").strip():
                self.statement_texts[ev.id] = form.text.data.strip()
        return ok

    def error_list(self):
        """(anchor id, message) of every error, for the summary at the top of the page."""
        found = [(None, p) for p in self.problems]
        for f in self.fields:
            for message in self.bound[f.key].errors or ():
                found.append((self.bound[f.key].id, f"{f.label}: {message}"))
        for _ev, form in self.statements:
            for message in form.text.errors:
                found.append((form.text.id, message))
        return found


# --- Staff decide each value ------------------------------------------------------------------

DECISION_CHOICES = (actions.ACCEPTED, actions.REFUSED)


class DecisionForm(Form):
    """The request's step counter and an optional message; decisions are read per value."""
    version = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=2 ** 31 - 1)])
    message = TextAreaField(_l("Message to the person (optional)"), filters=[strip, nfc],
                            validators=[Optional(), plain_text_lines, Length(max=5000)],
                            render_kw={"rows": 3, "maxlength": 5000})

    def decisions(self, outcomes, formdata):
        """{proposed value id: (decision, reason)} as posted, and {id: [message]} of reasons
        that break the text rules."""
        found, errors = {}, {}
        for o in outcomes:
            if o.decision != actions.PENDING:
                continue
            decision = formdata.get(f"decision-{o.id}", "")
            reason = (formdata.get(f"reason-{o.id}", "") or "").strip()
            problem = _reason_problem(reason)
            if problem:
                errors[o.id] = [problem]
            found[o.id] = (decision if decision in DECISION_CHOICES else None, reason)
        return found, errors


def _reason_problem(reason):
    if len(reason) > REASON_MAX:
        return str(_l("Write at most %(max)d characters.", max=REASON_MAX))
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\r\t" for c in reason):
        return str(_l("Remove the invisible control characters."))
    if "<" in reason or ">" in reason:
        return str(_l("Remove the angle brackets: code and markup are not allowed here."))
    return None
