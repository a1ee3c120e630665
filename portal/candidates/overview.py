"""What the agency holds about a person, as /account shows it: the registry's export, readable.

`registry.export_person` says what is held, by catalog category, with purposes, bases and
retention. This module turns each item into what a person reads (countries by name, dates in
their language, choices by their label, who gave it) and arranges the page: the contact
details and the candidate profile as groups of categories, saying why, on what basis and how
long once per group, then one card for each record of our dealings with the person (bookings,
consents, logins, e-mails, ...) that holds anything.
"""
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from peewee import DateField, DateTimeField

from portal import catalog
from portal.booking.models import KIND_LABELS, PLACE_LABELS, STATUS_LABELS, Consultant
from portal.candidates.actions import display_value, form_field
from portal.db import oslo_date, utcnow
from portal.people import registry
from portal.web.formats import country_name, format_when

# Who gave each item: the holding's `source` (portal/people/holdings.py).
SOURCES = {
    "person": _l("From you"),
    "staff": _l("Noted by our consultants"),
    "booking": _l("From a booking"),
    "portal": _l("Recorded by the portal"),
    "candidate": _l("Given by a candidate who named you as a reference"),
    "customer": _l("From the business customer you work for, or from you"),
}
STAGE_TITLES = {catalog.BOOKING: _l("Your contact details"),
                catalog.CANDIDATE: _l("Your candidate profile"),
                catalog.CUSTOMER: _l("As a contact person at a business customer")}
TOKEN_PURPOSES = {"register": _l("Confirm your e-mail address"),
                  "reset_password": _l("Password reset"),
                  "change_email": _l("Confirm your new e-mail address")}
CONSENT_WAYS = {"account page": _l("On your account page")}
ACTORS = {"candidate": _l("You"), "staff": _l("Our staff"), "admin": _l("Our staff"),
          "anonymous": _l("The portal")}
# What each audit action means; an action not listed here is shown by its name.
ACTIONS = {
    "account.created": _l("Account created"),
    "account.login": _l("Logged in"),
    "account.session_ended": _l("A login ended"),
    "account.reset_requested": _l("New password asked for"),
    "account.password_reset": _l("Password reset"),
    "account.password_changed": _l("Password changed"),
    "account.email_change_requested": _l("New e-mail address asked for"),
    "account.email_changed": _l("E-mail address changed"),
    "person.registered": _l("Registered"),
    "person.rectified": _l("Details corrected"),
    "person.candidate_stage_opened": _l("Candidate profile opened"),
    "profile.updated": _l("Profile changed"),
    "booking.created": _l("Meeting booked"),
    "booking.cancelled": _l("Booking cancelled"),
    "booking.moved": _l("Booking moved"),
    "booking.attended": _l("Meeting held"),
    "booking.no_show": _l("Meeting not attended"),
    "booking.typed_applied": _l("Details typed at a booking taken into use"),
    "booking.typed_dismissed": _l("Details typed at a booking deleted"),
    "document.uploaded": _l("Document uploaded"),
    "document.deleted": _l("Document deleted"),
    "document.downloaded_by_staff": _l("Document read by our staff"),
    "consent.given": _l("Consent given"),
    "consent.withdrawn": _l("Consent withdrawn"),
    "retention.kept": _l("You asked us to keep your data"),
    "person.record_opened": _l("Your record was opened by our staff"),
    "person.candidate_stage_closed": _l("Candidate profile closed again"),
    "booking.mark_undone": _l("Marking of a meeting undone"),
    "evaluation.recorded": _l("Evaluation written by our staff"),
    "availability.noted": _l("Availability and salary noted by our staff"),
    "evaluation.statement_added": _l("Your statement added beside an evaluation"),
    "correction.decided": _l("Your correction answered"),
    "legal_hold.placed": _l("Legal hold placed on some of your data"),
    "legal_hold.changed": _l("Legal hold changed"),
    "legal_hold.ended": _l("Legal hold ended"),
    "privacy_request.withdrawn": _l("Request withdrawn"),
    "disclosure.shared": _l("Shared with a business customer"),
    "disclosure.opened": _l("The business customer opened what we shared"),
    "disclosure.revoked": _l("A link to what we shared was closed"),
    "disclosure.correction_passed_on": _l("A business customer was told of a correction"),
}


