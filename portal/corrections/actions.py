"""Corrections (GDPR art. 16): new values a person proposes, a statement beside what staff
wrote, and staff's decision on each value. Views call these.

What may be proposed is read from the registry: the columns a holding lets a correction change
(`rectify`) on rows a person has one of (their contact details, their profile, availability
and salary as staff noted them). Someone without an account may propose any of them; a
logged-in candidate corrects their own contact details and profile on the profile page, so
their account offers what they cannot change themselves (what staff noted). What staff wrote
in an evaluation is never replaced: the person adds a statement, kept beside it.

A proposed value is checked by the very form (its rules and messages) the profile or the staff
workspace edits that column with, when it is proposed and again when staff accept it (the
person's data may have changed meanwhile). Accepted values are applied through the registry's
`rectify()` (by "request"); whom they were passed on to (Art. 19) comes from its PASS_ON hook.
"""
import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal import catalog
from portal.audit.actions import record
from portal.candidates.models import Evaluation, NotedAvailability, Statement
from portal.corrections.models import ACCEPTED, PENDING, REFUSED, ProposedValue
from portal.db import db, utcnow
from portal.people import registry
from portal.people.models import Person
from portal.requests import actions as requests
from portal.requests.models import DONE, OPEN

# --- What may be proposed ------------------------------------------------------------------

def _forms():
    """{model: [form classes]}: the forms the portal edits these models with (the profile's
    contact and section forms, the staff workspace's noted availability)."""
    from portal.candidates.actions import SECTIONS  # candidates' forms read its models
    from portal.candidates.forms import ContactForm
    from portal.staff.forms import NotedAvailabilityForm
    forms = {Person: [ContactForm], NotedAvailability: [NotedAvailabilityForm]}
    for section in SECTIONS.values():
        if section.single:
            forms.setdefault(section.model, []).append(section.form)
    return forms


def _blank(form_class, **kwargs):
    return form_class(formdata=None, meta={"csrf": False}, **kwargs)


@dataclass(frozen=True)
class Field:
    """One column a correction may propose a value for, and the form whose field checks it."""
    holding: object
    column: str
    form: type

    @property
    def model(self):
        return self.holding.model

    @property
    def key(self):
        return f"{self.holding.name}.{self.column}"

    @property
    def input_name(self):
        return f"{self.holding.name}-{self.column}"

    @property
    def self_service(self):
        """Whether the person changes this themself on their profile."""
        return self.holding.source == "person"

    @property
    def category(self):
        return catalog.category_of(self.key) or catalog.CATEGORIES_BY_KEY[self.holding.category]

    @property
    def label(self):
        return _blank(self.form)[self.column].label.text


def _one_per_person(holding):
    if holding.person == "id":
        return True
    return bool(getattr(holding.model, holding.person).unique)


def fields():
    """Every column a correction may propose a value for, in catalog order."""
    forms = _forms()
    order = {f: n for n, f in enumerate(catalog.fields())}
    found = {}
    for holding in registry.row_holdings("candidate"):
        if not holding.rectify or not holding.person or not _one_per_person(holding):
            continue
        for form in forms.get(holding.model, ()):
            names = {f.name for f in _blank(form)}
            for column in holding.rectify:
                if column in names:
                    found.setdefault(f"{holding.name}.{column}", Field(holding, column, form))
    return sorted(found.values(), key=lambda f: order.get(f.key, len(order)))


def offered(account):
    """The fields offered: all of them without an account; from the account, those the person
    cannot change themself."""
    return [f for f in fields() if not (account and f.self_service)]


def field_of(key):
    return next((f for f in fields() if f.key == key), None)


def by_category(found):
    """[(Category, [Field])] in catalog order."""
    groups = []
    for f in found:
        if groups and groups[-1][0].key == f.category.key:
            groups[-1][1].append(f)
        else:
            groups.append((f.category, [f]))
    return groups


# --- Checking values with the fields' own forms ----------------------------------------------

def current_row(field, person):
    """The person's row a field's value sits in, or None."""
    if person is None:
        return None
    model, link = field.model, field.holding.person
    if link == "id":
        return Person.get_or_none(Person.id == person.id)
    return model.get_or_none(getattr(model, link) == person.id)


def as_text(field):
    """A bound field's value as a form posts it back ("2024-05-17", "640000", "NO")."""
    if hasattr(field, "_value"):
        return field._value() or ""
    return "" if field.data is None else str(field.data)


def _formdata(form_class, row):
    data = MultiDict()
    for f in _blank(form_class, obj=row):
        if f.type != "CSRFTokenField":
            data[f.name] = as_text(f)
    return data


