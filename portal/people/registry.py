"""The person registry: where one person's data sits, and what access, correction and erasure do.

Every feature declares its holdings (portal/people/holdings.py) beside its models; this module
reads them and is the one way to

- find everything held about someone (`subject_of`, `subject_for_address`, `holds_anything`),
- export it all, grouped by catalog category (`export_person`, `export_subject`),
- change personal data (`rectify`),
- see what an erasure will remove and keep, and why (`erasure_preview`),
- erase a person (`erase_person`), keeping what a legal hold names, restricted, until the hold
  ends (`end_holds`), finish what Redis could not take at the time (`finish_erasures`), and
  erase again after a backup is restored (`replay_erasures`).
"""
import fcntl
import json
import logging
import os
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal import catalog, features, storage
from portal.audit.actions import record
from portal.db import any_of, checkpoint, db, is_postgres, oslo_date, utcnow
from portal.mail.actions import email_context
from portal.people.contact import contact
from portal.people.holdings import (
    DELETE,
    Files,
    Folder,
    NoPersonalData,
    RedisKeys,
    Restriction,
    Rows,
    Subject,
    Tell,
)
from portal.people.models import PendingFileDeletion, Person, Tombstone
from portal.private_files import open_private, private_dir
from portal.ratelimit import forget_keys, keyed_hash

log = logging.getLogger(__name__)

ERASURE_HASH = "erased"  # the keyed-hash purpose of a tombstone's address


# -- What is declared -------------------------------------------------------------------------

def declarations():
    """Every holding every feature declares, in feature order."""
    return [h for f in features.FEATURES for h in getattr(f, "personal_data", ())]


def row_holdings(kind=None):
    return [h for h in declarations() if isinstance(h, Rows)
            and (kind is None or h.subject_kind == kind)]


def free_models():
    return [d for f in features.FEATURES for d in getattr(f, "no_personal_data", ())
            if isinstance(d, NoPersonalData)]


# -- Whom it is about ---------------------------------------------------------------------------

def subject_of(person):
    """A Person with every address and number tied to them (their login's address too)."""
    return subjects_of([person])[person.id]


def subjects_of(people):
    """{person id: Subject} for many people, with one query for their logins' addresses."""
    from portal.auth.models import User  # auth's models point at people's: imported on use
    logins, user_ids = {}, {}
    for user in User.select(User.id, User.email, User.person).where(
            any_of(User.person, [p.id for p in people])):
        logins.setdefault(user.person_id, set()).add(user.email.lower())
        user_ids.setdefault(user.person_id, set()).add(user.id)
    return {p.id: Subject(p, frozenset({p.email.lower()} | logins.get(p.id, set())),
                          frozenset({p.phone} - {""}), frozenset({p.name} - {""}),
                          user_ids=frozenset(user_ids.get(p.id, ())))
            for p in people}


def group(subjects):
    """One Subject standing for several: set-based work over all of them at once."""
    subjects = list(subjects)
    return Subject(None, frozenset().union(*(s.emails for s in subjects)),
                   frozenset().union(*(s.phones for s in subjects)),
                   frozenset().union(*(s.names for s in subjects)),
                   person_ids=frozenset().union(*(s.person_ids for s in subjects)),
                   user_ids=frozenset().union(*(s.user_ids for s in subjects)))


def subject_for_address(email, phone=""):
    """Whoever an address (and optionally a phone number) points at: the Person using it, or
    someone we may know only by it (a code, a registration link, a reference)."""
    email = (email or "").strip().lower()
    person = Person.get_or_none(Person.email == email)
    if person is not None:
        return subject_of(person)
    return Subject(None, frozenset({email} - {""}), frozenset({phone} - {""}))


def rows_of(holding, subject):
    condition = holding.condition(subject)
    if condition is None:
        return holding.model.select().where(False)
    return holding.model.select().where(condition).order_by(holding.model.id)


def holds_anything(subject):
    """Whether any holding of any kind of data subject has a row about this subject."""
    return any(rows_of(h, subject).exists() for h in row_holdings())


# -- Access (Art. 15) ---------------------------------------------------------------------------

@dataclass
class Item:
    """One row's fields that belong to one category."""
    model: str
    id: int
    source: str
    fields: dict


@dataclass
class CategoryExport:
    category: catalog.Category
    purposes: list
    bases: list            # [(basis key, [Purpose])]
    retention: catalog.Retention
    delete_on: date | None  # the actual date, where one date holds for the whole category
    items: list = field(default_factory=list)


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def deletion_date(person, retention=catalog.AFTER_LAST_CONTACT):
    """The last day this person's data is kept unless there is new contact: the Oslo date of
    the last contact, `retention.years` later (29 February becomes 28 February). It is erased
    the day after."""
    return catalog.last_day(retention, oslo_date(getattr(person, retention.after)))


