"""The copy of a person's data for an access request (GDPR art. 15 and 20): one zip with

    data.json      every field of every category, machine-readable, valid against
                   docs/export.schema.json (portal/requests/export_schema.py)
    summary.html   the same for reading and printing, in the person's language: what we hold,
                   why, on what basis, until which date, who received it and when, where it
                   came from, the person's rights and how to complain to Datatilsynet
    documents/     every document, as it was uploaded

The zip is written to the encrypted store as it is made, and each document is copied into it
chunk by chunk: memory stays the same whether a person has five documents or fifty.
"""
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal import catalog, features, storage
from portal.audit.actions import record
from portal.audit.models import AuditEvent
from portal.db import db, utcnow
from portal.people import registry
from portal.people.holdings import Files
from portal.people.models import Person
from portal.requests import actions, deadlines
from portal.requests.export_schema import FORMAT, export_schema
from portal.requests.models import (
    BUILDING,
    FAILED,
    OPEN,
    QUEUED,
    READY,
    AccessExport,
    PrivacyRequest,
)

# Columns that mean nothing to a reader (ids, links, keys, counters): in data.json only.
TECHNICAL = frozenset({
    "id", "person", "person_id", "user", "actor_id", "challenge", "consultant", "moved_to",
    "hash", "prev_hash", "ip_key", "address_key", "calendar_uid", "storage_id", "sequence",
    "attempts", "tries", "forget_after_send", "body_html", "attachments", "slot", "recorded_by",
    "request", "version", "decided_by", "details_json", "seq", "last_step",
    "evaluation", "placed_by", "ended_by", "tombstone", "email_hash", "hold", "row_id"})

LABELS = {
    "name": _l("Name"), "street": _l("Street address"), "postal_code": _l("Postal code"),
    "place": _l("Place"), "country": _l("Country"), "email": _l("E-mail address"),
    "phone": _l("Phone number"), "stage": _l("Stage"), "locale": _l("Language of our e-mails"),
    "last_contact_at": _l("Last contact"), "created_at": _l("Created"),
    "updated_at": _l("Changed"), "birth_date": _l("Date of birth"),
    "marital_status": _l("Marital status"), "gender": _l("Gender"),
    "nationality": _l("Nationality"), "available_from": _l("Available from"),
    "availability": _l("Availability"), "salary_expectation": _l("Salary expectation"),
    "employer": _l("Employer"), "title": _l("Title"), "started_on": _l("From"),
    "ended_on": _l("To"), "description": _l("Description"), "relation": _l("Relation"),
    "institution": _l("Institution"), "completed_on": _l("Completed"), "issuer": _l("Issued by"),
    "valid_until": _l("Valid until"), "language": _l("Language"), "level": _l("Level"),
    "job": _l("Job"), "text": _l("Text"), "kind": _l("Kind"), "summary": _l("Summary"),
    "result": _l("Result"), "filename": _l("File name"), "content_type": _l("File type"),
    "size": _l("Size in bytes"), "uploaded_at": _l("Uploaded"), "starts_at": _l("Starts"),
    "ends_at": _l("Ends"), "status": _l("Status"), "reminder_sent_at": _l("Reminder sent"),
    "typed_name": _l("Name as typed at the booking"),
    "typed_street": _l("Street address as typed at the booking"),
    "typed_postal_code": _l("Postal code as typed at the booking"),
    "typed_place": _l("Place as typed at the booking"),
    "typed_country": _l("Country as typed at the booking"),
    "typed_phone": _l("Phone number as typed at the booking"),
    "meeting_place": _l("Where"), "proven_at": _l("Code given"), "expires_at": _l("Expires"),
    "purpose": _l("Purpose"), "used_at": _l("Used"), "window_start": _l("Counted from"),
    "count": _l("Number"), "given": _l("Consent given"), "policy_version": _l("Policy version"),
    "at": _l("When"), "how": _l("How"), "role": _l("Role"), "active": _l("Account active"),
    "last_login_at": _l("Last login"), "last_seen_at": _l("Last seen"),
    "fresh_at": _l("Password last given"), "to": _l("To"), "subject": _l("Subject"),
    "body_text": _l("Text of the e-mail"), "sent_at": _l("Sent"), "action": _l("What was done"),
    "actor_role": _l("Done by"), "details": _l("Details"), "received_at": _l("Received"),
    "verified_at": _l("Confirmed"), "verified_how": _l("Confirmed by"),
    "started_at": _l("Taken on"), "first_due_on": _l("First due date"),
    "due_on": _l("Due date"), "extended_at": _l("Extended"),
    "extension_reason": _l("Why it was extended"), "closed_at": _l("Closed"),
    "answer": _l("Our answer"), "nothing_held": _l("Nothing held"), "built_at": _l("Made"),
    "released_at": _l("Ready"), "downloaded_at": _l("Downloaded"), "documents": _l("Documents"),
    # A correction's values, a statement, a legal hold and what it kept.
    "target": _l("Field"), "value": _l("Value proposed"), "decision": _l("Decision"),
    "reason": _l("Why"), "decided_at": _l("Decided"), "told": _l("Passed on to"),
    "covers": _l("What it keeps"), "ends_on": _l("Last day"), "placed_at": _l("Placed"),
    "changed_at": _l("Changed"), "ended_at": _l("Ended"), "category": _l("Category"),
    "model": _l("Where"), "fields": _l("What was kept"), "kept_at": _l("Kept since"),
}

