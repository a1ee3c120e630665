"""What a feature declares about the personal data it keeps: the entries of the person registry.

Each feature lists, in its `feature.py` as `personal_data`, every model, file store and Redis key
family that holds data about a data subject, and as `no_personal_data` the models that hold none
(with the reason). `portal/people/registry.py` reads these declarations to export, rectify and
erase; tests/people/test_registry.py fails on a model that is in neither list.

A data subject is found by what ties data to them: their Person row, the e-mail addresses they
use (rows written before anyone was linked, such as a registration link or a code), and, for
the people candidates name as references and the contact persons of business customers, an
e-mail address or phone number.
"""
from dataclasses import dataclass, field
from typing import Callable

DELETE = "delete"


@dataclass(frozen=True)
class Subject:
    """Whom a question is about: a Person (or None), or a set of people at once (an erasure in
    batches), with every address and number tied to them."""
    person: object = None          # a Person, or None for someone we only know by address
    emails: frozenset = frozenset()  # lower-case
    phones: frozenset = frozenset()  # E.164
    names: frozenset = frozenset()
    person_ids: frozenset = None   # the people meant; by default the one Person's id
    user_ids: frozenset = frozenset()  # their logins

    def __post_init__(self):
        if self.person_ids is None:
            object.__setattr__(self, "person_ids", frozenset(
                {self.person.id} if self.person is not None else ()))

    def ids(self):
        return sorted(self.person_ids)


@dataclass(frozen=True)
class Keep:
    """Erasure keeps these rows, for a named legal reason, until a date computed per row."""
    reason: str                    # a translatable sentence: why the law lets us keep it
    until: Callable                # row -> date the row goes at the latest


@dataclass(frozen=True)
class Expiry:
    """When rows of a holding go by themselves: the catalog `rule` (its period, from its
    column `after`, or `column` where the model names it otherwise), and `also`, a condition of
    rows that are done whatever their age (a used code). `subject` marks the holding whose
    expiry erases the whole data subject through the registry (a Person: three years).
    `only` narrows the rule to rows matching a condition (e-mails never sent).

    `via` names a foreign key whose row holds the clock (a contact person's customer: the end
    of its last agreement). `clear` names columns that are emptied when the rule runs out,
    while the row stays for a longer rule of its own (a contact person's e-mail and phone)."""
    rule: object
    column: str = None
    also: Callable = None
    subject: bool = False
    only: Callable = None
    via: str = None
    clear: tuple = ()

    @property
    def clock(self):
        return self.column or self.rule.after


@dataclass(frozen=True)
class Rows:
    """Rows of `model` about a subject, found by the columns named here.

    `person` names the column linking a row to a Person, `email` and `phone` the columns
    holding an address or number (rows written before anyone was linked), `reach` a condition
    of its own for anything else (subject -> peewee expression, or None). Each field is exported
    under the catalog category it belongs to; bookkeeping columns go with the row to `category`,
    which takes every field when `whole_row` is set (the same column may be about different
    people in different holdings). `category` may also be a function of the row.
    """
    model: type
    category: object
    person: str = None
    email: str = None
    phone: str = None
    reach: Callable = None
    erase: object = DELETE         # DELETE, or Keep(...)
    rectify: tuple = ()            # the columns a correction may change
    rectified_by: tuple = ("person", "staff", "request")  # who may change them (rectify's `by`)
    withheld: tuple = ()           # secrets (password and token hashes): never exported
    whole_row: bool = False
    source: str = "person"         # who gave it: person, staff, booking, portal, candidate
    created: str = "created_at"    # when a row was made: replaying an erasure spares later rows
    subject_kind: str = "candidate"  # whom the rows are about: candidate, reference, contact
    expires: object = None         # Expiry, or a tuple of them: when rows go by themselves
    unless: Callable = None        # () -> condition of rows that are no one's holding
    # A condition (no arguments) on the model that the rows of the person's copy meet: rows
    # that are not theirs to read (what a stranger typed with their address, unproven) are
    # left out of the copy; erasure and the other operations still take every row.
    exported: Callable = None

    @property
    def name(self):
        return self.model.__name__

    def condition(self, subject):
        """The peewee condition selecting this subject's rows, or None when there are none."""
        from portal.db import any_of
        model, parts = self.model, []
        if self.person and subject.person_ids:
            parts.append(any_of(getattr(model, self.person), subject.ids()))
        if self.email and subject.emails:
            parts.append(any_of(getattr(model, self.email), sorted(subject.emails)))
        if self.phone and subject.phones:
            parts.append(any_of(getattr(model, self.phone), sorted(subject.phones)))
        if self.reach is not None:
            extra = self.reach(subject)
            if extra is not None:
                parts.append(extra)
        if not parts:
            return None
        condition = parts[0]
        for part in parts[1:]:
            condition |= part
        if self.unless is not None:
            condition = condition & ~self.unless()
        return condition

    @property
    def expiries(self):
        """Every Expiry of the holding (none, one, or several rules for different rows)."""
        if self.expires is None:
            return ()
        return self.expires if isinstance(self.expires, tuple) else (self.expires,)

    def category_of(self, row):
        return self.category(row) if callable(self.category) else self.category


@dataclass(frozen=True)
class Files:
    """Files in the document store named by `column` of `rows`' rows: removed after commit."""
    rows: Rows
    column: str = "storage_id"
    name: str = field(default="document store")


@dataclass(frozen=True)
class RedisKeys:
    """A family of Redis keys that names a subject by keyed hashes: `fragments(subject)` gives
    the hashes; every key holding one of them is removed at erasure."""
    name: str
    fragments: Callable


@dataclass(frozen=True)
class Folder:
    """Files outside the database and the document store that may name a subject (the
    development outbox): `forget(subject)` removes what names them, after commit."""
    name: str
    forget: Callable


@dataclass(frozen=True)
class Tell:
    """Who must be told when a subject's rows of `rows` are erased: a consultant whose calendar
    holds a meeting with them. `gather(query)` reads, from the query of the subject's rows and
    before they go, what the telling needs (plain values, nothing of the subject beyond what
    the one told already had); `tell(values)` runs once the rows are gone, in the erasure's
    transaction, and writes the e-mails to the outbox. They are sent after the erasure
    commits, and never if it rolls back. A replay after a restore tells nobody again."""
    rows: Rows
    gather: Callable
    tell: Callable
    name: str = "told at erasure"


@dataclass(frozen=True)
class Restriction:
    """What erasure must keep of some people for a while, restricted: legal holds.

    `standing(person_ids, today)` gives {person id: [hold]} of the holds in force on `today`
    (an Oslo date); a hold has `id`, `categories` (catalog keys), `reason` and `ends_on`.
    At an erasure, `keep(hold, person_id, groups, files)` stores the items of the held
    categories (registry CategoryExport groups) out of every live table, with the stored
    files they name ({(model, row id): storage id}), which are then not removed; after the
    tombstones exist, `erased({person id: tombstone})` marks every hold of those people.
    `release(today)` ends the holds whose end has passed and erases what they kept; it
    returns counts for the retention run. `due(on)` gives the same counts that `release(on)`
    would give, changing nothing (the retention preview).
    """
    name: str
    standing: Callable
    keep: Callable
    erased: Callable
    release: Callable
    due: Callable


@dataclass(frozen=True)
class NoPersonalData:
    """A model that holds nothing about a data subject, and why."""
    model: type
    why: str