def _items(holding, row):
    """A row's exported fields, split by the category each belongs to; secrets left out."""
    home = holding.category_of(row)
    split = {}
    for name in holding.model._meta.sorted_field_names:
        if name in holding.withheld:
            continue
        found = None if holding.whole_row else catalog.category_of(f"{holding.name}.{name}")
        key = found.key if found else home
        value = row.__data__.get(name)
        if key != home and value in (None, ""):
            continue  # e.g. a booking's typed name when it matched the name we hold
        split.setdefault(key, {})[name] = _plain(value)
    return [(key, Item(holding.name, row.id, holding.source, fields))
            for key, fields in split.items()]


def export_subject(subject, consented=()):
    """Everything held about a subject, as [CategoryExport] in catalog order (only categories
    with items), plus what is withheld from the copy and why."""
    found = {}
    for holding in row_holdings():
        rows = rows_of(holding, subject)
        if holding.exported is not None:
            rows = rows.where(holding.exported())
        for row in rows:
            for key, item in _items(holding, row):
                found.setdefault(key, []).append(item)
    groups = []
    for category in catalog.CATEGORIES:
        if category.key not in found:
            continue
        in_force = catalog.purposes_in_force(category, consented)
        delete_on = (deletion_date(subject.person, category.retention)
                     if subject.person is not None
                     and category.retention is catalog.AFTER_LAST_CONTACT else None)
        groups.append(CategoryExport(category, in_force, catalog.by_basis(in_force),
                                     category.retention, delete_on, found[category.key]))
    return groups


def export_person(person):
    """Everything held about a person, grouped by catalog category (see `export_subject`)."""
    from portal.consent.actions import given  # consent reads the person: imported on use
    return export_subject(subject_of(person), consented=given(person))


def withheld():
    """[(model, column)] that exist but are never copied out: secrets protecting the account."""
    return [(h.name, c) for h in row_holdings() for c in h.withheld]


def as_json(groups):
    """The export as plain data for data.json."""
    return {g.category.key: {
        "label": str(g.category.label), "stage": g.category.stage,
        "purposes": [p.key for p in g.purposes],
        "bases": [basis for basis, _ in g.bases],
        "retention": g.retention.key,
        "delete_on": g.delete_on.isoformat() if g.delete_on else None,
        "items": [{"model": i.model, "id": i.id, "source": i.source, "fields": i.fields}
                  for i in g.items]} for g in groups}


# -- Correction (Art. 16) -----------------------------------------------------------------------

class NotRectifiable(ValueError):
    """A change to a field that a correction may not change, or to a row of someone else."""

    def __init__(self, message, fields=()):
        super().__init__(str(message))
        self.message = message
        self.fields = tuple(fields)


# Art. 19: whom a correction or an erasure is passed on to. Each callable tells the recipients
# of the person's data (business customers) and returns whom it told, as readable names:
#   PASS_ON:       (person, row, {column: old value}, by) -> [recipient], after a correction
#   ERASE_PASS_ON: (people) -> {person id: [recipient]}, before an erasure removes the rows
#                  (set-based: one call for every person of a batch)
# They run inside the transaction of the change: what they write (e-mails in the outbox) goes
# out only once it has committed. portal/customers registers both.
PASS_ON = []
ERASE_PASS_ON = []


def holding_of(row):
    return next((h for h in row_holdings("candidate") if h.model is type(row) and h.person),
                None)