DECISIONS = {"pending": _l("Waiting for our answer"), "accepted": _l("Corrected"),
             "refused": _l("Not corrected")}

SOURCES = {
    "person": _l("You gave it to us."),
    "staff": _l("Written by our consultants."),
    "booking": _l("From your bookings."),
    "portal": _l("Recorded by the portal as you used it."),
    "candidate": _l("A candidate gave it to us when naming you as a reference."),
    "customer": _l("The business customer you work for gave it to us, or you did."),
}

STAFF_ACTIONS = {
    "document.downloaded_by_staff": _l("Opened one of your documents"),
    "booking.attended": _l("Marked a meeting as held"),
    "booking.no_show": _l("Marked a meeting as not attended"),
    "person.rectified": _l("Corrected your data"),
    "disclosure.shared": _l("Shared your data with a business customer"),
    "disclosure.revoked": _l("Closed a link to what was shared"),
}
STAFF_ROLES = ("staff", "admin")


# --- What goes in ----------------------------------------------------------------------------

@dataclass
class StoredFile:
    model: str
    id: int
    category: str
    filename: str
    content_type: str
    size: int
    storage_id: str
    path: str = ""


@dataclass
class Contents:
    """Everything one copy holds, before it is written."""
    request: PrivacyRequest
    subject: object
    person: Person | None
    groups: list
    files: list = field(default_factory=list)
    recipients: list = field(default_factory=list)
    staff_events: list = field(default_factory=list)
    generated_at: datetime = None


def _safe_name(name):
    name = "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in name).strip(" .")
    return name or "file"


def stored_files(subject):
    """The subject's files in the document store (not earlier copies of their data)."""
    found = []
    for holding in registry.declarations():
        if not isinstance(holding, Files) or holding.rows.model is AccessExport:
            continue
        for row in registry.rows_of(holding.rows, subject):
            storage_id = getattr(row, holding.column)
            if not storage_id:
                continue
            filename = getattr(row, "filename", "") or f"{holding.rows.name.lower()}-{row.id}"
            found.append(StoredFile(holding.rows.name, row.id, holding.rows.category_of(row),
                                    filename, getattr(row, "content_type", ""),
                                    getattr(row, "size", 0) or 0, storage_id,
                                    f"documents/{row.id}-{_safe_name(filename)}"))
    return found


def recipients(subject):
    """Who outside the agency received the subject's data: what each feature that shares data
    declares as `disclosures` (subject -> [{recipient, categories, at, basis}])."""
    found = []
    for feature in features.FEATURES:
        disclosures = getattr(feature, "disclosures", None)
        if disclosures is not None:
            found += list(disclosures(subject))
    return sorted(found, key=lambda d: d["at"])


def staff_events(person):
    """What staff did with the person's record, as the audit trail holds it."""
    if person is None:
        return []
    # Since the person was created: an erased person's events keep their id, which SQLite
    # gives to the next person created.
    return list(AuditEvent.select().where(AuditEvent.person_id == person.id,
                                          AuditEvent.at >= person.created_at,
                                          AuditEvent.actor_role.in_(STAFF_ROLES))
                .order_by(AuditEvent.at, AuditEvent.id))


