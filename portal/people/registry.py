"""The person registry: where one person's data sits, and what access, correction and erasure do.

Every feature declares its holdings (portal/people/holdings.py) beside its models; this module
reads them and is the one way to

- find everything held about someone (`subject_of`, `subject_for_address`, `holds_anything`),
- export it all, grouped by catalog category (`export_person`, `export_subject`),
- change personal data (`rectify`),
- erase a person (`erase_person`), finish what Redis could not take at the time
  (`finish_erasures`), and erase again after a backup is restored (`replay_erasures`).
"""
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal import catalog, features, storage
from portal.audit.actions import record
from portal.db import any_of, checkpoint, db, is_postgres, oslo_date, utcnow
from portal.mail.actions import email_context
from portal.people.contact import contact
from portal.people.holdings import DELETE, Files, Folder, NoPersonalData, RedisKeys, Rows, Subject
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
        for row in rows_of(holding, subject):
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
#   ERASE_PASS_ON: (person, subject) -> [recipient], before an erasure removes the rows
# They run inside the transaction of the change: what they write (e-mails in the outbox) goes
# out only once it has committed. portal/customers registers both.
PASS_ON = []
ERASE_PASS_ON = []


def holding_of(row):
    return next((h for h in row_holdings("candidate") if h.model is type(row) and h.person),
                None)


def rectify(person, changes, by, row=None, told=None):
    """Change personal data: the one way any of it changes. Returns {column: old value}.

    `row` is the Person (default) or one of their rows; `changes` maps its columns to new
    values; `by` is "person" (the person themself), "staff" or "request" (an accepted
    correction). Only the holding's `rectify` columns may change. Audited with the names of
    the fields changed; contact is recorded only when the person made the change themself, so
    staff edits never extend retention; PASS_ON tells those who received the data, and whom
    they told is added to the list `told` when one is given.
    """
    row = person if row is None else row
    holding = holding_of(row)
    if holding is None or getattr(row, holding.person + "_id", row.id) != person.id:
        raise NotRectifiable(_l("This is not yours to change."))
    refused = [c for c in changes if c not in holding.rectify]
    if refused:
        raise NotRectifiable(_l("This cannot be changed here: %(fields)s.",
                                fields=", ".join(refused)), refused)
    changed = {c: getattr(row, c) for c, v in changes.items() if getattr(row, c) != v}
    if not changed:
        return {}
    with db.atomic():
        for column in changed:
            setattr(row, column, changes[column])
        if "updated_at" in row._meta.fields:
            row.updated_at = utcnow()
        row.save()
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


def _person_hash(person):
    """A keyed name of one Person row (its id and when it was made): a restored backup may
    hold them under an address they changed before the erasure."""
    return keyed_hash(ERASURE_HASH, f"person {person.id} {person.created_at.isoformat()}")


def erasure_log_path():
    return current_app.config["ERASURE_LOG_PATH"]


def _append_to_log(tombstones, people):
    """Append tombstones (of these people) to the erasure log outside the database, flushed to
    disk before the erasure commits: a restored database cannot roll it back."""
    lines = b"".join(json.dumps({
        "tombstone": t.id, "at": t.erased_at.isoformat(), "reason": t.reason,
        "email_hash": t.email_hash, "person_hash": _person_hash(p) if p is not None else None}
    ).encode() + b"\n" for t, p in zip(tombstones, people))
    path = erasure_log_path()
    private_dir(os.path.dirname(path) or ".")
    with open_private(path, append=True) as f:
        f.write(lines)
        f.flush()
        os.fsync(f.fileno())


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
        if isinstance(holding, Files):
            files += [getattr(r, holding.column) for r in _scoped(holding.rows, subject,
                                                                      created_before)]
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


def _tell_recipients(person, subject):
    """Art. 19: tell whoever received the person's data of the erasure; returns whom."""
    told = []
    for pass_on in ERASE_PASS_ON:
        told += [r for r in (pass_on(person, subject) or ()) if r not in told]
    return told


def erase_people(person_ids, reason, confirm=False, only=None):
    """Erase many people at once, set-based, in one transaction; returns their Tombstones.

    Every holding loses the rows of all of them in a few statements; kept holdings (the audit
    trail) stay, for their reason and until their date. People already gone (erased by a run
    at the same moment) are skipped, and so are those no longer matching `only` (a condition on
    Person checked under the lock: still due). Files go after commit; Redis keys too, or, when Redis is
    down, each tombstone keeps the keyed names of its person's keys until `finish_erasures`
    removes them. ERASE_PASS_ON tells whoever received the data. With `confirm`, each person
    gets a confirmation, the last e-mail, saying whom we told; its record loses the address
    once sent.
    """
    from portal.mail.actions import queue_email  # mail's models point at people's
    with db.atomic():
        present = _present(person_ids, only)
        if not present:
            return []
        subjects = subjects_of(present)
        everyone = group(subjects.values())
        told = {p.id: _tell_recipients(p, subjects[p.id]) for p in present}
        files, counts = _delete_rows(everyone)
        _queue_file_removal(files)
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
        if len(present) == 1:
            record("person.erased", person=present[0].id, tombstone=ids[0], reason=reason[:200])
        else:  # a batch: one event, the tombstones are each person's proof
            record("people.erased", people=len(present), tombstones=[ids[0], ids[-1]],
                   reason=reason[:200])
        if confirm:
            for person, tombstone in zip(present, tombstones):
                queue_email(person.email, _l("Your data has been erased"), "people/email/erased",
                            locale=person.locale, forget_after_send=True,
                            tombstone=tombstone.id, erased_at=erased_at.isoformat(),
                            told=told[person.id])
        _append_to_log(tombstones, present)
        fragments = sorted(everyones_keys)
        db.after_commit(lambda: _after_commit_cleanup(tombstones, everyone, files, fragments))
    return tombstones