def rectify(person, changes, by, row=None, stamp=None, told=None):
    """Change personal data: the one way any of it changes. Returns {column: old value}.

    `row` is the Person (default) or one of their rows; `changes` maps its columns to new
    values; `by` is "person" (the person themself), "staff" or "request" (an accepted
    correction). Only the holding's `rectify` columns may change, and only by whom the holding
    lets (`rectified_by`: what staff wrote, never by the person on their own). `stamp` sets
    bookkeeping columns (no personal data: who changed it) in the same write, when anything
    changed. Audited with the names of
    the fields changed; contact is recorded only when the person made the change themself, so
    staff edits never extend retention; PASS_ON tells those who received the data, and whom
    they told is added to the list `told` when one is given.
    """
    if by not in ("person", "staff", "request"):
        raise ValueError(f"rectify by {by!r}: give 'person', 'staff' or 'request'")
    row = person if row is None else row
    holding = holding_of(row)
    if holding is None or getattr(row, holding.person + "_id", row.id) != person.id:
        raise NotRectifiable(_l("This is not yours to change."))
    if by not in holding.rectified_by:
        raise NotRectifiable(_l("Our staff wrote this, so it cannot be changed here. If it is "
                                "wrong, ask us to correct it: send a correction request from "
                                "the privacy page."), changes)
    refused = [c for c in changes if c not in holding.rectify]
    if refused:
        raise NotRectifiable(_l("This cannot be changed here: %(fields)s.",
                                fields=", ".join(refused)), refused)
    stamp = dict(stamp or {})
    personal = [c for c in stamp if f"{holding.name}.{c}" not in catalog.NOT_PERSONAL]
    if personal:
        raise ValueError(f"stamp only bookkeeping columns, not {personal}")
    changed = {c: getattr(row, c) for c, v in changes.items() if getattr(row, c) != v}
    if not changed:
        return {}
    with db.atomic():
        written = [*((c, changes[c]) for c in changed), *stamp.items()]
        for column, value in written:
            setattr(row, column, value)
        columns = [c for c, _ in written]
        if "updated_at" in row._meta.fields:
            row.updated_at = utcnow()
            columns.append("updated_at")
        # Only these columns: the row was read a while ago (a correction decided on a page),
        # and what was changed meanwhile in its other columns stays.
        row.save(only=[row._meta.fields[c] for c in columns])
        record("person.rectified", person=person, model=holding.name, row=row.id,
               fields=sorted(changed), by=by)
        if by == "person":
            contact(person, "own_change")
        for pass_on in PASS_ON:
            recipients = pass_on(person, row, changed, by) or ()
            if told is not None:
                told.extend(r for r in recipients if r not in told)
    return changed


# -- Erasure (Art. 17) --------------------------------------------------------------------------

class AlreadyErased(LookupError):
    """The person is gone already; `tombstone` says when and why, when known."""

    def __init__(self, tombstone=None):
        super().__init__("already erased")
        self.tombstone = tombstone


def _email_hash(email):
    return keyed_hash(ERASURE_HASH, (email or "").strip().lower())


def _phone_hash(number):
    return keyed_hash(ERASURE_HASH, f"phone {number or ''}")


def _person_hash(person):
    """A keyed name of one Person row (its id and when it was made): a restored backup may
    hold them under an address they changed before the erasure."""
    return keyed_hash(ERASURE_HASH, f"person {person.id} {person.created_at.isoformat()}")


def erasure_log_path():
    return current_app.config["ERASURE_LOG_PATH"]


def _log_line(tombstone, person=None, phone_hash=None):
    entry = {"tombstone": tombstone.id, "at": tombstone.erased_at.isoformat(),
             "reason": tombstone.reason, "email_hash": tombstone.email_hash}
    if person is not None:
        entry["person_hash"] = _person_hash(person)
    if phone_hash is not None:  # someone known only by a number (and maybe an address)
        entry["phone_hash"] = phone_hash
    return json.dumps(entry).encode() + b"\n"


def _append_to_log(tombstones, people, phone_hash=None):
    """Append tombstones (of these people, or of someone known only by an address or number)
    to the erasure log outside the database, flushed to disk before the erasure commits: a
    restored database cannot roll it back."""
    lines = b"".join(_log_line(t, p, phone_hash) for t, p in zip(tombstones, people))
    path = erasure_log_path()
    private_dir(os.path.dirname(path) or ".")
    with open_private(path, append=True) as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # one appender at a time; released at close
        if _ends_torn(path):
            # A crash while appending left half a line (its erasure never committed): ours
            # starts on a line of its own rather than finishing that one.
            lines = b"\n" + lines
        f.write(lines)
        f.flush()
        os.fsync(f.fileno())


def _ends_torn(path):
    """Whether the log's last line lacks its end (a crash while it was written)."""
    with open(path, "rb") as f:
        if f.seek(0, os.SEEK_END) == 0:
            return False
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"


def _redis_fragments(subject):
    return sorted({frag for h in declarations() if isinstance(h, RedisKeys)
                   for frag in h.fragments(subject)})


def _forget(fragments):
    """Remove every Redis key naming one of these fragments; False when Redis cannot be reached."""
    try:
        forget_keys(fragments)
        return True
    except Exception as exc:  # noqa: BLE001 - any storage failure leaves it for the next run
        log.warning("erasure: Redis keys left for the next run (%s)", type(exc).__name__)
        return False


