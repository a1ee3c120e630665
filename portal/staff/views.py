"""The staff workspace: the work queue, finding a person, their record, and staff entries."""
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import PeeweeException
from playhouse.flask_utils import get_object_or_404

from portal.auth.guard import staff_only
from portal.people.models import Person
from portal.people.registry import NotRectifiable
from portal.staff import entries, queue, search
from portal.staff import record as records
from portal.staff.forms import AssignForm, EvaluationForm, NotedAvailabilityForm, QueueFilterForm
from portal.staff.sections import QueueProblem
from portal.web.render import render, wants_fragment

bp = Blueprint("staff", __name__, url_prefix="/staff")


# --- The queue -----------------------------------------------------------------------------------

@bp.app_context_processor
def queue_navigation():
    return {"queue_waiting": _waiting, "queue_staff_name": _staff_name,
            "queue_count": queue.count_text, "queue_total": queue.total_text}


def _staff_name(user_id):
    """How an assignee is shown: their address (one query for all staff, once a request)."""
    return queue.staff_names().get(user_id, "?")


def _waiting():
    """What waits, for the navigation: [(title, count)] per kind and the total, or None when the
    database cannot say (an error page)."""
    try:
        counts = queue.counts()
        return {"total": queue.total_text(counts.values()),
                "kinds": [(s.title, queue.count_text(counts[s.kind])) for s in queue.sections()]}
    except PeeweeException:
        return None


@bp.route("/queue", endpoint="queue")
@staff_only
def queue_page():
    """Show what waits for staff, most urgent first, narrowed by kind, status and assignee."""
    form = QueueFilterForm(request.args, sections=queue.sections(), staff=queue.staff(),
                           current=request.args.get("assignee"))
    shown, problem, filters = [], None, queue.Filters()
    if form.validate():
        filters = queue.Filters(form.kind.data or "", form.status.data or "",
                                form.assignee.data or "", request.args.get("after", ""))
        try:
            shown = queue.page(filters, current_user)
        except QueueProblem as refused:
            problem = refused.message
    status = 400 if (form.errors or problem) and not wants_fragment() else 200
    return render("staff/queue.html", fragment="list", status=status, form=form,
                  filters=filters, shown=shown, problem=problem, counts=queue.counts(),
                  back=url_for("staff.queue", **filters.args()),
                  poll_seconds=current_app.config["QUEUE_POLL_SECONDS"],
                  polled=wants_fragment())


@bp.route("/queue/<kind>/<int:item_id>/assign", methods=["POST"])
@staff_only
def assign(kind, item_id):
    """Assign a queue item to oneself, or to nobody; in place (htmx) or back to the queue."""
    chosen = queue.section(kind)
    if chosen is None or not chosen.assignable:
        abort(404)
    form = AssignForm()
    item, problem, done = None, None, None
    if not form.validate():
        problem = QueueProblem("expired" if "csrf_token" in form.errors else "changed")
        item = chosen.get(item_id)
    else:
        to = current_user if form.to.data == "me" else None
        try:
            item = queue.assign(kind, item_id, form.version.data, to, current_user)
            done = _("Assigned to you.") if to else _("No longer assigned to anyone.")
        except QueueProblem as refused:
            problem, item = refused, refused.item
    if item is None:
        abort(404)
    if wants_fragment():
        return render(chosen.row_template, item=item,
                      problem=problem.message if problem else None, notice=done,
                      back=queue.safe_back(request.form.get("back")))
    flash(problem.message if problem else done, "error" if problem else "success")
    return redirect(queue.safe_back(request.form.get("back")), 303)


# --- Finding a person ----------------------------------------------------------------------------

def _why(value):
    """A purpose of opening a record, or "" when none (or an unknown one) was chosen."""
    return value if value in records.PURPOSES else ""


@bp.route("/candidates")
@staff_only
def find():
    """Find people by name, e-mail address or phone number, a page at a time."""
    text = request.args.get("q", "")
    why = _why(request.args.get("why", ""))
    found, problem = None, None
    if text.strip():
        try:
            found = search.search(text, after=request.args.get("after"))
        except search.SearchProblem as refused:
            problem = refused.message
    text = text[:search.MAX_QUERY * 2]  # what is shown back in the box, not 10 000 characters
    args = {k: v for k, v in (("q", text.strip()), ("why", why)) if v}
    status = 400 if problem and not wants_fragment() else 200
    return render("staff/search.html", fragment="results", status=status, text=text, why=why,
                  found=found, problem=problem, purposes=records.PURPOSES,
                  first_url=url_for("staff.find", **args) if "after" in request.args else None,
                  next_url=url_for("staff.find", after=found.next, **args)
                  if found and found.next else None)


# --- A person's record -----------------------------------------------------------------------------

@bp.route("/candidates/<int:person_id>")
@staff_only
def choose(person_id):
    """Ask why the record is opened, before anything of it is shown."""
    person = get_object_or_404(Person, Person.id == person_id)
    return render("staff/choose.html", person=person, purposes=records.PURPOSES)


@bp.route("/candidates/<int:person_id>/<why>")
@staff_only
def record(person_id, why):
    """Open a person's record for a purpose (kept and audited) and show everything held."""
    if why not in records.PURPOSES:
        abort(404)
    person = records.open_record(person_id, why, current_user)
    if person is None:
        abort(404)
    return render("staff/record.html", purpose=records.PURPOSES[why],
                  pages=records.record_page(person), sources=records.SOURCES,
                  **_entries_context(person, why))