@dataclass
class Entry:
    """One exported item with its values back in their own types (dates as dates)."""
    model: str
    id: int
    source: str
    values: dict

    def __getattr__(self, name):  # entry.starts_at reads values["starts_at"]
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class Shown:
    """One catalog category as the page shows it."""
    category: catalog.Category
    entries: list             # [Entry]
    bases: list               # [(basis label, [purpose label])]
    retention: catalog.Retention
    delete_on: date | None    # where one date holds for the whole category
    held: list = field(default_factory=list)  # [(source label, [text])]
    recipients: list = field(default_factory=list)  # the business customers who received it
    lines: object = None      # a record: what its card lists
    summary: str = ""         # a record: what it holds, in one short line

    @property
    def preview(self):
        return [text for _, texts in self.held for text in texts]


@dataclass
class Group:
    """Neighbouring categories of one stage and retention: why, basis and how long said once."""
    title: str
    open: bool
    retention: catalog.Retention
    delete_on: date | None
    bases: list = field(default_factory=list)
    shown: list = field(default_factory=list)


def account_page(person, this_session=None):
    """(groups, records): the contact details and profile as groups of categories, and one
    Shown per record category that holds anything, with what its card lists in `.lines`."""
    exported = {g.category.key: g for g in registry.export_person(person)}
    from portal.consent.actions import given  # consent reads the person: imported on use
    consented = given(person)
    models = {h.name: h.model for h in registry.row_holdings()}
    from portal.customers.sharing import received_by  # sharing reads candidates: on use
    received = received_by(person)
    shown = {}
    for category in catalog.CATEGORIES:
        found = exported.get(category.key)
        if found is None and category.stage in (catalog.RECORD, catalog.CUSTOMER):
            continue
        shown[category.key] = _shown(person, category, found, consented, models)
        shown[category.key].recipients = received.get(category.key, [])
    groups = _groups(person, [s for s in shown.values() if s.category.stage != catalog.RECORD])
    records = [s for s in shown.values() if s.category.stage == catalog.RECORD]
    for record in records:
        record.lines = RECORD_LINES.get(record.category.key, _lines)(record, this_session)
        record.summary = SUMMARIES.get(record.category.key, _newest)(record.lines)
    return groups, records


def _shown(person, category, found, consented, models):
    if found is None:  # nothing held: what it would be used for, and until when
        purposes = catalog.purposes_in_force(category, consented)
        bases = catalog.by_basis(purposes)
        delete_on = (registry.deletion_date(person, category.retention)
                     if category.retention is catalog.AFTER_LAST_CONTACT else None)
        entries = []
    else:
        bases, delete_on = found.bases, found.delete_on
        entries = [Entry(i.model, i.id, i.source,
                         {c: _native(models[i.model], c, v) for c, v in i.fields.items()})
                   for i in found.items]
    shown = Shown(category, entries, [(catalog.LEGAL_BASES[b], [p.label for p in purposes])
                                      for b, purposes in bases],
                  category.retention, delete_on)
    evaluations = {e.id: e for e in entries if e.model == "Evaluation"}
    for entry in entries if category.stage != catalog.RECORD else ():  # records: own lines
        text = _text(entry, category, models[entry.model])
        if entry.model == "Statement" and text:  # kept beside the evaluation it is about
            text = str(_l("Your statement on %(what)s: %(text)s",
                          what=evaluation_title(evaluations.get(entry.values.get("evaluation"))),
                          text=text))
        if text:
            label = SOURCES.get(entry.source, entry.source)
            for source, texts in shown.held:
                if source == label:
                    texts.append(text)
                    break
            else:
                shown.held.append((label, [text]))
    return shown


