"""What staff write about a candidate: evaluations and competence analyses, and availability
and salary as noted in a meeting. Additions are audited; every change goes through the
registry's `rectify()` (by="staff", so the retention clock is left alone). A change made from
a form that someone else's change overtook is refused and changes nothing."""
from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from portal.audit.actions import record
from portal.auth.models import User
from portal.candidates.models import Evaluation, NotedAvailability, Statement
from portal.db import db
from portal.people import registry
from portal.problems import Problem


class EntryProblem(Problem):
    """A staff entry that cannot be saved; nothing was changed."""
    MESSAGES = {
        "closed": _l("The candidate stage is not open for this person. Staff entries open when "
                     "they send a CV or after a meeting with them is held."),
        "changed": _l("Someone else changed this meanwhile, so your change was not saved. Here "
                      "it is as it is now: make your change again if it is still needed."),
    }


def evaluations_of(person):
    """The person's evaluations, newest first, and {user id: e-mail} of their authors."""
    rows = list(Evaluation.select().where(Evaluation.person == person.id)
                .order_by(Evaluation.held_on.desc(nulls="LAST"), Evaluation.id.desc()))
    ids = {r.recorded_by for r in rows if r.recorded_by}
    authors = dict(User.select(User.id, User.email).where(User.id.in_(ids)).tuples()) if ids else {}
    return rows, authors


def statements_of(person):
    """{evaluation id: [Statement]}: what the person wrote beside each evaluation, oldest first."""
    found = {}
    for statement in Statement.select().where(Statement.person == person.id).order_by(Statement.id):
        found.setdefault(statement.evaluation_id, []).append(statement)
    return found


def noted_of(person):
    return NotedAvailability.get_or_none(NotedAvailability.person == person.id)


def _open(person):
    if not person.is_candidate:
        raise EntryProblem("closed")


def _claim(model, row_id, person, seen):
    """Lock the row for this change if it is still the version the form showed; else refuse.

    The no-op update takes the row's write lock: of two staff saving at once, the second waits,
    then finds the version changed and is refused.
    """
    claimed = (model.update(updated_at=model.updated_at)
               .where(model.id == row_id, model.person == person.id, model.updated_at == seen)
               .execute()) if seen is not None else 0
    if not claimed:
        raise EntryProblem("changed")
    return model.get_by_id(row_id)


def add_evaluation(person, values, author):
    """Record an evaluation or competence analysis written by `author`."""
    _open(person)
    with db.atomic():
        row = Evaluation.create(person=person.id, recorded_by=author.id, **values)
        record("evaluation.recorded", person=person.id, actor=author, evaluation=row.id,
               kind=row.kind)
    return row


def change_evaluation(person, evaluation_id, values, seen):
    """Change an evaluation through rectify(); returns (row, {column: old value})."""
    _open(person)
    with db.atomic():
        row = _claim(Evaluation, evaluation_id, person, seen)
        changed = registry.rectify(person, values, by="staff", row=row)
    return row, changed


def note_availability(person, values, seen, author):
    """Note availability and salary as the candidate told staff: the first note is added, later
    ones change it through rectify(). Returns (row, {column: old value})."""
    _open(person)
    with db.atomic():
        row = noted_of(person)
        if row is None:
            if seen is not None:
                raise EntryProblem("changed")
            try:
                with db.atomic():
                    row = NotedAvailability.create(person=person.id, noted_by=author.id, **values)
            except IntegrityError:  # another member of staff noted it first
                raise EntryProblem("changed") from None
            record("availability.noted", person=person.id, actor=author, row=row.id)
            return row, {}
        row = _claim(NotedAvailability, row.id, person, seen)
        changed = registry.rectify(person, values, by="staff", row=row, stamp={"noted_by": author.id})
    return row, changed