@dataclass
class Checked:
    text: str      # as stored and shown back in the form
    value: object  # as the column takes it (a date, a number, a string)
    shown: str     # as a person reads it


def check(values, person=None):
    """Check proposed values {Field: typed text} with each field's own form, as if the person
    had typed them into it over what is held now (nothing, when the person is not known).
    Returns ({key: Checked}, {key: [message]})."""
    accepted, errors = {}, {}
    by_form = {}
    for f, typed in values.items():
        by_form.setdefault(f.form, []).append((f, typed))
    for form_class, group in by_form.items():
        row = current_row(group[0][0], person)
        data = _formdata(form_class, row) if row is not None else MultiDict()
        for f, typed in group:
            data[f.column] = typed
        form = form_class(formdata=data, meta={"csrf": False})
        form.validate()
        # Over what is held, a value may break a rule across fields (a whole address): the
        # messages it brings to fields it did not touch are its own.
        caused = []
        if row is not None:
            held_form = form_class(formdata=_formdata(form_class, row), meta={"csrf": False})
            held_form.validate()
            proposed = {f.column for f, _ in group}
            caused = [str(e) for name, messages in form.errors.items()
                      if name not in proposed for e in messages
                      if e not in held_form.errors.get(name, [])]
        for f, _typed in group:
            bound = form[f.column]
            if bound.errors or caused:
                errors[f.key] = list(dict.fromkeys([str(e) for e in bound.errors] + caused))
                continue
            held = as_text(_blank(form_class, obj=row)[f.column]) if row is not None else None
            if held is not None and held == as_text(bound):
                errors[f.key] = [str(_l("This is what we hold already."))]
                continue
            accepted[f.key] = Checked(as_text(bound), _column_value(f, bound.data),
                                      display(f, bound.data))
    return accepted, errors


def _column_value(field, data):
    column = field.model._meta.fields[field.column]
    if data is None and not column.null:
        return ""  # an emptied text field
    return data


def display(field, data):
    """A value as a person reads it: choices by their label, dates and numbers in the page's
    language, countries by name."""
    from portal.candidates.actions import display_value
    from portal.web.formats import country_name
    if field.column.endswith("country") and data:
        return country_name(data)
    return display_value(_blank(field.form)[field.column], data)


def shown_value(key, text):
    """A stored proposed value as a person reads it."""
    f = field_of(key)
    if f is None:
        return text
    form = f.form(formdata=MultiDict({f.column: text}), meta={"csrf": False})
    return display(f, form[f.column].data)


def held_value(key, person):
    """What is held now for a field, as a person reads it ("" when nothing)."""
    f = field_of(key)
    row = current_row(f, person) if f is not None else None
    if row is None:
        return ""
    return display(f, getattr(row, f.column))


# --- Asking ------------------------------------------------------------------------------------

def propose(request, values):
    """Keep the proposed values {key: Checked} of a request (in its transaction)."""
    rows = [{"request": request.id, "target": key, "value": checked.text}
            for key, checked in values.items()]
    if rows:
        ProposedValue.insert_many(rows).execute()


def add_statements(request, person, statements):
    """Keep the person's statements {evaluation id: text} beside those evaluations (their own,
    checked by the form); audited without the text."""
    for evaluation_id, text in statements.items():
        evaluation = Evaluation.get_or_none(Evaluation.id == evaluation_id,
                                            Evaluation.person == person.id)
        if evaluation is None:
            raise registry.NotRectifiable(_l("This is not yours to change."))
        row = Statement.create(person=person.id, evaluation=evaluation.id, text=text,
                               request=request.id)
        record("evaluation.statement_added", person=person.id, evaluation=evaluation.id,
               statement=row.id, request=request.id)


def move_to(request, first):
    """A request joined to an earlier one brings its values and statements along."""
    ProposedValue.update(request=first.id).where(ProposedValue.request == request.id).execute()
    Statement.update(request=first.id).where(Statement.request == request.id).execute()


def refuse_pending(request, reason, by, now=None):
    """A denied correction: each value not decided yet is refused with the denial's reason."""
    ProposedValue.update(decision=REFUSED, reason=reason, decided_at=now or utcnow(),
                         decided_by=by.id if by else None).where(
        ProposedValue.request == request.id, ProposedValue.decision == PENDING).execute()


# --- What the person and staff see -------------------------------------------------------------

@dataclass
class Outcome:
    """One proposed value as people read it."""
    id: int
    key: str
    label: str
    category: str
    proposed: str
    decision: str
    reason: str
    told: list
    held: str = ""


