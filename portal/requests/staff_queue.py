"""What privacy requests bring to the staff queue: the requests to answer, the one due first
first, and the corrections to review; both can be assigned (portal/staff/sections.py)."""
from datetime import date

from flask_babel import lazy_gettext as _l

from portal.people.models import Person
from portal.requests import actions
from portal.requests.models import IN_PROGRESS, OPEN, VERIFIED, AccessExport, PrivacyRequest
from portal.staff.sections import Item, Moved, Section

REQUESTS, CORRECTIONS = "requests", "corrections"
STATUSES = {VERIFIED: _l("Received, not taken on"), IN_PROGRESS: _l("In progress")}


def _of_kind(kind):
    # Corrections have a section of their own: a value proposed is checked before it is applied.
    correction = PrivacyRequest.kind == "correction"
    return correction if kind == CORRECTIONS else PrivacyRequest.kind != "correction"


def _item(kind, request):
    return Item(kind, request.id, (request.due_on, request.id), request, request.status,
                waiting=request.status in OPEN, assignee=request.assignee,
                version=request.version)


def with_copies(requests):
    """The requests, each with `copy` set to the copy made for it (or None) and `held_name` to
    the name held for its address when it differs from the name typed: two queries, not two a row."""
    ids = [r.id for r in requests if r.kind == "access"]
    copies = {e.request_id: e for e in AccessExport.select().where(
        AccessExport.request.in_(ids))} if ids else {}
    person_ids = {r.person_id for r in requests if r.person_id is not None}
    people = {p.id: p for p in Person.select(Person.id, Person.name).where(
        Person.id.in_(person_ids))} if person_ids else {}
    for r in requests:
        r.copy = copies.get(r.id)
        r.held_name = actions.held_name(r, people.get(r.person_id))
    return requests


def item_of(request):
    """The queue item of one request (after a step), in the section it belongs to."""
    return _item(CORRECTIONS if request.kind == "correction" else REQUESTS,
                 with_copies([request])[0])


def _section(kind, title, empty):
    def find(query):
        found = (PrivacyRequest.select()
                 .where(PrivacyRequest.status.in_((query.status,) if query.status else OPEN),
                        _of_kind(kind), query.assigned(PrivacyRequest.assignee),
                        query.following(PrivacyRequest.due_on, PrivacyRequest.id))
                 .order_by(PrivacyRequest.due_on, PrivacyRequest.id).limit(query.limit + 1))
        return [_item(kind, r) for r in with_copies(list(found))]

    def count():  # what waits, for the queue to count
        return PrivacyRequest.select(PrivacyRequest.id).where(PrivacyRequest.status.in_(OPEN),
                                                              _of_kind(kind))

    def get(item_id):
        found = PrivacyRequest.get_or_none(PrivacyRequest.id == item_id, _of_kind(kind))
        return _item(kind, with_copies([found])[0]) if found else None

    def assign(item_id, version, to, by):
        found = PrivacyRequest.get_or_none(PrivacyRequest.id == item_id, _of_kind(kind))
        if found is None:
            raise Moved(item_id)
        try:
            return _item(kind, with_copies([actions.assign(found, by, version, to)])[0])
        except actions.RequestProblem:
            raise Moved(item_id) from None

    return Section(kind=kind, title=title, template="requests/_staff_queue.html",
                   row_template="requests/_staff_row.html", find=find, count=count,
                   key=(date, int), statuses=STATUSES, get=get, assign=assign, empty=empty)


def queue_sections():
    """The staff queue's "Privacy requests" and "Corrections to review"."""
    return (_section(REQUESTS, _l("Privacy requests"),
                     _l("No privacy requests wait for an answer.")),
            _section(CORRECTIONS, _l("Corrections to review"),
                     _l("No corrections wait for review.")))
