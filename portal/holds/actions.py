"""Legal holds: placed, changed and ended by administrators, ended by themselves, and what they
keep when a person's data is erased while they stand. Views, the registry and retention call
these.

A hold covers catalog categories of one person until a date (the last Oslo date it stands).
While it stands nothing changes for the person's data in use; when the data is erased
(a request, retention), the registry hands the items of the held categories here
(`keep`): they leave every live table for `HeldData`, restricted (not found by staff search,
not shared, not used), and the rest is erased. The nightly retention run ends holds whose end
has passed and erases what they kept (`release`). Every placing, change and end is audited
(never with the reason's text: the audit trail keeps no personal data).
"""
import json
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from portal import catalog, storage
from portal.audit.actions import record
from portal.db import any_of, db, oslo_date, utcnow
from portal.holds.models import HeldData, LegalHold
from portal.problems import Problem

ENDING_SOON_DAYS = 30
QUEUE_KIND = "holds"  # its kind in the staff queue (portal/staff/sections.py)
MAX_YEARS = 10  # a hold longer than this is a typing mistake, not a legal need
# What a hold cannot cover, and why: kept or gone regardless of any hold.
NOT_HOLDABLE = {
    "audit": "kept for five years in any case",
    "legal_holds": "the hold itself",
    "codes": "gone within minutes; nothing a hold could need",
}


def holdable():
    """The catalog categories a hold may cover, in catalog order."""
    return [c for c in catalog.CATEGORIES if c.key not in NOT_HOLDABLE]


def labels(keys):
    """The catalog labels of category keys, in catalog order."""
    return [c.label for c in catalog.CATEGORIES if c.key in set(keys)]


class HoldProblem(Problem):
    """A change to a hold that cannot be made; `code` picks the message; nothing was changed."""
    MESSAGES = {
        "changed": _l("Someone else changed this hold at the same moment. This is how it stands "
                      "now; your change was not made."),
        "ended": _l("This hold has ended already. Nothing was changed."),
        "erased_more": _l("The person's data was erased while the hold stood: what it did not "
                          "keep is gone, so the hold can cover less now, but not more. Nothing "
                          "was changed."),
        "no_person": _l("There is nobody with this id. Nothing was changed."),
        "past": _l("The end must be a date after today. Nothing was changed."),
        "too_long": _l("A hold can last at most ten years. Nothing was changed."),
        "no_reason": _l("Write why the data must be kept. Nothing was changed."),
        "no_categories": _l("Choose at least one kind of data to keep. Nothing was changed."),
    }


def today_in_oslo():
    return oslo_date(utcnow())


def _check(reason, ends_on, categories, today):
    """The rules every hold keeps (the form checks them first, with the same messages)."""
    if not (reason or "").strip():
        raise HoldProblem("no_reason")
    keys = {c.key for c in holdable()}
    if not categories or not set(categories) <= keys:
        raise HoldProblem("no_categories")
    if not isinstance(ends_on, date) or ends_on <= today:
        raise HoldProblem("past")
    if ends_on > latest_end(today):
        raise HoldProblem("too_long")


def latest_end(today):
    try:
        return today.replace(year=today.year + MAX_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + MAX_YEARS, day=28)


def _covers(categories):
    order = [c.key for c in catalog.CATEGORIES]
    return json.dumps(sorted(set(categories), key=order.index))


# --- What stands ---------------------------------------------------------------------------------

def _standing_condition(today):
    return LegalHold.ended_at.is_null() & (LegalHold.ends_on >= today)


def standing(person_ids, today):
    """{person id: [LegalHold]} of the holds in force on `today` for these living people."""
    found = {}
    if not person_ids:
        return found
    for hold in (LegalHold.select().where(any_of(LegalHold.person_id, list(person_ids)),
                                          LegalHold.tombstone.is_null(),
                                          _standing_condition(today))
                 .order_by(LegalHold.id)):
        found.setdefault(hold.person_id, []).append(hold)
    return found


def is_standing(hold, today=None):
    return hold.ended_at is None and hold.ends_on >= (today or today_in_oslo())


def holds_of(person):
    """A living person's holds, standing ones first, then ended ones, newest first."""
    today = today_in_oslo()
    rows = list(LegalHold.select().where(LegalHold.person_id == person.id,
                                         LegalHold.tombstone.is_null())
                .order_by(LegalHold.id.desc()))
    return sorted(rows, key=lambda h: not is_standing(h, today))


def all_holds():
    """Every hold: standing ones by their end (soonest first), then ended ones, newest first."""
    today = today_in_oslo()
    rows = list(LegalHold.select().order_by(LegalHold.ends_on, LegalHold.id))
    standing_ = [h for h in rows if is_standing(h, today)]
    ended = sorted((h for h in rows if not is_standing(h, today)),
                   key=lambda h: (h.ended_at or h.placed_at), reverse=True)
    return standing_ + ended


def ending_soon(today=None, days=ENDING_SOON_DAYS):
    """Standing holds whose last day is within `days` days, the soonest first."""
    return list(LegalHold.select().where(_ending_soon_condition(today or today_in_oslo(), days))
                .order_by(LegalHold.ends_on, LegalHold.id))