def evaluation_title(evaluation):
    """"Evaluation, 2 November 2026": an evaluation (an Entry or a row) as the person names it."""
    from portal.staff.record import EVALUATION_KINDS  # the staff feature's words
    if evaluation is None:
        return str(_l("an evaluation"))
    kind = EVALUATION_KINDS.get(evaluation.kind, evaluation.kind)
    held_on = evaluation.held_on
    return f"{kind}, {format_when(held_on, 'date')}" if held_on else str(kind)


def _native(model, column, value):
    """A value as the export wrote it (dates as ISO text) back in its column's type."""
    column_type = model._meta.fields.get(column)
    if isinstance(value, str) and value:
        if isinstance(column_type, DateTimeField):
            return datetime.fromisoformat(value)
        if isinstance(column_type, DateField):
            return date.fromisoformat(value)
    return value


# Columns holding a key with a label (a booking's kind, not a town's "place").
LABELS = {"kind": KIND_LABELS, "meeting_place": PLACE_LABELS, "status": STATUS_LABELS}


def readable(model, column, value):
    """A held value as the person reads it: countries by name, choices by their label, dates
    and numbers in their language."""
    if value is None or value == "":
        return ""
    if column.endswith("country"):
        return country_name(value)
    if column in LABELS:
        return str(LABELS[column].get(value, value))
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, datetime):
        return format_when(value, "datetime")
    return str(display_value(form_field(model, column), value))


def _text(entry, category, model):
    """The item's values that belong to the category, in one line."""
    if entry.model == "Document":
        return " · ".join(v for v in (entry.filename, format_when(entry.uploaded_at, "date")) if v)
    columns = [f.split(".", 1)[1] for f in category.fields if f.split(".", 1)[0] == entry.model]
    return " · ".join(t for t in (readable(model, c, entry.values.get(c)) for c in columns) if t)


def _groups(person, shown):
    """The booking- and candidate-stage categories in groups of neighbours of the same stage
    and retention; a candidate-stage group is closed until it opens or holds anything."""
    groups = []
    for item in shown:
        category = item.category
        key = (category.stage, category.retention.key)
        if not groups or groups[-1][0] != key:
            groups.append((key, Group(STAGE_TITLES[category.stage],
                                      category.stage == catalog.BOOKING or person.is_candidate,
                                      item.retention, item.delete_on)))
        group = groups[-1][1]
        group.shown.append(item)
        group.open = group.open or bool(item.entries)
        for basis, purposes in item.bases:
            listed = next((p for b, p in group.bases if b == basis), None)
            if listed is None:
                group.bases.append((basis, list(purposes)))
            else:
                listed += [p for p in purposes if p not in listed]
    order = [catalog.LEGAL_BASES[b] for b in catalog.BASIS_ORDER]
    for _, group in groups:
        group.bases.sort(key=lambda kv: order.index(kv[0]))
    return [group for _, group in groups]


# --- What each record card lists -----------------------------------------------------------------

@dataclass
class Line:
    """One thing a record card lists: when, what, and when it goes."""
    when: datetime | None
    text: str
    source: str
    delete_on: date | None = None


def _delete_on(record, entry):
    """The last day an entry is kept, where the rule counts from the entry's own time (None
    while that has not come: an e-mail not sent yet)."""
    if record.retention is catalog.AFTER_LAST_CONTACT:
        return None  # the card says the one date for them all
    start = entry.values.get(record.retention.after)
    return catalog.last_day(record.retention, oslo_date(start)) if start else None


def _when(entry, record):
    for column in (record.retention.after, "created_at", "at", "window_start"):
        value = entry.values.get(column)
        if isinstance(value, datetime):
            return value
    return None


def _lines(record, this_session=None):
    """Any record: each item's values that belong to the category, newest first."""
    lines = [Line(_when(e, record), _record_text(e, record), SOURCES.get(e.source, e.source),
                  _delete_on(record, e)) for e in record.entries]
    return sorted(lines, key=lambda line: line.when or datetime.min, reverse=True)


def _record_text(entry, record):
    """The item's values that belong to the category, but for times (the line has its own)."""
    texts = []
    for f in record.category.fields:
        model, column = f.split(".", 1)
        value = entry.values.get(column) if model == entry.model else None
        if not isinstance(value, datetime) and (text := readable(None, column, value)):
            texts.append(text)
    return " · ".join(texts)