def contents(request, now=None):
    """What the copy for an access request holds, read through the person registry."""
    person = Person.get_or_none(Person.id == request.person_id) if request.person_id else None
    if person is not None:
        subject, groups = registry.subject_of(person), registry.export_person(person)
    else:
        subject = registry.subject_for_address(request.email)
        groups = registry.export_subject(subject)
    return Contents(request, subject, person, groups, stored_files(subject), recipients(subject),
                    staff_events(person), now or utcnow())


def _iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def data(c):
    """data.json as plain data."""
    return {
        "format": FORMAT,
        "generated_at": c.generated_at.isoformat(),
        "policy_version": catalog.POLICY_VERSION,
        "request": {"id": c.request.id, "kind": c.request.kind,
                    "received_at": c.request.received_at.isoformat(),
                    "due_on": c.request.due_on.isoformat()},
        "subject": {"email": c.person.email if c.person else c.request.email,
                    "person_id": c.person.id if c.person else None},
        "categories": registry.as_json(c.groups),
        "documents": [{"model": f.model, "id": f.id, "category": f.category,
                       "filename": f.filename, "content_type": f.content_type, "size": f.size,
                       "path": f.path} for f in c.files],
        "recipients": [{"recipient": str(d["recipient"]), "categories": list(d["categories"]),
                        "at": _iso(d["at"]), "basis": d["basis"],
                        "documents": [str(f) for f in d.get("documents", ())],
                        "expires_at": _iso(d.get("expires_at")),
                        "revoked_at": _iso(d.get("revoked_at")),
                        "opened": [_iso(at) for at in d.get("opened", ())],
                        "told": [{"at": _iso(t["at"]), "categories": list(t["categories"])}
                                 for t in d.get("told", ())]} for d in c.recipients],
        "withheld": [{"model": m, "column": col} for m, col in registry.withheld()],
    }


def validate(document):
    """Raise jsonschema.ValidationError unless data.json matches the schema."""
    import jsonschema  # only where a copy is built: the worker, not the web
    jsonschema.Draft202012Validator(export_schema()).validate(document)


class ExportInvalid(Exception):
    """data.json does not match its schema. The message says where, never what: the error of a
    failed job stays a week in Redis and goes to the worker's log, and jsonschema's own message
    quotes the values (a whole row of the person's data for a row of the wrong form)."""


def _validated(document):
    import jsonschema
    try:
        validate(document)
    except jsonschema.ValidationError as error:
        where = "/".join(str(part) for part in error.absolute_path)
        raise ExportInvalid(f"data.json does not match the schema at /{where} "
                            f"({error.validator})") from None
    return document


# --- The readable summary ----------------------------------------------------------------------

def _models():
    return {m.__name__: m for m in features.all_models()}


def _value(model, column, value):
    """A value as a person reads it: dates in their language, yes/no, countries by name."""
    from portal.web.formats import country_name, format_when
    if value is None or value == "":
        return None
    field_ = model._meta.fields.get(column) if model is not None else None
    kind = type(field_).__name__ if field_ is not None else ""
    if kind == "DateTimeField" and isinstance(value, str):
        return format_when(datetime.fromisoformat(value), "datetime")
    if kind == "DateField" and isinstance(value, str):
        return format_when(date.fromisoformat(value), "date")
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if column in ("country", "typed_country"):
        return country_name(value)
    if column == "decision" and value in DECISIONS:
        return str(DECISIONS[value])
    if column in ("told", "covers") and isinstance(value, str) and value.startswith("["):
        keys = json.loads(value)
        if column == "covers":
            return ", ".join(str(catalog.CATEGORIES_BY_KEY[k].label) for k in keys
                             if k in catalog.CATEGORIES_BY_KEY)
        return ", ".join(keys) or str(_l("Nobody"))
    return str(value)


