"""What a feature contributes to the staff queue, and the shape of each item in it.

The staff queue (/staff/queue, portal/staff/queue.py) is one list of what needs a person. It
knows no feature: a feature with work for staff declares `queue_section` in its feature.py, a
function that returns a Section (or a tuple of them), and the queue shows it, filters it,
pages it, counts it in the navigation and, when the section says so, assigns its items. A new
feature (legal holds, say) adds its section there and nothing in portal/staff changes.

    Section(
        kind="requests",                          # unique: the `kind` filter's value, in URLs
        title=_l("Privacy requests"),             # the heading and the filter's label
        template="requests/_staff_queue.html",    # the section's table; gets `section`, `items`
        row_template="requests/_staff_row.html",  # one item, rendered in place after a step
        key=(date, int),                          # the types of an item's place in the order
        find=find,        # (Query) -> [Item]: in order, after query.after, query.limit + 1 at most
        count=count,      # () -> a query of what waits: the queue counts it in ONE query, up
                          # to COUNT_CAP (portal/staff/queue.py), for the navigation's badge
        statuses={"verified": _l("Received"), ...},  # what the status filter offers
        get=get,          # (item id) -> Item | None, also once it no longer waits
        assign=assign,    # (item id, version, User | None, by User) -> Item; raises Moved
        empty=_l("No privacy requests wait for an answer."),
    )

An Item is one row of a section:

    Item(kind, id, key, row, status, waiting=True, assignee=None, version=None)

`key` is where the item stands in its section's order (its `key` types, ending in something
unique such as the id): the next page starts after the last key shown (keyset paging; never
OFFSET), so `find` must order by exactly those columns and use `query.following(*columns)`.
`row` is the feature's own object, for its templates; `status` one of the section's statuses
(or a closed one, with `waiting` False, when `get` finds it after it was closed); `assignee` the
id of the staff User the item is assigned to; `version` what must still hold for an action
on it to apply (two staff at once: the second is refused, nothing is overwritten).

A section that can be assigned stores the assignee itself (a column of its own row, audited
when it changes) and gives `get` and `assign`. `assign` applies only if the item still waits
and still has the `version` the staff member saw, else raises Moved and changes nothing; the
queue then says what happened (taken by whom, closed, changed) from what `get` finds.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from flask_babel import lazy_gettext as _l
from peewee import Tuple

from portal.problems import Problem

# The assignee filter's "nobody": items assigned to no one.
NOBODY = 0


@dataclass
class Item:
    """One row of the queue: a feature's object with what the queue needs to know of it."""
    kind: str
    id: int
    key: tuple
    row: Any
    status: str
    waiting: bool = True
    assignee: int | None = None
    version: int | None = None


@dataclass(frozen=True)
class Query:
    """What a section is asked for: a status (one of its own, or None for all), an assignee
    (a user id, NOBODY, or None for anyone; only sections that can be assigned are asked with
    one), the key of the last item of the page before, and how many items make a page."""
    status: str | None = None
    assignee: int | None = None
    after: tuple | None = None
    limit: int = 25

    def following(self, *columns):
        """The condition for items after `after` in the order of `columns` (the key's)."""
        if self.after is None:
            return True
        if len(columns) == 1:
            return columns[0] > self.after[0]
        # The first column's bound alone is what an index on it can start its range at (a row
        # value is compared row by row on PostgreSQL unless an index holds all its columns).
        return (columns[0] >= self.after[0]) & (Tuple(*columns) > Tuple(*self.after))

    def assigned(self, column):
        """The condition for the assignee filter on the column that holds the assignee."""
        if self.assignee is None:
            return True
        if self.assignee == NOBODY:
            return column.is_null()
        return column == self.assignee


@dataclass(frozen=True)
class Section:
    kind: str
    title: Any
    template: str
    find: Callable[[Query], list]
    count: Callable[[], Any]
    key: tuple
    statuses: dict = field(default_factory=dict)
    row_template: str | None = None
    get: Callable[[int], Item | None] | None = None
    assign: Callable | None = None
    empty: Any = ""

    @property
    def assignable(self):
        return self.assign is not None


class Moved(Exception):
    """An action on an item that is no longer as the staff member saw it; nothing changed."""


class QueueProblem(Problem, ValueError):
    """A filter, a page link or an action the queue cannot take; `message` says why, in the
    staff member's language. Nothing was changed."""
    MESSAGES = {
        "kind": _l("There is no such kind of work in the queue. Choose one from the list."),
        "status": _l("There is no such status. Choose one from the list."),
        "assignee": _l("There is no such member of staff. Choose someone from the list."),
        "cursor": _l("This page link is broken or out of date. Start again from the first page."),
        "taken": _l("%(who)s took this on meanwhile, so it was not assigned to you. Nothing was "
                    "changed: assign it to yourself again if you mean to take it over."),
        "closed": _l("This was closed meanwhile and no longer waits. Nothing was changed."),
        "changed": _l("Someone else changed this meanwhile. It is shown as it is now; nothing "
                      "was changed."),
        "expired": _l("The page had been open too long. Please try again."),
    }


# --- Page links: an item's key as text, and back ---------------------------------------------------

_PARTS = {
    int: re.compile(r"[0-9]{1,18}"),
    date: re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    datetime: re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"),
}
_SEPARATOR = "~"
MAX_CURSOR = 100


def cursor_of(key):
    """The text of a page link that continues after `key`."""
    return _SEPARATOR.join(v.isoformat() if isinstance(v, (date, datetime)) else str(v)
                           for v in key)


def key_of(cursor, types):
    """The key a page link's text names, in the section's `types`; raises QueueProblem."""
    parts = (cursor or "").split(_SEPARATOR)
    if len(cursor or "") > MAX_CURSOR or len(parts) != len(types):
        raise QueueProblem("cursor")
    key = []
    for text, kind in zip(parts, types):
        if not _PARTS[kind].fullmatch(text):
            raise QueueProblem("cursor")
        try:
            key.append(int(text) if kind is int else kind.fromisoformat(text))
        except ValueError:  # 2026-02-31
            raise QueueProblem("cursor") from None
    return tuple(key)