def _messages(record, this_session=None):
    """E-mails: subject, address and when sent (their text is deleted when sent); notices
    before a deletion: the date they named."""
    waiting = _l("not sent yet")
    lines = []
    for e in record.entries:
        if e.model == "RetentionNotice":
            text = str(_l("Notice: your data is due to be deleted on %(date)s",
                          date=format_when(e.deadline, "date")))
        else:
            text = f"{e.subject} · {e.to}" + ("" if e.sent_at else f" ({waiting})")
        lines.append(Line(e.sent_at or e.values.get("created_at"), text,
                          SOURCES.get(e.source, e.source), _delete_on(record, e)))
    return sorted(lines, key=lambda line: line.when or datetime.min, reverse=True)


def _audit(record, this_session=None):
    """The log: what was done, by whom, when; newest first."""
    lines = [Line(e.at, str(ACTIONS.get(e.action, e.action)),
                  str(ACTORS.get(e.actor_role, e.actor_role)), _delete_on(record, e))
             for e in record.entries]
    return sorted(lines, key=lambda line: line.when, reverse=True)


@dataclass
class BookingLine:
    id: int
    starts_at: datetime
    kind: str
    place: str
    consultant: str
    status: str
    upcoming: bool


def _bookings(record, this_session=None):
    """Bookings: those still to come first (soonest first), then the rest (newest first)."""
    names = {c.id: c.name for c in Consultant.select(Consultant.id, Consultant.name).where(
        Consultant.id.in_([e.consultant for e in record.entries]))} if record.entries else {}
    now = utcnow()
    lines = [BookingLine(e.id, e.starts_at, KIND_LABELS.get(e.kind, e.kind),
                         PLACE_LABELS.get(e.place, e.place), names.get(e.consultant, ""),
                         STATUS_LABELS.get(e.status, e.status),
                         e.status == "booked" and e.starts_at > now)
             for e in record.entries]
    upcoming = sorted((b for b in lines if b.upcoming), key=lambda b: b.starts_at)
    return upcoming + sorted((b for b in lines if not b.upcoming), key=lambda b: b.starts_at,
                             reverse=True)


@dataclass
class ConsentLine:
    at: datetime
    purpose: str
    given: bool
    policy_version: str
    how: str


def _consents(record, this_session=None):
    """Every consent decision, newest first."""
    lines = [ConsentLine(e.at, catalog.PURPOSES[e.purpose].label if e.purpose in catalog.PURPOSES
                         else e.purpose, e.given, e.policy_version, CONSENT_WAYS.get(e.how, e.how))
             for e in record.entries]
    return sorted(lines, key=lambda line: line.at, reverse=True)


@dataclass
class Login:
    """The account part of the login card: accounts, sessions, links sent by e-mail."""
    accounts: list
    sessions: list
    links: list


@dataclass
class SessionLine:
    id: int
    created_at: datetime
    last_seen_at: datetime
    this_browser: bool
    alive: bool


@dataclass
class LinkLine:
    """A link we e-mailed: to register, reset a password or change the address."""
    sent_at: datetime
    purpose: str
    to: str
    expires_at: datetime
    used_at: datetime | None


def _login(record, this_session=None):
    """The account's e-mail and dates, its sessions (this browser's first), and links sent."""
    from portal.auth.actions import session_alive  # auth's views import this feature's
    by_model = {}
    for entry in record.entries:
        by_model.setdefault(entry.model, []).append(entry)
    sessions = [SessionLine(e.id, e.created_at, e.last_seen_at, e.id == this_session,
                            session_alive(e.created_at, e.last_seen_at))
                for e in by_model.get("LoginSession", [])]
    sessions.sort(key=lambda s: (not s.this_browser, -s.last_seen_at.timestamp()))
    links = [LinkLine(e.created_at, TOKEN_PURPOSES.get(e.purpose, e.purpose), e.email,
                      e.expires_at, e.used_at) for e in by_model.get("AccountToken", [])]
    return Login(by_model.get("User", []), sessions,
                 sorted(links, key=lambda line: line.sent_at, reverse=True))