def _delete_rows(subject, created_before=None):
    """Delete the subject's rows of every holding (kept ones aside); returns storage ids to
    remove after commit and {model: rows deleted}."""
    order = {m: n for n, m in enumerate(features.all_models())}
    files = []
    for holding in declarations():
        if isinstance(holding, Files) and holding.rows.erase is DELETE:
            # A row may name no file (a copy still being made, or expired): nothing to remove,
            # and PostgreSQL refuses a pending deletion without one, failing the whole erasure.
            files += [s for s in (getattr(r, holding.column) for r in _scoped(
                holding.rows, subject, created_before)) if s]
    counts = {}
    for holding in sorted(row_holdings(), key=lambda h: -order[h.model]):
        if holding.erase is not DELETE:
            continue
        ids = [i for (i,) in _scoped(holding, subject, created_before).select(holding.model.id).tuples()]
        if ids:
            counts[holding.name] = counts.get(holding.name, 0) + holding.model.delete().where(
                any_of(holding.model.id, ids)).execute()
    return files, counts


def _scoped(holding, subject, created_before):
    query = rows_of(holding, subject)
    if created_before is not None:
        query = query.where(getattr(holding.model, holding.created) < created_before)
    return query


def _remove_files(storage_ids):
    """Remove stored files whose rows are gone, then their pending records (a crash in between
    leaves the records, and the next run removes the files)."""
    for storage_id in storage_ids:
        storage.delete(storage_id)  # a file already missing is no error
    for start in range(0, len(storage_ids), 500):
        PendingFileDeletion.delete().where(
            PendingFileDeletion.storage_id.in_(storage_ids[start:start + 500])).execute()


def _queue_file_removal(storage_ids):
    """Record, in the transaction that deletes the rows, the files to remove after commit."""
    for start in range(0, len(storage_ids), 500):
        PendingFileDeletion.insert_many(
            [{"storage_id": s} for s in storage_ids[start:start + 500]]).on_conflict_ignore().execute()


def _after_commit_cleanup(tombstones, subject, files, fragments):
    _remove_files(files)
    for holding in declarations():
        if isinstance(holding, Folder):
            holding.forget(subject)
    if fragments and _forget(fragments):
        Tombstone.update(redis_pending="").where(
            Tombstone.id.in_([t.id for t in tombstones])).execute()
    checkpoint()


def _erase_rows(subject, kept_files=()):
    """In the erasure's transaction: tell whom features say must be told, delete the subject's
    rows (kept holdings aside) and note their files for removal after commit, but for the
    files a legal hold keeps."""
    told = [(h, h.gather(rows_of(h.rows, subject))) for h in declarations()
            if isinstance(h, Tell)]
    files, counts = _delete_rows(subject)
    for holding, values in told:
        holding.tell(values)  # e-mails in the outbox, sent once this commits
    files = [f for f in files if f not in kept_files]
    _queue_file_removal(files)
    return files, counts


def _present(person_ids, only=None):
    """The people of these ids still here (and still matching `only`), locked until the
    transaction ends on PostgreSQL, so that two erasures at once erase each person once and
    contact made meanwhile is seen (SQLite takes its write lock up front)."""
    query = (Person.select(Person.id, Person.email, Person.phone, Person.name, Person.locale,
                           Person.created_at)
             .where(any_of(Person.id, sorted(person_ids))).order_by(Person.id))
    if only is not None:
        query = query.where(only)
    if is_postgres():
        query = query.for_update()
    return list(query)


# -- Legal holds --------------------------------------------------------------------------------

def restrictions():
    """The declared legal-hold keepers (holdings.Restriction)."""
    return [h for h in declarations() if isinstance(h, Restriction)]


def standing_holds(person_ids, today=None):
    """{person id: [(Restriction, hold)]}: the legal holds in force on `today` (Oslo date)."""
    today = today or oslo_date(utcnow())
    found = {}
    for restriction in restrictions():
        for person_id, holds in restriction.standing(sorted(person_ids), today).items():
            found.setdefault(person_id, []).extend((restriction, h) for h in holds)
    return found


def held_categories(holds):
    """{category key: [hold]} of standing holds [(Restriction, hold)]."""
    held = {}
    for _, hold in holds:
        for key in hold.categories:
            held.setdefault(key, []).append(hold)
    return held


def _held_files(subject, categories):
    """{(model, row id): storage id} of the stored files of the subject's rows in these
    categories."""
    found = {}
    for holding in declarations():
        if isinstance(holding, Files) and holding.rows.erase is DELETE:
            for row in rows_of(holding.rows, subject):
                if holding.rows.category_of(row) in categories:
                    found[(holding.rows.name, row.id)] = getattr(row, holding.column)
    return found


def _keep_held(holds, subject, person_id):
    """Hand what standing holds name to their keeper, out of the live tables, before the rows
    go; returns the storage ids of the files kept with it (not removed)."""
    if not holds:
        return set()
    subject = replace(subject, person=None)  # every row of the person; no deletion dates
    groups = export_subject(subject)
    kept_files = set()
    for restriction, hold in holds:
        categories = set(hold.categories)
        files = _held_files(subject, categories)
        restriction.keep(hold, person_id, [g for g in groups if g.category.key in categories],
                         files)
        kept_files |= set(files.values())
    return kept_files