def people_of(holds):
    """{person id: Person} of the living people these holds are on."""
    from portal.people.models import Person  # people's registry reads this feature
    ids = sorted({h.person_id for h in holds if not h.erased})
    return {p.id: p for p in Person.select().where(any_of(Person.id, ids))} if ids else {}


def kept_counts(holds):
    """{hold id: items kept} of holds on erased people."""
    ids = [h.id for h in holds if h.erased]
    if not ids:
        return {}
    from peewee import fn
    return dict(HeldData.select(HeldData.hold, fn.COUNT(HeldData.id)).where(
        any_of(HeldData.hold, ids)).group_by(HeldData.hold).tuples())


def restricted(item):
    """Whether an exported item (registry.Item) is what a hold kept of someone erased, or that
    hold: found again by the address when it comes back, it is shown to whoever proves the
    address (their copy), but never used, so never in a staff record."""
    return item.model == "HeldData" or (
        item.model == "LegalHold" and item.fields.get("tombstone") is not None)


# --- Administrators' steps ----------------------------------------------------------------------

def place(person, reason, ends_on, categories, by, today=None):
    """Place a hold on a living person; audited. Raises HoldProblem (nothing written)."""
    from portal.people.models import Person
    today = today or today_in_oslo()
    _check(reason, ends_on, categories, today)
    with db.atomic():
        # The person's row locked, as an erasure locks it (registry._present): a hold placed
        # while they are being erased waits for the erasure and then finds nobody, so it never
        # stands on someone gone (SQLite's write lock does the same).
        found = Person.select(Person.id).where(Person.id == (person.id if person else None))
        if person is None or (found.for_update() if db.for_update else found).first() is None:
            raise HoldProblem("no_person")
        hold = LegalHold.create(person_id=person.id, reason=reason.strip(),
                                covers=_covers(categories), ends_on=ends_on,
                                placed_by=by.id if by else None)
        record("legal_hold.placed", person=person.id, actor=by, hold=hold.id,
               categories=hold.categories, ends_on=ends_on.isoformat())
    return hold


def _claim(hold, version, **changes):
    """Apply changes if the hold is still as the administrator saw it and has not ended."""
    if not LegalHold.update(version=LegalHold.version + 1, **changes).where(
            LegalHold.id == hold.id, LegalHold.version == version,
            LegalHold.ended_at.is_null()).execute():
        current = LegalHold.get_or_none(LegalHold.id == hold.id)
        if current is not None and current.version == version and current.ended_at:
            raise HoldProblem("ended")
        raise HoldProblem("changed")
    return LegalHold.get_by_id(hold.id)


def change(hold, version, reason, ends_on, categories, by, today=None, now=None):
    """Change a standing hold's reason, end or categories; audited with what changed. A hold on
    someone erased meanwhile may cover less (what it drops is erased now), never more."""
    today, now = today or today_in_oslo(), now or utcnow()
    _check(reason, ends_on, categories, today)
    if hold.ended_at is not None or hold.ends_on < today:
        raise HoldProblem("ended")
    dropped = set(hold.categories) - set(categories)
    if hold.erased and set(categories) - set(hold.categories):
        raise HoldProblem("erased_more")
    fields = [name for name, old, new in (
        ("reason", hold.reason, reason.strip()), ("ends_on", hold.ends_on, ends_on),
        ("categories", set(hold.categories), set(categories))) if old != new]
    if not fields:
        return hold
    with db.atomic():
        hold = _claim(hold, version, reason=reason.strip(), ends_on=ends_on,
                      covers=_covers(categories), changed_at=now)
        erased = _erase_kept(hold, dropped) if hold.erased and dropped else 0
        record("legal_hold.changed", person=hold.person_id, actor=by, hold=hold.id,
               fields=fields, categories=hold.categories, ends_on=ends_on.isoformat(),
               **({"kept_erased": erased} if erased else {}))
    return hold


def end(hold, version, by, now=None):
    """End a hold before its time; what it kept of someone erased is erased now. Audited."""
    now = now or utcnow()
    if hold.ended_at is not None:
        raise HoldProblem("ended")
    with db.atomic():
        hold = _claim(hold, version, ended_at=now, ended_by=by.id if by else None)
        record("legal_hold.ended", person=hold.person_id, actor=by, hold=hold.id, early=True)
        if hold.erased:
            _release(hold)
    return hold


# --- What the registry asks at an erasure -----------------------------------------------------

def keep(hold, person_id, groups, files):
    """Store the exported items of the held categories out of the live tables (once: a replay
    after a restore does not keep them twice); `files` {(model, row id): storage id}."""
    now = utcnow()
    have = {(d.category, d.model, d.row_id) for d in HeldData.select(
        HeldData.category, HeldData.model, HeldData.row_id).where(HeldData.hold == hold.id)}
    rows = [{"hold": hold.id, "person_id": person_id, "category": group.category.key,
             "model": item.model, "row_id": item.id,
             "fields": json.dumps(item.fields, ensure_ascii=False, sort_keys=True),
             "storage_id": files.get((item.model, item.id)), "kept_at": now}
            for group in groups for item in group.items
            if (group.category.key, item.model, item.id) not in have]
    for start in range(0, len(rows), 500):
        HeldData.insert_many(rows[start:start + 500]).execute()
    record("legal_hold.kept", person=person_id, hold=hold.id, items=len(rows),
           files=len([r for r in rows if r["storage_id"]]))
    return len(rows)