@email_context("people/email/erased")
def _erased_context(tombstone, erased_at, told=()):
    return {"tombstone": tombstone, "erased_at": datetime.fromisoformat(erased_at),
            "told": list(told)}


class ReasonNamesPerson(ValueError):
    """The reason of an erasure names the person: it outlives them (tombstone, log, audit)."""


def _naming(person, text):
    """Whether a text names the person: their name, address or number (with or without +47)."""
    text = text.lower()
    digits = "".join(c for c in text if c.isdigit())
    return (any(v and v.lower() in text for v in (person.name, person.email, person.phone))
            or bool(person.phone and person.phone[-8:] in digits))


def erase_person(person, reason, confirm=True):
    """Erase one person everywhere the registry knows (`erase_people` for one); returns the
    Tombstone. Erasing someone already erased raises AlreadyErased, naming the tombstone; a
    reason that names the person raises ReasonNamesPerson and erases nothing."""
    if _naming(person, reason):
        raise ReasonNamesPerson("the reason must not name the person: it is kept with the "
                                "tombstone, in the erasure log and in the audit trail")
    tombstones = erase_people([person.id], reason, confirm=confirm)
    if not tombstones:
        raise AlreadyErased(Tombstone.select().where(
            Tombstone.email_hash == _email_hash(person.email)).order_by(Tombstone.id).first())
    return tombstones[0]


def erase_subject(subject, reason, confirm=True):
    """Erase someone the portal knows only by an address: a customer's contact person, a
    reference (a Subject without a Person; one with a Person is `erase_person`). Every holding
    loses the rows that reach them, kept holdings stay for their reason (a customer agreement
    they signed, with their name), and a Tombstone with a keyed hash of the address proves it.
    Returns the Tombstone; raises AlreadyErased when nothing is held about them any more, and
    ReasonNamesPerson (erasing nothing) when the reason names them."""
    if subject.person is not None:
        return erase_person(subject.person, reason, confirm=confirm)
    from portal.mail.actions import queue_email  # mail's models point at people's
    email = min(subject.emails, default="")
    if _naming(Person(name=min(subject.names, default=""), email=email,
                      phone=min(subject.phones, default="")), reason):
        raise ReasonNamesPerson("the reason must not name the person: it is kept with the "
                                "tombstone, in the erasure log and in the audit trail")
    with db.atomic():
        locale = _locale_of(subject)  # read before their rows go
        files, counts = _delete_rows(subject)
        if not counts and not files:
            raise AlreadyErased(Tombstone.select().where(
                Tombstone.email_hash == _email_hash(email)).order_by(Tombstone.id).first())
        _queue_file_removal(files)
        fragments = _redis_fragments(subject)
        tombstone = Tombstone.create(reason=reason[:200], email_hash=_email_hash(email),
                                     redis_pending=json.dumps(fragments) if fragments else "")
        record("subject.erased", tombstone=tombstone.id, reason=reason[:200],
               rows=sum(counts.values()), files=len(files))
        if confirm and email:
            queue_email(email, _l("Your data has been erased"), "people/email/erased",
                        locale=locale, forget_after_send=True,
                        tombstone=tombstone.id, erased_at=tombstone.erased_at.isoformat())
        _append_to_log([tombstone], [None])
        db.after_commit(lambda: _after_commit_cleanup([tombstone], subject, files, fragments))
    return tombstone


def _locale_of(subject):
    """The language a subject without a Person reads: the one a holding keeps for them."""
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


def was_erased(email):
    """The tombstones of an address: the answer to "did you erase me?"."""
    return list(Tombstone.select().where(Tombstone.email_hash == _email_hash(email)))


def read_erasure_log():
    try:
        with open(erasure_log_path(), encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


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
            files, counts = _delete_rows(subject_of(person), created_before=at)
            _queue_file_removal(files)
            record("person.erased", person=person.id, tombstone=tombstone,
                   reason=f"replay of erasure {tombstone}",
                   rows=sum(counts.values()), files=len(files))
            db.after_commit(lambda f=files: _remove_files(f))
        people += 1
        rows += sum(counts.values())
    by_address = {}
    for entry in entries:
        by_address.setdefault(entry["email_hash"], []).append(datetime.fromisoformat(entry["at"]))
    rows += _replay_by_address(by_address)
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


def _replay_by_address(erasures):
    """Rows found only by an address (links, codes, e-mails) of an erased person, made before
    an erasure of that address; `erasures` maps an address's keyed hash to erasure times."""
    deleted = 0
    for holding in row_holdings():
        if not holding.email or holding.erase is not DELETE:
            continue
        model, column = holding.model, getattr(holding.model, holding.email)
        created = getattr(model, holding.created)
        matched = [r.id for r in model.select(model.id, column, created)
                   if any(getattr(r, holding.created) < at
                          for at in erasures.get(_email_hash(getattr(r, holding.email)), ()))]
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