def _kept_plain(holds):
    """What an erasure kept under holds, as plain values for the confirmation e-mail."""
    return [{"hold": hold.id, "categories": list(hold.categories), "reason": hold.reason,
             "until": hold.ends_on.isoformat()} for _, hold in holds]


def end_holds(today=None):
    """End every legal hold whose end has passed and erase what it kept (retention runs this
    nightly); returns {what: count}."""
    today = today or oslo_date(utcnow())
    counts = {}
    for restriction in restrictions():
        for key, number in (restriction.release(today) or {}).items():
            counts[key] = counts.get(key, 0) + number
    return counts


def _tell_recipients(people):
    """Art. 19: tell whoever received these people's data of the erasure; {person id: [whom]}."""
    told = {p.id: [] for p in people}
    for pass_on in ERASE_PASS_ON:
        for person_id, recipients in (pass_on(people) or {}).items():
            told[person_id] += [r for r in recipients if r not in told[person_id]]
    return told


# -- What an erasure will do ------------------------------------------------------------------

@dataclass
class PreviewLine:
    """Rows of one model in one category, and what the erasure does with them."""
    category: catalog.Category
    model: str
    rows: int
    action: str               # "delete", "keep" (a legal reason) or "hold" (a legal hold)
    reason: object = ""
    until: date | None = None


@dataclass
class ErasurePreview:
    lines: list
    files_removed: int
    files_kept: int
    stores: list              # names of Redis key families and folders that are cleared
    holds: list               # [(Restriction, hold)] standing now
    address: str              # where the confirmation goes before the address itself goes

    def of(self, action):
        return [line for line in self.lines if line.action == action]


def erasure_preview(person, today=None, subject=None):
    """Exactly what `erase_person` (or, for a `subject` without a Person, `erase_known_by`)
    would do now, from the same declarations: for each catalog category and model, how many
    rows are removed, kept for a legal reason (until when), or kept restricted under a legal
    hold (why, until when); stored files removed and kept."""
    subject = subject_of(person) if person is not None else subject
    holds = standing_holds([person.id], today).get(person.id, []) if person is not None else []
    held = held_categories(holds)
    found = {}
    for holding in row_holdings():
        for row in rows_of(holding, subject):
            for key, _item in _items(holding, row):
                if key in held:
                    action = "hold"
                    reason = "; ".join(dict.fromkeys(h.reason for h in held[key]))
                    until = max(h.ends_on for h in held[key])
                elif holding.erase is DELETE:
                    action, reason, until = "delete", "", None
                else:
                    action, reason, until = "keep", holding.erase.reason, holding.erase.until(row)
                line = found.setdefault((action, key, holding.name, str(reason)), PreviewLine(
                    catalog.CATEGORIES_BY_KEY[key], holding.name, 0, action, reason, until))
                line.rows += 1
                if until and (line.until is None or until > line.until):
                    line.until = until
    order = {c.key: n for n, c in enumerate(catalog.CATEGORIES)}
    lines = sorted(found.values(), key=lambda line: (order[line.category.key], line.model))
    kept = set(_held_files(subject, set(held)).values())
    files = [getattr(r, h.column) for h in declarations()
             if isinstance(h, Files) and h.rows.erase is DELETE for r in rows_of(h.rows, subject)]
    stores = [h.name for h in declarations() if isinstance(h, (RedisKeys, Folder))]
    return ErasurePreview(lines, len([f for f in files if f not in kept]), len(kept), stores,
                          holds, person.email if person is not None else min(subject.emails, default=""))