def _record_views(record, this_session=None):
    """When our staff opened the record: which role and why, never who; newest first."""
    from portal.staff.record import PURPOSES, ROLES  # the staff feature's words
    lines = [Line(e.at, f"{ROLES.get(e.role, e.role)}: {PURPOSES.get(e.purpose, e.purpose)}",
                  SOURCES.get(e.source, e.source), _delete_on(record, e))
             for e in record.entries]
    return sorted(lines, key=lambda line: line.when, reverse=True)


@dataclass
class HoldLine:
    """A legal hold on the person's data: what it keeps, why, until when."""
    id: int
    standing: bool
    kept: list          # category labels
    reason: str
    ends_on: date
    placed_at: datetime
    ended_at: datetime | None


def _holds(record, this_session=None):
    """Legal holds: standing ones first (the soonest end first), then ended ones."""
    today = oslo_date(utcnow())
    lines = []
    for e in record.entries:
        if e.model != "LegalHold":
            continue
        keys = set(json.loads(e.covers or "[]"))
        lines.append(HoldLine(e.id, e.ended_at is None and e.ends_on >= today,
                              [c.label for c in catalog.CATEGORIES if c.key in keys], e.reason,
                              e.ends_on, e.placed_at, e.ended_at))
    return sorted(lines, key=lambda h: (not h.standing, h.ends_on if h.standing else date.min))


def _disclosures(record, this_session=None):
    """What was shared with business customers: to whom, what, when, when it was opened, the
    link's state, and the corrections they were told of; newest first."""
    from portal.customers import sharing  # sharing reads candidates: on use
    from portal.customers.models import Disclosure
    ids = [e.id for e in record.entries if e.model == "Disclosure"]
    return sharing.lines(Disclosure.select().where(Disclosure.id.in_(ids))
                         .order_by(Disclosure.shared_at.desc(), Disclosure.id.desc())) if ids else []


RECORD_LINES = {"bookings": _bookings, "consents": _consents, "login": _login,
                "messages": _messages, "audit": _audit, "record_views": _record_views,
                "legal_holds": _holds, "disclosures": _disclosures}


# --- What a folded record says in one line ------------------------------------------------------

def _newest(lines):
    newest = lines[0] if lines else None
    return " · ".join(t for t in (newest and format_when(newest.when, "datetime"),
                                  newest and newest.text) if t) if newest else ""


def _booking_summary(lines):
    upcoming = sum(1 for b in lines if b.upcoming)
    return str(_l("Coming up: %(upcoming)s · Earlier: %(earlier)s", upcoming=upcoming,
                  earlier=len(lines) - upcoming))


def _consent_summary(lines):
    """The decision in force per purpose (the newest)."""
    latest = {}
    for line in lines:
        latest.setdefault(str(line.purpose), line.given)
    return ", ".join(f"{purpose}: {_l('Given') if given else _l('Withdrawn')}"
                     for purpose, given in latest.items())


def _login_summary(login):
    alive = sum(1 for s in login.sessions if s.alive)
    return " · ".join([a.email for a in login.accounts]
                      + [str(_l("Browsers logged in: %(n)s", n=alive))])


def _holds_summary(lines):
    standing = [h for h in lines if h.standing]
    if not standing:
        return str(_l("Ended"))
    return str(_l("Until %(date)s: %(kept)s", date=format_when(standing[0].ends_on, "date"),
                  kept=", ".join(str(k) for k in standing[0].kept)))


def _disclosure_summary(lines):
    """How many shares, and how many links are still open."""
    still_open = sum(1 for line in lines if line.open)
    return str(_l("Shared: %(shared)s · Links open now: %(open)s", shared=len(lines),
                  open=still_open))


SUMMARIES = {"bookings": _booking_summary, "consents": _consent_summary, "login": _login_summary,
             "legal_holds": _holds_summary, "disclosures": _disclosure_summary}