def erased(tombstones):
    """The people {person id: tombstone} were erased: every hold on them now names the
    tombstone (and its keyed hash of the address), and stands for nobody living."""
    if not tombstones:
        return
    held = {i for (i,) in LegalHold.select(LegalHold.person_id).where(
        any_of(LegalHold.person_id, sorted(tombstones)), LegalHold.tombstone.is_null())
        .distinct().tuples()}  # a batch of thousands: one query, then only the held few
    for person_id in sorted(held):
        tombstone = tombstones[person_id]
        LegalHold.update(tombstone=tombstone.id, email_hash=tombstone.email_hash).where(
            LegalHold.person_id == person_id, LegalHold.tombstone.is_null()).execute()


def _erase_kept(hold, categories=None):
    """Delete what a hold kept (of these categories, or all); files after commit, unless
    another hold keeps the same file. Returns how many items went."""
    query = HeldData.select().where(HeldData.hold == hold.id)
    if categories is not None:
        query = query.where(any_of(HeldData.category, sorted(categories)))
    items = list(query)
    if not items:
        return 0
    ids = [d.id for d in items]
    files = {d.storage_id for d in items if d.storage_id}
    HeldData.delete().where(any_of(HeldData.id, ids)).execute()
    still = {s for (s,) in HeldData.select(HeldData.storage_id).where(
        any_of(HeldData.storage_id, sorted(files))).tuples()} if files else set()
    gone = sorted(files - still)
    if gone:
        db.after_commit(lambda: [storage.delete(s) for s in gone])
    return len(ids)


def _release(hold):
    """A hold on someone erased has ended: what it kept is erased, and the hold with it."""
    items = _erase_kept(hold)
    LegalHold.delete().where(LegalHold.id == hold.id).execute()
    record("legal_hold.released", person=hold.person_id, hold=hold.id, items=items)
    return items


def release(today):
    """End every hold whose last day has passed (audited, by nobody), then erase what holds on
    erased people kept once they ended; returns counts for the retention run."""
    now = utcnow()
    ended = released = items = 0
    for hold in LegalHold.select().where(LegalHold.ended_at.is_null(), LegalHold.ends_on < today):
        with db.atomic():
            if LegalHold.update(ended_at=now, version=LegalHold.version + 1).where(
                    LegalHold.id == hold.id, LegalHold.ended_at.is_null()).execute():
                record("legal_hold.ended", person=hold.person_id, hold=hold.id, early=False)
                ended += 1
    for hold in LegalHold.select().where(LegalHold.ended_at.is_null(False),
                                         LegalHold.tombstone.is_null(False)):
        with db.atomic():
            items += _release(hold)
            released += 1
    return {"holds ended": ended, "holds released": released, "held items erased": items}


def due(on):
    """What `release(on)` would do, changing nothing: the holds that end, the holds on erased
    people whose kept items go, and how many items (the retention preview)."""
    ending = LegalHold.ended_at.is_null() & (LegalHold.ends_on < on)
    released = LegalHold.tombstone.is_null(False) & (LegalHold.ended_at.is_null(False) | ending)
    return {"holds ended": LegalHold.select().where(ending).count(),
            "holds released": LegalHold.select().where(released).count(),
            "held items erased": HeldData.select().join(LegalHold).where(released).count()}


# --- The staff queue ------------------------------------------------------------------------------

def _ending_soon_condition(today, days=ENDING_SOON_DAYS):
    return _standing_condition(today) & (LegalHold.ends_on <= today + timedelta(days=days))


def _queue_find(query):
    """A page of the holds ending within 30 days, the soonest first (portal/staff/sections.py)."""
    from portal.staff.sections import Item
    found = (LegalHold.select()
             .where(_ending_soon_condition(today_in_oslo()),
                    query.following(LegalHold.ends_on, LegalHold.id))
             .order_by(LegalHold.ends_on, LegalHold.id).limit(query.limit + 1))
    return [Item(QUEUE_KIND, h.id, (h.ends_on, h.id), h, "ending") for h in found]


def queue_section():
    """The staff queue's "Legal holds ending within 30 days" section."""
    from portal.staff.sections import Section
    return Section(kind=QUEUE_KIND, title=_l("Legal holds ending within 30 days"),
                   template="holds/_staff_queue.html", find=_queue_find,
                   count=lambda: LegalHold.select(LegalHold.id).where(
                       _ending_soon_condition(today_in_oslo())),
                   key=(date, int), statuses={"ending": _l("Ending within 30 days")},
                   empty=_l("No legal hold ends within 30 days."))