def erase_people(person_ids, reason, confirm=False, only=None, request=None):
    """Erase many people at once, set-based, in one transaction; returns their Tombstones.

    Every holding loses the rows of all of them in a few statements; kept holdings (the audit
    trail) stay, for their reason and until their date. People already gone (erased by a run
    at the same moment) are skipped, and so are those no longer matching `only` (a condition on
    Person checked under the lock: still due). Files go after commit; Redis keys too, or, when Redis is
    down, each tombstone keeps the keyed names of its person's keys until `finish_erasures`
    removes them. What a standing legal hold names is handed to its keeper first and stays,
    restricted, until the hold ends (`end_holds`); ERASE_PASS_ON tells whoever received the
    data, and whoever a feature says must be told (`Tell`: a consultant whose meeting is off)
    gets an e-mail, sent after commit. With `confirm`, each person gets a confirmation, the
    last e-mail, saying what was kept and why and whom we told; its record loses the address
    once sent.
    """
    from portal.mail.actions import queue_email  # mail's models point at people's
    with db.atomic():
        present = _present(person_ids, only)
        if not present:
            return []
        subjects = subjects_of(present)
        everyone = group(subjects.values())
        holds = standing_holds([p.id for p in present])
        told = _tell_recipients(present)
        kept_files = set()
        for person in present:
            kept_files |= _keep_held(holds.get(person.id, ()), subjects[person.id], person.id)
        files, counts = _erase_rows(everyone, kept_files)
        erased_at = utcnow()
        rows, everyones_keys = [], set()
        for person in present:
            fragments = _redis_fragments(subjects[person.id])
            everyones_keys.update(fragments)
            rows.append({"erased_at": erased_at, "reason": reason[:200],
                         "email_hash": _email_hash(person.email),
                         "redis_pending": json.dumps(fragments) if fragments else ""})
        ids = [row[0] for row in Tombstone.insert_many(rows).returning(Tombstone.id).tuples()
               .execute()]
        tombstones = [Tombstone(id=i, **row) for i, row in zip(ids, rows)]
        for restriction in restrictions():
            restriction.erased({p.id: t for p, t in zip(present, tombstones)})
        held = sorted({key for p in present for key in held_categories(holds.get(p.id, ()))})
        if len(present) == 1:
            record("person.erased", person=present[0].id, tombstone=ids[0], reason=reason[:200],
                   **({"held": held} if held else {}))
        else:  # a batch: one event, the tombstones are each person's proof
            record("people.erased", people=len(present), tombstones=[ids[0], ids[-1]],
                   reason=reason[:200], **({"held": held} if held else {}))
        if confirm:
            for person, tombstone in zip(present, tombstones):
                queue_email(person.email, _l("Your data has been erased"), "people/email/erased",
                            locale=person.locale, forget_after_send=True,
                            tombstone=tombstone.id, erased_at=erased_at.isoformat(),
                            kept=_kept_plain(holds.get(person.id, ())), told=told[person.id],
                            request=request)
        _append_to_log(tombstones, present)
        fragments = sorted(everyones_keys)
        db.after_commit(lambda: _after_commit_cleanup(tombstones, everyone, files, fragments))
    return tombstones


@email_context("people/email/erased")
def _erased_context(tombstone, erased_at, kept=(), told=(), request=None):
    kept = [{**k, "until": date.fromisoformat(k["until"]),
             "labels": [str(catalog.CATEGORIES_BY_KEY[c].label) for c in k["categories"]
                        if c in catalog.CATEGORIES_BY_KEY]} for k in kept]
    return {"tombstone": tombstone, "erased_at": datetime.fromisoformat(erased_at), "kept": kept,
            "told": list(told), "request": request}


class ReasonNamesPerson(ValueError):
    """The reason of an erasure names the person: it outlives them (tombstone, log, audit)."""


def _naming(person, text):
    """Whether a text names the person: their name, address or number (with or without +47)."""
    text = text.lower()
    digits = "".join(c for c in text if c.isdigit())
    return (any(v and v.lower() in text for v in (person.name, person.email, person.phone))
            or bool(person.phone and person.phone[-8:] in digits))


def erase_person(person, reason, confirm=True, request=None):
    """Erase one person everywhere the registry knows (`erase_people` for one); returns the
    Tombstone. Erasing someone already erased raises AlreadyErased, naming the tombstone; a
    reason that names the person raises ReasonNamesPerson and erases nothing. `request` is
    the privacy request asking for it (its id), named in the confirmation."""
    if _naming(person, reason):
        raise ReasonNamesPerson("the reason must not name the person: it is kept with the "
                                "tombstone, in the erasure log and in the audit trail")
    tombstones = erase_people([person.id], reason, confirm=confirm, request=request)
    if not tombstones:
        raise AlreadyErased(Tombstone.select().where(
            Tombstone.email_hash == _email_hash(person.email)).order_by(Tombstone.id).first())
    return tombstones[0]


class NothingHeld(LookupError):
    """Nothing is held under an address or number (or it is a staff login, not a subject)."""