def until(retention, model, fields):
    """The day one row goes under its retention rule, when its own fields tell (else None)."""
    start = fields.get(retention.after)
    if not start:
        return None
    start = datetime.fromisoformat(start) if isinstance(start, str) else start
    if retention.days:
        return deadlines.oslo_date(start + timedelta(days=retention.days))
    return deadlines.add_months(deadlines.oslo_date(start), 12 * retention.years)


def summary_groups(c):
    """The categories for summary.html: labels, reasons, dates, sources, readable rows."""
    models = _models()
    shown = []
    for g in c.groups:
        rows = []
        for item in g.items:
            model = models.get(item.model)
            values = [(LABELS.get(col, col), _value(model, col, v))
                      for col, v in item.fields.items() if col not in TECHNICAL]
            rows.append({"values": [(label, v) for label, v in values if v is not None],
                         "until": None if g.delete_on else until(g.retention, model, item.fields),
                         "source": SOURCES.get(item.source, item.source)})
        shown.append({"category": g.category,
                      "bases": [(catalog.LEGAL_BASES[b], [p.label for p in ps]) for b, ps in g.bases],
                      "retention": g.retention, "delete_on": g.delete_on, "rows": rows,
                      "sources": sorted({r["source"] for r in rows}, key=str)})
    return shown


def summary(c):
    """summary.html in the person's language: readable and printable, with no outside files."""
    locale = c.person.locale if c.person else c.request.locale
    with force_locale(locale):
        return render_template(
            "requests/export/summary.html", c=c, lang=locale, groups=summary_groups(c),
            name=c.person.name if c.person else c.request.name,
            email=c.person.email if c.person else c.request.email,
            staff_actions=STAFF_ACTIONS, contact=current_app.config["PRIVACY_CONTACT"],
            category_names=lambda keys: [str(k.label) for k in catalog.CATEGORIES if k.key in keys],
            export_days=actions.EXPORT_DAYS)


# --- Writing it ------------------------------------------------------------------------------

def write_zip(c):
    """Write the zip to the encrypted store, streaming; returns (storage_id, size)."""
    document = _validated(data(c))
    with storage.open_write() as out:
        # compresslevel 1: documents are compressed already, and time matters more here
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=1))
            zf.writestr("summary.html", summary(c))
            for f in c.files:
                with zf.open(f.path, "w", force_zip64=True) as entry:
                    for chunk in storage.stream(f.storage_id):
                        entry.write(chunk)
    return out.storage_id, out.size


def build(export_id, now=None):
    """Build the copy of one access request; safe to run twice (a copy made already, or one
    whose request was closed meanwhile, is left alone). Returns whether it built one.

    A copy asked for from the account is released as soon as it is built; one for an address
    proven by a code waits for staff.
    """
    export = AccessExport.get_or_none(AccessExport.id == export_id)
    if export is None or export.status not in (QUEUED, BUILDING, FAILED):
        return False
    request = PrivacyRequest.get_by_id(export.request_id)
    if request.status not in OPEN:
        return False
    started = now or utcnow()
    if not AccessExport.update(status=BUILDING, started_at=started,
                               attempts=AccessExport.attempts + 1).where(
            AccessExport.id == export.id,
            AccessExport.status.in_((QUEUED, BUILDING, FAILED))).execute():
        return False
    request = actions.begin_automatically(request, started)
    try:
        c = contents(request, started)
        storage_id, size = write_zip(c)
    except Exception:
        AccessExport.update(status=FAILED).where(AccessExport.id == export.id,
                                                 AccessExport.status == BUILDING).execute()
        raise
    with db.atomic():
        request = PrivacyRequest.get_or_none(PrivacyRequest.id == request.id)
        built = request is not None and request.status in OPEN and AccessExport.update(
            status=READY, storage_id=storage_id, size=size, documents=len(c.files),
            built_at=utcnow()).where(AccessExport.id == export.id,
                                     AccessExport.status == BUILDING).execute()
        # Denied meanwhile, another run finished first, or the person was erased meanwhile
        # (their request and this row with them): the zip goes now, not at the nightly clean-up.
        if not built:
            db.after_commit(lambda: storage.delete(storage_id))
            return False
        record("privacy_request.export_built", person=request.person_id, request=request.id,
               export=export.id, documents=len(c.files))
        if request.verified_how == "account":
            actions.release(request, now=now)
    return True
