"""A person's record as staff see it: opened for a stated purpose, every opening kept and
audited, and everything held shown by catalog category from the registry's export.

Opening a record writes a RecordView (the person sees it on /account: when, which role, why)
and an audit event (which staff member) in one short transaction of its own, committed before
anything of the record is read. Nothing is held locked while the record is read and rendered,
so openings in parallel wait for nobody, whatever lock the audit trail takes for its chain.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from peewee import DateField, DateTimeField, ForeignKeyField

from portal import catalog
from portal.audit.actions import record
from portal.audit.models import AuditEvent
from portal.booking.models import KIND_LABELS, PLACE_LABELS, STATUS_LABELS, Consultant
from portal.candidates.forms import GENDERS, MARITAL_STATUSES
from portal.db import db, utcnow
from portal.holds import actions as holds
from portal.people import registry
from portal.people.models import Person
from portal.staff.models import RecordView
from portal.web.formats import country_name, format_when

# Why a record is opened: staff choose one each time; the person is told which.
PURPOSES = {
    "follow_up": _l("Follow-up of a booking or a meeting"),
    "matching": _l("Matching to a job"),
    "privacy_request": _l("Handling a privacy request"),
    "staff_entries": _l("Writing down an evaluation or what was said in a meeting"),
}
ROLES = {"staff": _l("A member of our staff"), "admin": _l("An administrator")}
SOURCES = {"person": _l("Given by the person"), "staff": _l("Noted by staff"),
           "booking": _l("From a booking"), "portal": _l("Recorded by the portal"),
           "candidate": _l("Given by a candidate who named them as a reference"),
           "customer": _l("From the business customer they work for, or from them")}
EVALUATION_KINDS = {"evaluation": _l("Evaluation"), "competence_analysis": _l("Competence analysis")}
STAGES = ((catalog.BOOKING, _l("Contact details")), (catalog.CANDIDATE, _l("Candidate profile")),
          (catalog.CUSTOMER, _l("As a contact person at a business customer")),
          (catalog.RECORD, _l("Records of our dealings with the person")))


def open_record(person_id, purpose, viewer):
    """Open a person's record for `purpose`: the opening is kept and audited, and committed,
    before anything is read. Returns the Person, or None when there is nobody with that id."""
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    with db.atomic():
        person = Person.get_or_none(Person.id == person_id)
        if person is None:
            return None
        view = RecordView.create(person=person.id, role=viewer.role, purpose=purpose)
        record("person.record_opened", person=person.id, actor=viewer, purpose=purpose,
               view=view.id)
    return person


def opened_by(person_id, viewer):
    """Whether `viewer` opened this person's record (kept and audited) within a login's longest
    life: the staff entries' routes show the record's evaluations and notes again after each
    change, and must not show them to someone who never opened it."""
    since = utcnow() - current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    return AuditEvent.select().where(
        (AuditEvent.person_id == person_id) & (AuditEvent.action == "person.record_opened")
        & (AuditEvent.actor_id == viewer.id) & (AuditEvent.at >= since)).exists()


# --- Everything held, readable ------------------------------------------------------------------

# Columns shown by their label, per model.
LABELS = {
    "Booking": {"kind": KIND_LABELS, "place": PLACE_LABELS, "status": STATUS_LABELS},
    "PendingBooking": {"kind": KIND_LABELS, "meeting_place": PLACE_LABELS},
    "Evaluation": {"kind": EVALUATION_KINDS},
    "RecordView": {"role": ROLES, "purpose": PURPOSES},
    "Consent": {"purpose": {k: p.label for k, p in catalog.PURPOSES.items()}},
    "Profile": {"marital_status": {c.value: c.label for c in MARITAL_STATUSES if c.value},
                "gender": {c.value: c.label for c in GENDERS if c.value}},
}
# Not shown line by line: a copy of the text in HTML, the calendar file of an e-mail, and the
# booking a moved booking became (its own line says it was moved).
HIDDEN = {"Outbox.body_html", "Outbox.attachments", "Booking.moved_to"}


@dataclass
class Line:
    """One item of a category: who gave it and what it says."""
    source: str
    text: str
    document_id: int | None = None


@dataclass
class Shown:
    category: catalog.Category
    lines: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # the raw export items, for the staff entries


def _native(model, column, value):
    """A value as the export wrote it (dates as ISO text), back in its column's type."""
    kind = model._meta.fields.get(column)
    if isinstance(value, str) and value:
        if isinstance(kind, DateTimeField):
            return datetime.fromisoformat(value)
        if isinstance(kind, DateField):
            return date.fromisoformat(value)
    return value


def readable(model, column, value, consultants):
    """A held value as staff read it: labels for keys, names for countries and consultants,
    dates and numbers in the page's language."""
    value = _native(model, column, value)
    if value is None or value == "":
        return ""
    labels = LABELS.get(model.__name__, {}).get(column)
    if labels is not None:
        return str(labels.get(value, value))
    if column.endswith("country"):
        return country_name(value)
    if isinstance(model._meta.fields.get(column), ForeignKeyField):
        return consultants.get(value, "") if column == "consultant" else ""
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, datetime):
        return format_when(value, "datetime")
    if isinstance(value, date):
        return format_when(value, "date")
    if isinstance(value, int):
        return format_decimal(value)
    return str(value)


def record_page(person):
    """What the record shows: [(stage title, [Shown])], every category holding anything (and
    the two staff write, once the candidate stage is open), in catalog order."""
    exported = {}
    for g in registry.export_person(person):
        g.items = [i for i in g.items if not holds.restricted(i)]
        if g.items:
            exported[g.category.key] = g
    models = {h.name: h.model for h in registry.row_holdings()}
    consultant_ids = {i.fields.get("consultant") for g in exported.values() for i in g.items
                      if i.model == "Booking"}
    consultants = dict(Consultant.select(Consultant.id, Consultant.name)
                       .where(Consultant.id.in_(consultant_ids)).tuples()) if consultant_ids else {}
    pages = []
    for stage, title in STAGES:
        shown = []
        for category in catalog.categories(stage):
            found = exported.get(category.key)
            staff_writes = category.key in ("evaluations", "availability_salary")
            if found is None and not (staff_writes and person.is_candidate):
                continue
            s = Shown(category, rows=found.items if found else [])
            for item in s.rows:
                s.lines.append(_line(item, category, models[item.model], consultants))
            shown.append(s)
        if shown:
            pages.append((title, shown))
    return pages


def _line(item, category, model, consultants):
    if item.model == "Document":
        uploaded = _native(model, "uploaded_at", item.fields.get("uploaded_at"))
        return Line(item.source, " · ".join(t for t in (item.fields.get("filename"),
                                                        format_when(uploaded, "date")) if t),
                    document_id=item.id)
    columns = [f.split(".", 1)[1] for f in category.fields if f.split(".", 1)[0] == item.model
               and f not in HIDDEN]
    texts = [readable(model, c, item.fields.get(c), consultants) for c in columns]
    return Line(item.source, " · ".join(t for t in texts if t))