def _entries_context(person, why, **overrides):
    """What the two staff-entry sections of the record need; `overrides` replace forms and
    add a message to one of them."""
    evaluations, authors = entries.evaluations_of(person)
    noted = entries.noted_of(person)
    context = {
        "person": person, "why": why, "evaluations": evaluations, "authors": authors,
        "statements": entries.statements_of(person),
        "kinds": records.EVALUATION_KINDS, "noted": noted,
        "new_evaluation": _evaluation_form(None, why),
        "edit_evaluation": {e.id: _evaluation_form(e, why) for e in evaluations},
        "noted_form": _noted_form(noted, why), "message": None, "message_for": None,
        "open_form": None,
    }
    for key, value in overrides.items():
        if key == "edit_evaluation":
            context[key].update(value)
        else:
            context[key] = value
    return context


def _evaluation_form(row, why, formdata=None):
    """The form of a new evaluation or of one to change (from a post, or filled in from row)."""
    form = EvaluationForm(formdata=formdata, obj=row,
                          prefix=f"ev{row.id}" if row is not None else "new")
    if formdata is None:
        form.seen.data = row.updated_at.isoformat() if row is not None else ""
        form.why.data = why
    return form


def _noted_form(row, why, formdata=None):
    form = NotedAvailabilityForm(formdata=formdata, obj=row, prefix="noted")
    if formdata is None:
        form.seen.data = row.updated_at.isoformat() if row is not None else ""
        form.why.data = why
    return form


def _section(template, person, why, status, **overrides):
    """One staff-entry section: in place (htmx), or alone on a page of its own."""
    context = _entries_context(person, why, **overrides)
    if wants_fragment():
        return render(template, **context)
    return render("staff/entry.html", status=status, section=template, **context)


def _refused_status(refused):
    """409 when someone else's change came first, 422 when the change may not be made."""
    return 409 if isinstance(refused, entries.EntryProblem) else 422


def _open_first(person):
    """The entries' routes show the record's entries again: only to whoever opened it."""
    flash(_("Open the record for a purpose first: every opening is kept and audited."), "error")
    return redirect(url_for("staff.choose", person_id=person.id), 303)


def _saved(person, why, anchor):
    flash(_("Saved."), "success")
    return redirect(url_for("staff.record", person_id=person.id, why=why, _anchor=anchor))


@bp.route("/candidates/<int:person_id>/evaluations", methods=["POST"])
@staff_only
def add_evaluation(person_id):
    """Add an evaluation or competence analysis."""
    person = get_object_or_404(Person, Person.id == person_id)
    if not records.opened_by(person.id, current_user):
        return _open_first(person)
    form = _evaluation_form(None, "", formdata=request.form)
    why = _why(form.why.data) or "staff_entries"
    if form.validate():
        try:
            entries.add_evaluation(person, form.values(), current_user)
        except entries.EntryProblem as refused:
            return _section("staff/_evaluations.html", person, why, 409,
                            message=refused.message, message_for="new")
        if not wants_fragment():
            return _saved(person, why, "evaluations")
        return _section("staff/_evaluations.html", person, why, 200,
                        message=_("Saved."), message_for="added")
    return _section("staff/_evaluations.html", person, why, 400, new_evaluation=form,
                    open_form="new")


@bp.route("/candidates/<int:person_id>/evaluations/<int:evaluation_id>", methods=["POST"])
@staff_only
def change_evaluation(person_id, evaluation_id):
    """Change an evaluation (rectify, by staff), unless someone else changed it meanwhile."""
    person = get_object_or_404(Person, Person.id == person_id)
    if not records.opened_by(person.id, current_user):
        return _open_first(person)
    row = get_object_or_404(entries.Evaluation, (entries.Evaluation.id == evaluation_id)
                            & (entries.Evaluation.person == person.id))
    form = _evaluation_form(row, "", formdata=request.form)
    why = _why(form.why.data) or "staff_entries"
    if form.validate():
        try:
            entries.change_evaluation(person, row.id, form.values(), form.seen_version)
        except (entries.EntryProblem, NotRectifiable) as refused:
            return _section("staff/_evaluations.html", person, why, _refused_status(refused),
                            message=refused.message, message_for=row.id, open_form=row.id)
        if not wants_fragment():
            return _saved(person, why, f"evaluation-{row.id}")
        return _section("staff/_evaluations.html", person, why, 200, message=_("Saved."),
                        message_for=row.id)
    return _section("staff/_evaluations.html", person, why, 400,
                    edit_evaluation={row.id: form}, open_form=row.id)


@bp.route("/candidates/<int:person_id>/availability", methods=["POST"])
@staff_only
def note_availability(person_id):
    """Note availability and salary as the candidate told staff."""
    person = get_object_or_404(Person, Person.id == person_id)
    if not records.opened_by(person.id, current_user):
        return _open_first(person)
    form = _noted_form(entries.noted_of(person), "", formdata=request.form)
    why = _why(form.why.data) or "staff_entries"
    if form.validate():
        try:
            entries.note_availability(person, form.values(), form.seen_version, current_user)
        except (entries.EntryProblem, NotRectifiable) as refused:
            return _section("staff/_noted.html", person, why, _refused_status(refused),
                            message=refused.message, message_for="noted", open_form="noted")
        if not wants_fragment():
            return _saved(person, why, "noted")
        return _section("staff/_noted.html", person, why, 200, message=_("Saved."),
                        message_for="noted")
    return _section("staff/_noted.html", person, why, 400, noted_form=form, open_form="noted")
