"""Retention: what is due under the catalog's rules, erased by RQ, every minute and every night.

The rules (periods) are the catalog's (`portal/catalog.py`); which rows each applies to is
declared beside the models (`Expiry` on a registry holding). Nothing here names a table:

- rows of short-lived holdings (codes, pending bookings, links, e-mail records) are deleted
  set-based at their rule's pace, "minute" or "daily";
- a data subject whose rule has run out (a Person: kept through the Oslo date three years after
  the last contact, erased the day after) is erased through the registry, in batches, one
  transaction per batch (`registry.erase_people`), so a worker killed at any point leaves each
  person whole or fully erased, and the next run goes on;
- `RETENTION_NOTICE_DAYS` before that, the person gets one notice per deadline with a signed
  "keep my data" link (contact: the date moves);
- legal holds (declared to the registry, portal/holds) are honoured by that same erasure: what
  a standing hold covers is kept, restricted, and each night holds whose last day has passed end
  and what they kept is erased (`registry.end_holds`), before anyone due is erased.

A run computes everything due as of its `today`, so a missed night is caught up by the next.
"""
import json
import operator
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import reduce

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from peewee import DateField, IntegrityError

from portal import catalog
from portal.audit.actions import record
from portal.db import any_of, db, oslo_date, oslo_midnight, utcnow
from portal.mail.actions import email_context, queue_email
from portal.people import registry
from portal.people.contact import contact
from portal.people.models import Person
from portal.retention.models import RetentionNotice, RetentionRun
from portal.web.links import external_url


def today_in_oslo(now=None):
    return oslo_date(now or utcnow())


# -- What the rules apply to --------------------------------------------------------------------

def expiring(pace=None, subject=None):
    """The holdings with an expiry, optionally only of one pace or only subject (Person) ones;
    a holding with several rules (e-mails: after sending, or never sent) once per rule, each
    with that one as its `expires`."""
    return [replace(h, expires=e) for h in registry.row_holdings() for e in h.expiries
            if (pace is None or e.rule.pace == pace)
            and (subject is None or e.subject == subject)]


def rule_problems():
    """Rules that cannot be enforced (a broken period), by rule key."""
    return {h.expires.rule.key: h.expires.rule.problem for h in expiring()
            if h.expires.rule.problem}


def _row_cutoff(rule, now):
    """Rows whose clock is at or before this (naive UTC) time are due."""
    start = now - timedelta(days=rule.days, hours=rule.hours)
    if rule.years:
        start = start.replace(year=start.year - rule.years, day=min(start.day, 28))
    return start


def _due_rows(holding, now, today=None):
    """The ids of a holding's rows that are due: their clock has run out by `now` (a clock
    that is a date, by the Oslo date `today`: kept through its last day), or `also` holds.
    With `via`, the clock is a column of the row the foreign key points at; with `clear`, only
    rows that still hold something in those columns are due."""
    model, expiry = holding.model, holding.expires
    owner = getattr(model, expiry.via).rel_model if expiry.via else model
    clock = getattr(owner, expiry.clock)
    if isinstance(clock, DateField):
        condition = clock < catalog.first_start_kept(expiry.rule, today or oslo_date(now))
    else:
        condition = clock <= _row_cutoff(expiry.rule, now)
    if expiry.via:
        condition = getattr(model, expiry.via).in_(owner.select(owner.id).where(condition))
    if expiry.also is not None:
        condition |= expiry.also()
    if expiry.only is not None:
        condition &= expiry.only()
    if expiry.clear:
        held = [getattr(model, column) != "" for column in expiry.clear]
        condition &= reduce(operator.or_, held)
    return model.select(model.id).where(condition)


def _subject_cutoff(holding, today):
    """Subjects whose clock is before this (naive UTC) time are due on `today`."""
    return oslo_midnight(catalog.first_start_kept(holding.expires.rule, today))


def _still_due(holding, today):
    return getattr(holding.model, holding.expires.clock) < _subject_cutoff(holding, today)


def due_people(today, after=0, limit=None):
    """Ids of people whose data is due for erasure on `today` (Oslo date), in id order, from
    `after` on: a run pages through them rather than holding them all."""
    ids = []
    for holding in expiring(subject=True):
        model = holding.model
        query = (model.select(model.id).where(_still_due(holding, today) & (model.id > after))
                 .order_by(model.id))
        ids += [r.id for r in (query.limit(limit) if limit else query)]
    return ids


def count_due_people(today):
    return sum(h.model.select().where(getattr(h.model, h.expires.clock)
                                      < _subject_cutoff(h, today)).count()
               for h in expiring(subject=True))


