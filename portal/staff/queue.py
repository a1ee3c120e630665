"""The staff queue: one list of what needs a person, put together from every feature's
sections (portal/staff/sections.py), narrowed by kind, status and assignee, a page at a time
per kind (keyset: each page starts after the last item of the one before), counted for the
navigation (one query per kind), and assigned."""
from dataclasses import dataclass, field

from flask import g, url_for

from portal import features
from portal.auth.models import STAFF_ROLES, User
from portal.staff.sections import NOBODY, Moved, Query, QueueProblem, Section, cursor_of, key_of

PAGE_SIZE = 25      # items of a page of one kind
OVERVIEW_SIZE = 10  # items of each kind when every kind is shown: the most urgent, then a link
COUNT_CAP = 999     # counted no further: "999+" costs the same with a thousand people or a million
ANYONE, ME, UNASSIGNED = "", "me", "nobody"  # the assignee filter's words; else a user id


def sections():
    """Every feature's sections, in feature order. A kind is declared once: two features that
    claim the same kind would split its filter and its counts, so that is an error."""
    found = []
    for make in features.queue_sections():
        made = make()
        found.extend(made if isinstance(made, (tuple, list)) else (made,))
    kinds = [s.kind for s in found]
    twice = sorted({k for k in kinds if kinds.count(k) > 1})
    if twice:
        raise RuntimeError(f"the staff queue's kinds {twice} are declared by more than one section")
    return found


def section(kind):
    """The section of a kind, or None."""
    return next((s for s in sections() if s.kind == kind), None)


def staff():
    """[(user id, e-mail, active)] of every staff member and administrator: one query, once a
    request (assignees are shown by their address)."""
    if "queue_staff" not in g:
        g.queue_staff = list(User.select(User.id, User.email, User.active)
                             .where(User.role.in_(STAFF_ROLES)).order_by(User.email).tuples())
    return g.queue_staff


def staff_names():
    """{user id: e-mail} of staff and administrators."""
    return {user_id: email for user_id, email, _active in staff()}


def _count(section):
    waiting = section.count()
    if isinstance(waiting, int):  # a section that knows its number without a query
        return waiting
    return waiting.limit(COUNT_CAP + 1).count()


def counts():
    """{kind: how many wait}, one query per kind, once a request; more than COUNT_CAP is
    COUNT_CAP + 1."""
    if "queue_counts" not in g:
        g.queue_counts = {s.kind: _count(s) for s in sections()}
    return g.queue_counts


def count_text(number):
    """A count as shown: "999+" for more than COUNT_CAP."""
    return f"{COUNT_CAP}+" if number > COUNT_CAP else str(number)


def total_text(numbers):
    """The sum of counts as shown, with a "+" when one of them was counted no further."""
    numbers = list(numbers)
    total = sum(min(n, COUNT_CAP) for n in numbers)
    return f"{total}+" if any(n > COUNT_CAP for n in numbers) else str(total)


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to, as in the page's address: a kind, a status, an assignee
    (ANYONE, ME, UNASSIGNED or a staff user's id) and the page link (`after`)."""
    kind: str = ""
    status: str = ""
    assignee: str = ANYONE
    after: str = ""

    def args(self, **changes):
        """The query string of these filters with `changes`, without empty values."""
        values = {"kind": self.kind, "status": self.status, "assignee": self.assignee,
                  "after": self.after, **changes}
        return {k: v for k, v in values.items() if v}

    def assignee_id(self, viewer):
        """The assignee as a section is asked for it: a user id, NOBODY, or None (anyone)."""
        if self.assignee == ANYONE:
            return None
        if self.assignee == ME:
            return viewer.id
        if self.assignee == UNASSIGNED:
            return NOBODY
        return int(self.assignee)


def check(filters):
    """Raise QueueProblem for a filter the queue does not know (from a typed or old address)."""
    known = sections()
    if filters.kind and filters.kind not in {s.kind for s in known}:
        raise QueueProblem("kind")
    if filters.status and not any(filters.status in s.statuses for s in known
                                  if not filters.kind or s.kind == filters.kind):
        raise QueueProblem("status")
    if filters.assignee not in (ANYONE, ME, UNASSIGNED) and not (
            filters.assignee.isascii() and filters.assignee.isdigit()
            and len(filters.assignee) <= 18 and int(filters.assignee) in staff_names()):
        raise QueueProblem("assignee")


@dataclass
class Shown:
    """One section as the page shows it: its items, and the page link after them."""
    section: Section
    items: list = field(default_factory=list)
    next: str | None = None


def page(filters, viewer, limit=None):
    """The sections the filters leave, each with its page of items; raises QueueProblem.

    A page link (`after`) belongs to one kind: it is followed only with that kind chosen. A
    section without the chosen status, or that cannot be assigned when an assignee is chosen,
    is left out. Every kind shows its OVERVIEW_SIZE most urgent items; one kind chosen, a page
    holds PAGE_SIZE.
    """
    check(filters)
    limit = limit or (PAGE_SIZE if filters.kind else OVERVIEW_SIZE)
    assignee = filters.assignee_id(viewer)
    after = None
    if filters.after:
        chosen = section(filters.kind) if filters.kind else None
        if chosen is None:
            raise QueueProblem("cursor")
        after = key_of(filters.after, chosen.key)
    shown = []
    for s in sections():
        if (filters.kind and s.kind != filters.kind) or (filters.status and filters.status not in
                                                         s.statuses):
            continue
        if assignee is not None and not s.assignable:
            continue
        items = s.find(Query(filters.status or None, assignee, after, limit))
        more = len(items) > limit
        items = items[:limit]
        shown.append(Shown(s, items, cursor_of(items[-1].key) if more else None))
    return shown


def assign(kind, item_id, version, to, by):
    """Assign an item to `to` (a staff User; None: to nobody) as `by`, if it still waits as
    `by` saw it; returns the Item. Raises LookupError for a kind that cannot be assigned, and
    QueueProblem (with `item`, as it is now, or None) when it moved on meanwhile: taken by
    someone else, closed, or changed. Nothing is changed then."""
    chosen = section(kind)
    if chosen is None or not chosen.assignable:
        raise LookupError(kind)
    try:
        return chosen.assign(item_id, version, to, by)
    except Moved:
        current = chosen.get(item_id)
    if current is None or not current.waiting:
        problem = QueueProblem("closed")
    elif to is not None and current.assignee not in (None, to.id):
        problem = QueueProblem("taken", who=staff_names().get(current.assignee, "?"))
    else:
        problem = QueueProblem("changed")
    problem.item = current
    raise problem


def safe_back(path):
    """The page of the queue a form was sent from, when it is one of ours; else the queue."""
    path = path or ""
    # Control characters: a line break in the Location header is a 500.
    if (path == "/staff/queue" or path.startswith("/staff/queue?")) and "\\" not in path \
            and len(path) <= 2000 and not any(ord(c) < 32 or ord(c) == 127 for c in path):
        return path
    return url_for("staff.queue")