def proposals_of(request, person=None):
    """The request's proposed values, readable; with what is held now when `person` is given
    (for staff reviewing them)."""
    outcomes = []
    for pv in ProposedValue.select().where(ProposedValue.request == request.id).order_by(
            ProposedValue.id):
        f = field_of(pv.target)
        outcomes.append(Outcome(pv.id, pv.target, f.label if f else pv.target,
                                f.category.label if f else "", shown_value(pv.target, pv.value),
                                pv.decision, pv.reason, json.loads(pv.told or "[]"),
                                held_value(pv.target, person) if person is not None else ""))
    return outcomes


def statements_of(request):
    """The statements a request brought, with the evaluation each is kept beside."""
    return list(Statement.select(Statement, Evaluation).join(Evaluation)
                .where(Statement.request == request.id).order_by(Statement.id))


def pending_count(request):
    return ProposedValue.select().where(ProposedValue.request == request.id,
                                        ProposedValue.decision == PENDING).count()


# --- Staff decide ------------------------------------------------------------------------------

class CorrectionProblem(Exception):
    """Values that cannot be applied as decided: {proposed value id: [message]}; nothing was
    changed."""

    def __init__(self, problems):
        super().__init__("correction refused")
        self.problems = problems


NOTHING_TO_CORRECT = _l("We hold nothing here to correct. Refuse it, with a reason.")
NOBODY = _l("We hold no person for this request. Refuse it, with a reason.")


def decide(request, by, version, decisions, message="", now=None):
    """Decide every value still pending: {proposed value id: (ACCEPTED or REFUSED, reason)}.

    Accepted values are checked again by their field's form over what is held now and applied
    through rectify() (by "request"); then the request is done and the person is told the
    outcome per value. Raises RequestProblem (someone else acted first, or it is closed) or
    CorrectionProblem (a value cannot be applied); then nothing is changed.
    """
    now = now or utcnow()
    with db.atomic():
        request = requests._step(request, version, OPEN, by, "done", None, now, status=DONE,
                                 closed_at=now, answer=(message or "").strip(),
                                 decided_by=by.id if by else None)
        person = Person.get_or_none(Person.id == request.person_id) \
            if request.person_id is not None else None
        pending = list(ProposedValue.select().where(ProposedValue.request == request.id,
                                                    ProposedValue.decision == PENDING)
                       .order_by(ProposedValue.id))
        problems, applied, accepted = {}, {}, set()
        for pv in pending:
            decision, reason = decisions.get(pv.id, (None, ""))
            if decision not in (ACCEPTED, REFUSED):
                problems[pv.id] = [str(_l("Accept or refuse this value."))]
            elif decision == REFUSED and not (reason or "").strip():
                problems[pv.id] = [str(_l("Write why the value is refused: the person is told."))]
            elif decision == ACCEPTED and pv.target in accepted:  # joined requests, one field
                problems[pv.id] = [str(_l("Another value for the same field is accepted: accept "
                                          "one of them, and refuse the other."))]
            elif decision == ACCEPTED:
                accepted.add(pv.target)
                problem = _apply(pv, person, applied)
                if problem:
                    problems[pv.id] = problem
        if problems:
            raise CorrectionProblem(problems)
        for pv in pending:
            decision, reason = decisions[pv.id]
            ProposedValue.update(decision=decision, reason=(reason or "").strip(),
                                 decided_at=now, decided_by=by.id if by else None,
                                 told=json.dumps(applied.get(pv.id, []))).where(
                ProposedValue.id == pv.id).execute()
        record("correction.decided", person=request.person_id, actor=by, request=request.id,
               accepted=sorted(pv.target for pv in pending if decisions[pv.id][0] == ACCEPTED),
               refused=sorted(pv.target for pv in pending if decisions[pv.id][0] == REFUSED))
        requests._tell(request, "done")
    return request


def _apply(pv, person, applied):
    """Apply one accepted value through rectify(); returns messages when it cannot be."""
    f = field_of(pv.target)
    if f is None:
        return [str(_l("This cannot be changed by a correction."))]
    if person is None:
        return [str(NOBODY)]
    row = current_row(f, person)
    if row is None:
        return [str(NOTHING_TO_CORRECT)]
    checked, errors = check({f: pv.value}, person)
    if errors:
        return errors[f.key]
    told = []
    try:
        registry.rectify(person, {f.column: checked[f.key].value}, by="request", row=row,
                         told=told)
    except registry.NotRectifiable as refused:
        return [str(refused.message)]
    applied[pv.id] = told
    return None