def _noticed(today, columns=()):
    """People to tell now: due within RETENTION_NOTICE_DAYS but not yet (one query; `columns`
    to read only some)."""
    days = current_app.config["RETENTION_NOTICE_DAYS"]
    rule = catalog.AFTER_LAST_CONTACT
    later = oslo_midnight(catalog.first_start_kept(rule, today + timedelta(days=days)))
    now_due = oslo_midnight(catalog.first_start_kept(rule, today))
    return list(Person.select(*columns).where((Person.last_contact_at >= now_due)
                                              & (Person.last_contact_at < later))
                .order_by(Person.id))


# -- Doing it -----------------------------------------------------------------------------------

def expire_rows(pace, now=None, today=None):
    """Delete the due rows of every short-lived holding of this pace (or empty the columns an
    expiry clears); {"rule:Model": rows}."""
    now = now or utcnow()
    counts = {}
    for holding in expiring(pace=pace, subject=False):
        if holding.expires.rule.problem:
            continue
        model = holding.model
        with db.atomic():
            ids = [i for (i,) in _due_rows(holding, now, today).tuples()]
            if ids and holding.expires.clear:
                deleted = model.update({c: "" for c in holding.expires.clear}).where(
                    any_of(model.id, ids)).execute()
            else:
                deleted = model.delete().where(any_of(model.id, ids)).execute() if ids else 0
        if deleted:
            key = f"{holding.expires.rule.key}:{holding.name}"
            counts[key] = counts.get(key, 0) + deleted
    return counts


def erase_due_people(today, errors):
    """Erase everyone due on `today` in batches; returns how many were erased."""
    erased, batch, after, number = 0, current_app.config["RETENTION_BATCH"], 0, 0
    reason = f"retention: {catalog.AFTER_LAST_CONTACT.key}"
    # Checked again under the erasure's lock: contact made since (a login) keeps them.
    only = next((_still_due(h, today) for h in expiring(subject=True) if h.model is Person), None)
    while ids := due_people(today, after=after, limit=batch):
        number += 1
        try:
            erased += len(registry.erase_people(ids, reason, only=only))
        except Exception as exc:  # noqa: BLE001 - reported in the run; the next batch goes on
            errors.append(f"erasure batch {number}: {type(exc).__name__}")
        after = ids[-1]
    return erased


def keep_serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="keep-my-data")


def keep_link(person, deadline):
    token = keep_serializer().dumps({"p": person.id, "d": deadline.isoformat()})
    return external_url(f"/keep/{token}")


@email_context("retention/email/notice")
def _notice_context(erase_on, days, url):
    return {"erase_on": date.fromisoformat(erase_on), "days": days, "url": url}


def send_notices(today):
    """Tell each person due within the notice period, once per deadline; returns how many."""
    sent = 0
    days = current_app.config["RETENTION_NOTICE_DAYS"]
    # The list is read whole first: a cursor left open across the writes below held an old
    # snapshot on SQLite, and the first write after another run's commit failed at once.
    for person, deadline in _not_yet_told(today):
        try:
            with db.atomic():
                RetentionNotice.create(person=person.id, deadline=deadline)
                queue_email(person.email, _l("We will delete your data on %(date)s",
                                             date=deadline + timedelta(days=1)),
                            "retention/email/notice", person.locale, person=person,
                            erase_on=(deadline + timedelta(days=1)).isoformat(),
                            days=days, url=keep_link(person, deadline))
            sent += 1
        except IntegrityError:
            continue  # told already for this deadline (or by a run at the same moment)
    return sent


def sweep(today=None, pace="daily", now=None):
    """One run: every rule of this pace, as of `today` (Oslo date); returns the RetentionRun.

    Each rule is done on its own: an error is noted (never with personal data) and the rest goes
    on. The run and its counts are audited.
    """
    now = now or utcnow()
    today = today or today_in_oslo(now)
    started = time.monotonic()
    run = RetentionRun.create(pace=pace, today=today)
    counts, errors = {}, [f"rule {key}: {problem}" for key, problem in rule_problems().items()]
    try:
        counts.update(expire_rows(pace, now, today))
    except Exception as exc:  # noqa: BLE001 - reported in the run
        errors.append(f"short-lived rows: {type(exc).__name__}")
    if pace == "daily":
        try:  # first: a hold that ended keeps nothing from tonight's erasures
            counts.update(registry.end_holds(today))
        except Exception as exc:  # noqa: BLE001 - reported in the run
            errors.append(f"legal holds: {type(exc).__name__}")
        counts["erased:Person"] = erase_due_people(today, errors)
        for step, work in (("notices", lambda: send_notices(today)),
                           ("finished erasures", registry.finish_erasures),
                           ("files without rows", registry.reconcile_files)):
            try:
                counts[step] = work()
            except Exception as exc:  # noqa: BLE001 - reported in the run
                errors.append(f"{step}: {type(exc).__name__}")
    seconds = round(time.monotonic() - started, 3)
    RetentionRun.update(finished_at=utcnow(), counts=json.dumps(counts, sort_keys=True),
                        errors=json.dumps(errors)).where(RetentionRun.id == run.id).execute()
    if pace == "daily" or any(counts.values()) or errors:
        record("retention.run", pace=pace, today=today.isoformat(), counts=counts,
               seconds=seconds, errors=errors)
    return RetentionRun.get_by_id(run.id)


