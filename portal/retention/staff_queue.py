"""What retention brings to the staff queue: the people whose data is erased within the next
30 days, the first to go first, and whether they have been told (portal/staff/sections.py).

Nothing here is done by staff (the nightly sweep erases, the person's "keep my data" link or
any contact moves the date); the list lets staff see who goes, open a record first if there is
reason to, and notice a sweep that did not run (a date already passed is marked overdue).
"""
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from peewee import fn

from portal import catalog
from portal.db import oslo_midnight
from portal.people import registry
from portal.people.models import Person
from portal.retention.actions import today_in_oslo
from portal.retention.models import RetentionNotice
from portal.staff.sections import Item, Section

KIND = "deletions"
DAYS = 30
STATUSES = {"told": _l("Told, with a link to keep the data"), "not_told": _l("Not told yet")}


def _before(today):
    """People whose last contact was before this are erased within DAYS days of `today`."""
    return oslo_midnight(catalog.first_start_kept(catalog.AFTER_LAST_CONTACT,
                                                  today + timedelta(days=DAYS)))


def _told():
    # A notice sent since the last contact is about the date that holds now.
    return fn.EXISTS(RetentionNotice.select(RetentionNotice.id).where(
        (RetentionNotice.person == Person.id)
        & (RetentionNotice.sent_at >= Person.last_contact_at)))


def find(query):
    """People erased within DAYS days (or overdue), the first to go first."""
    today = today_in_oslo()
    condition = Person.last_contact_at < _before(today)
    if query.status == "told":
        condition &= _told()
    elif query.status == "not_told":
        condition &= ~_told()
    people = list(Person.select(Person.id, Person.name, Person.email, Person.stage,
                                Person.last_contact_at)
                  .where(condition, query.following(Person.last_contact_at, Person.id))
                  .order_by(Person.last_contact_at, Person.id).limit(query.limit + 1))
    notices = {}
    if people:
        for notice in RetentionNotice.select(RetentionNotice.person, RetentionNotice.sent_at).where(
                RetentionNotice.person.in_([p.id for p in people])):
            notices.setdefault(notice.person_id, []).append(notice.sent_at)
    items = []
    for person in people:
        told = [at for at in notices.get(person.id, ()) if at >= person.last_contact_at]
        person.erased_on = registry.deletion_date(person) + timedelta(days=1)
        person.days_left = (person.erased_on - today).days
        person.told_at = max(told) if told else None
        items.append(Item(KIND, person.id, (person.last_contact_at, person.id), person,
                          "told" if told else "not_told"))
    return items


def count():
    """The people due, for the queue to count."""
    return Person.select(Person.id).where(Person.last_contact_at < _before(today_in_oslo()))


def queue_section():
    """The staff queue's "Deletions in the next 30 days"."""
    return Section(kind=KIND, title=_l("Deletions in the next 30 days"),
                   template="retention/_staff_queue.html", find=find, count=count,
                   key=(datetime, int), statuses=STATUSES,
                   empty=_l("Nobody's data is due for deletion in the next 30 days."))