def erase_known_by(email, phone, reason, confirm=False):
    """Erase everything held about someone we know only by an address and/or a number, not as
    a Person: a reference a candidate named, a business customer's contact person, someone who
    asked for a code or sent a request. Kept holdings stay for their reason (an agreement the
    contact signed keeps the name it was signed with). With `confirm`, the address gets a
    confirmation, the last e-mail, in the language a holding kept for them; its record loses the
    address once sent. Returns (Tombstone, rows erased). The tombstone keeps a keyed hash of the
    address (of the number when there is none); the erasure log keeps both, so a replay after a
    restore finds their rows again. Raises NothingHeld when nothing is, ReasonNamesPerson as erase_person."""
    from portal.auth.models import User  # auth's models point at people's: imported on use
    email, phone = (email or "").strip().lower(), phone or ""
    if not (email or phone):
        raise ValueError("an address or a number is needed")
    if Person.select().where((Person.email == email) if email else (Person.phone == phone)).exists():
        raise ValueError("a Person holds this address or number: erase them with erase_person")
    if email and User.select().where(User.email == email).exists():
        raise NothingHeld("that address is a staff login, not someone we hold data about")
    if _naming(Person(name="", email=email, phone=phone), reason):
        raise ReasonNamesPerson("the reason must not name the person: it is kept with the "
                                "tombstone, in the erasure log and in the audit trail")
    subject = Subject(None, frozenset({email} - {""}), frozenset({phone} - {""}))
    with db.atomic():
        if not holds_anything(subject):
            raise NothingHeld("nothing is held under that address or number")
        locale = _locale_of(subject)  # read before their rows go
        files, counts = _erase_rows(subject)
        fragments = _redis_fragments(subject)
        tombstone = Tombstone.create(
            erased_at=utcnow(), reason=reason[:200],
            email_hash=_email_hash(email) if email else _phone_hash(phone),
            redis_pending=json.dumps(fragments) if fragments else "")
        rows = sum(counts.values())
        record("subject.erased", tombstone=tombstone.id, reason=reason[:200], rows=rows,
               files=len(files))
        if confirm and email:
            from portal.mail.actions import queue_email  # mail's models point at people's
            queue_email(email, _l("Your data has been erased"), "people/email/erased",
                        locale=locale, forget_after_send=True,
                        tombstone=tombstone.id, erased_at=tombstone.erased_at.isoformat())
        _append_to_log([tombstone], [None], phone_hash=_phone_hash(phone) if phone else None)
        db.after_commit(lambda: _after_commit_cleanup([tombstone], subject, files, fragments))
    return tombstone, rows


def _locale_of(subject):
    """The language someone without a Person reads: the one a holding keeps for them."""
    for holding in row_holdings():
        if "locale" in holding.model._meta.fields and holding.person is None:
            row = rows_of(holding, subject).first()
            if row is not None:
                return row.locale
    return "nb"


def finish_erasures():
    """Finish what erasures left after commit: files of rows already gone (a crash between
    commit and removal) and Redis keys (Redis was down). Returns how many tombstones finished."""
    _remove_files([p.storage_id for p in PendingFileDeletion.select()])
    done = 0
    for tombstone in Tombstone.select().where(Tombstone.redis_pending != ""):
        if _forget(json.loads(tombstone.redis_pending)):
            Tombstone.update(redis_pending="").where(Tombstone.id == tombstone.id).execute()
            done += 1
    return done


def was_erased(email=None, phone=None):
    """The tombstones of an address (or of a number erased without one): the answer to "did
    you erase me?"."""
    hashes = ([_email_hash(email)] if email else []) + ([_phone_hash(phone)] if phone else [])
    return list(Tombstone.select().where(Tombstone.email_hash.in_(hashes))
                .order_by(Tombstone.id)) if hashes else []


def _whole_entry(line):
    """A log line as an entry, or None when it is not a whole one (torn by a crash)."""
    try:
        entry = json.loads(line)
        datetime.fromisoformat(entry["at"])
    except (ValueError, TypeError, KeyError):
        return None
    if not (isinstance(entry, dict) and isinstance(entry.get("tombstone"), int)
            and isinstance(entry.get("email_hash"), str) and isinstance(entry.get("reason"), str)):
        return None
    return entry


def read_erasure_log_checked():
    """(entries, torn): every whole line of the erasure log, and the numbers (from 1) of lines
    that are not whole entries. A line torn by a crash while it was appended belongs to an
    erasure that never committed (the line is written before the commit), so skipping it
    loses nothing; it is reported all the same."""
    entries, torn = [], []
    try:
        with open(erasure_log_path(), "rb") as f:
            for number, raw in enumerate(f, start=1):
                if not raw.strip():
                    continue
                entry = _whole_entry(raw.decode("utf-8", errors="replace"))
                if entry is None:
                    torn.append(number)
                else:
                    entries.append(entry)
    except FileNotFoundError:
        pass
    return entries, torn


def read_erasure_log():
    """The whole entries of the erasure log (see read_erasure_log_checked)."""
    return read_erasure_log_checked()[0]