# -- Seeing it ------------------------------------------------------------------------------------

def preview(on):
    """What a daily run on date `on` would do: {"people": n, "notices": n, "rule:Model": rows}."""
    end_of_day = oslo_midnight(on + timedelta(days=1))
    counts = {f"{h.expires.rule.key}:{h.name}": _due_rows(h, end_of_day, on).count()
              for h in expiring(subject=False)}
    counts["erased:Person"] = count_due_people(on)
    counts["notices"] = len(_not_yet_told(on, columns=(Person.id, Person.last_contact_at)))
    for restriction in registry.restrictions():  # legal holds that end, and what they kept
        for key, number in restriction.due(on).items():
            counts[key] = counts.get(key, 0) + number
    return counts


def _not_yet_told(today, columns=()):
    """[(Person, deadline)] of the people a run on `today` would tell: due within the notice
    period and not told for that deadline. Two queries, however many people."""
    due = [(p, registry.deletion_date(p)) for p in _noticed(today, columns)]
    if not due:
        return []
    told = set(RetentionNotice.select(RetentionNotice.person, RetentionNotice.deadline)
               .where(any_of(RetentionNotice.person, [p.id for p, _ in due])).tuples())
    return [(p, d) for p, d in due if (p.id, d) not in told]


def labels():
    """Readable names of the keys of a run's counts."""
    names = {"erased:Person": _l("People erased"), "notices": _l("Notices sent"),
             "finished erasures": _l("Erasures finished"),
             "files without rows": _l("Files without rows removed"),
             "holds ended": _l("Legal holds ended"),
             "holds released": _l("Legal holds on erased people released"),
             "held items erased": _l("Items kept under legal holds erased")}
    for holding in expiring(subject=False):
        names[f"{holding.expires.rule.key}:{holding.name}"] = _l(
            "%(rule)s (%(what)s)", rule=holding.expires.rule.label, what=holding.name)
    return names


def recent_runs(limit=20):
    return list(RetentionRun.select().order_by(RetentionRun.id.desc()).limit(limit))


# -- "Keep my data" -------------------------------------------------------------------------------

class KeepLinkProblem(ValueError):
    pass


def person_of_keep_link(token):
    """The person a genuine keep link names, and the deadline it was sent for."""
    try:
        data, issued = keep_serializer().loads(
            token, max_age=int(timedelta(days=current_app.config["RETENTION_NOTICE_DAYS"]
                                         + 30).total_seconds()), return_timestamp=True)
        person = Person.get_or_none(Person.id == int(data["p"]))
        deadline = date.fromisoformat(data["d"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise KeepLinkProblem(_l("This link is not valid. Use the link in our latest e-mail, or "
                                 "log in: that keeps your data too."))
    # A person created after the link was sent is someone else: SQLite gives the id of an
    # erased person (the last row) to the next one.
    if person is None or person.created_at.replace(microsecond=0) > issued.replace(tzinfo=None):
        raise KeepLinkProblem(_l("We no longer hold data under this link."))
    return person, deadline


def keep(token):
    """The person asked us to keep their data: contact now; returns (person, new last day)."""
    person, _deadline = person_of_keep_link(token)
    with db.atomic():
        contact(person, "keep")
        record("retention.kept", person=person)
    return person, registry.deletion_date(Person.get_by_id(person.id))


EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)  # dates the rules can be computed for


def parse_day(value, latest=None):
    """A date from the command line, at most `latest`; ValueError with a clear message
    otherwise."""
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except (TypeError, ValueError):
        raise ValueError(f"not a date: {value!r} (write it as YYYY-MM-DD, e.g. 2026-12-31)")
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{day} is out of range: give a date from {EARLIEST} to {LATEST}")
    if latest is not None and day > latest:
        raise ValueError(f"{day} is after today ({latest}): a run as of a later date would erase "
                         f"people whose time has not come (see it with `retention preview --on "
                         f"{day}`)")
    return day