def replay_erasures():
    """After a database restore: erase again, from the erasure log, data created before each
    erasure; people who came back afterwards are left alone. Returns (people, rows) erased.

    Each row is hashed once, whatever the length of the log. A person is known by their
    address or by the keyed name of their row (which holds when they changed the address
    after the backup was taken); rows found only by an address (links, codes, e-mails) by
    the address.
    """
    entries = read_erasure_log()
    _restore_tombstones(entries)
    erasures = {}  # keyed hash -> [(time, tombstone id)] of the erasures it names
    for entry in entries:
        at = datetime.fromisoformat(entry["at"])
        for key in {entry["email_hash"], entry.get("person_hash")} - {None}:
            erasures.setdefault(key, []).append((at, entry["tombstone"]))
    people = rows = 0
    for person, (at, tombstone) in _erased_again(erasures):
        with db.atomic():
            subject = subject_of(person)
            # A hold standing in the restored database keeps what it names, as the erasure did.
            holds = standing_holds([person.id]).get(person.id, ())
            kept_files = _keep_held(holds, subject, person.id)
            files, counts = _delete_rows(subject, created_before=at)
            files = [f for f in files if f not in kept_files]
            _queue_file_removal(files)
            if holds:
                found = Tombstone.get_or_none(Tombstone.id == tombstone)
                for restriction in restrictions():
                    restriction.erased({person.id: found} if found else {})
            record("person.erased", person=person.id, tombstone=tombstone,
                   reason=f"replay of erasure {tombstone}",
                   rows=sum(counts.values()), files=len(files))
            db.after_commit(lambda f=files: _remove_files(f))
        people += 1
        rows += sum(counts.values())
    by_address = {}
    for entry in entries:
        for key in {entry["email_hash"], entry.get("phone_hash")} - {None}:
            by_address.setdefault(key, []).append(datetime.fromisoformat(entry["at"]))
    rows += _replay_by_address(by_address, numbers=any("phone_hash" in e for e in entries))
    checkpoint()
    return people, rows


def _restore_tombstones(entries):
    """The tombstones of logged erasures that the database lacks, under their own id where it
    is free (an erasure made after the restore may have taken it)."""
    known = {(t.email_hash, t.erased_at) for t in Tombstone.select(Tombstone.email_hash,
                                                                    Tombstone.erased_at)}
    taken = {t.id for t in Tombstone.select(Tombstone.id)}
    for entry in entries:
        at = datetime.fromisoformat(entry["at"])
        if (entry["email_hash"], at) in known:
            continue
        row = {"erased_at": at, "reason": entry["reason"], "email_hash": entry["email_hash"]}
        if entry["tombstone"] not in taken:
            row["id"] = entry["tombstone"]
        taken.add(Tombstone.insert(**row).execute())
        known.add((entry["email_hash"], at))
    if is_postgres() and taken:
        # Ids given by hand do not move PostgreSQL's sequence: the next erasure would take one.
        db.execute_sql("SELECT setval(pg_get_serial_sequence('tombstone', 'id'), "
                       "(SELECT MAX(id) FROM tombstone))")


def _erased_again(erasures):
    """[(Person, (time, tombstone id))]: each person a logged erasure names who was created
    before it, with the latest such erasure."""
    found = []
    for person in Person.select().order_by(Person.id):
        named = [e for key in {_person_hash(person), _email_hash(person.email)}
                 for e in erasures.get(key, ()) if person.created_at < e[0]]
        if named:
            found.append((person, max(named)))
    return found


def _replay_by_address(erasures, numbers=False):
    """Rows found only by an address (links, codes, e-mails) of an erased person, or by the
    address or number of someone erased without a Person (`numbers`: the log has such), made
    before an erasure of it; `erasures` maps a keyed hash to erasure times."""
    deleted = 0
    for holding in row_holdings():
        if holding.erase is not DELETE:
            continue
        keys = [(holding.email, _email_hash)] if holding.email else []
        if numbers and holding.phone:
            keys.append((holding.phone, _phone_hash))
        for column, hashed in keys:
            model = holding.model
            created = getattr(model, holding.created)
            matched = [r.id for r in model.select(model.id, getattr(model, column), created)
                       if getattr(r, column)
                       and any(getattr(r, holding.created) < at
                               for at in erasures.get(hashed(getattr(r, column)), ()))]
            for start in range(0, len(matched), 500):
                deleted += model.delete().where(model.id.in_(matched[start:start + 500])).execute()
    return deleted


def reconcile_files(older_than=timedelta(hours=1)):
    """Remove stored files that no row names any more (a crash between commit and removal);
    files younger than `older_than` are left, as an upload may be about to commit its row."""
    known = set()
    for holding in declarations():
        if isinstance(holding, Files):
            model = holding.rows.model
            known |= {getattr(r, holding.column) for r in
                      model.select(getattr(model, holding.column))}
    return storage.remove_unknown(known, older_than)
