"""Finding a person: by name, e-mail address or phone number, fast at a million people.

A query is read as an e-mail address (it has an @), a phone number (only digits and + - ( ) .
and spaces) or a name (anything else), and compared with one column of Person: `email`,
`phone_key` or `name_key` (folded as `portal.people.models.name_key` folds names). Each is a
prefix range on an index in the order the results are shown, so a page costs one index range
scan however many people there are; the next page starts after the last row shown (keyset
paging), never with OFFSET. On PostgreSQL a name or address of three characters or more also
matches inside the text (trigram indexes, pg_trgm). The query is never put into SQL as text
(parameters only) and LIKE's wildcards in it are escaped: "%" and "_" match themselves.
"""
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from peewee import SQL, NodeList, Tuple

from portal.db import db
from portal.people.models import Person, name_key

MAX_QUERY = 100    # characters: longer than any name, address or number we hold
PAGE_SIZE = 20
SUBSTRING_FROM = 3  # trigrams need three characters
HOME_REGION = "47"  # numbers typed without a country code are Norwegian
_PHONE = re.compile(r"\+?[0-9 ().-]+")


class SearchProblem(ValueError):
    MESSAGES = {
        "too_long": _l("Search with at most %(n)d characters: a name, an e-mail address or a "
                       "phone number.", n=MAX_QUERY),
        "empty": _l("Type a name, an e-mail address or a phone number, with letters or digits."),
    }

    def __init__(self, code):
        super().__init__(code)
        self.code = code

    @property
    def message(self):
        return self.MESSAGES[self.code]


@dataclass(frozen=True)
class Query:
    """A search as understood: which column, the folded text, and whether inside matches too."""
    mode: str        # name | email | phone
    key: str
    substring: bool

    @property
    def column(self):
        return {"name": Person.name_key, "email": Person.email, "phone": Person.phone_key}[self.mode]

    @property
    def order(self):
        # E-mail addresses are unique: the address alone orders them.
        return (self.column,) if self.mode == "email" else (self.column, Person.id)


def _on_postgres():
    return db.obj.__class__.__name__.startswith("Postgres")


def parse(text):
    """The Query a staff member means by `text`; raises SearchProblem."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY:
        raise SearchProblem("too_long")
    if "@" in text:
        mode, key = "email", "".join(text.lower().split())
    elif _PHONE.fullmatch(text) and any(c.isdigit() for c in text):
        mode, key = "phone", _phone_prefix(text)
    else:
        mode, key = "name", name_key(text)
    if not key:
        raise SearchProblem("empty")
    return Query(mode, key, mode != "phone" and len(key) >= SUBSTRING_FROM and _on_postgres())


def _phone_prefix(text):
    """The start of an E.164 number without its +: given with + or 00 (or more than a Norwegian
    number's eight digits), as typed; else a Norwegian number, behind 47."""
    digits = "".join(c for c in text if c.isdigit())
    if text.startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    return digits if len(digits) > 8 else HOME_REGION + digits


def _upper_bound(prefix):
    """The smallest text after every text starting with `prefix` (compared code point by code
    point, as SQLite and PostgreSQL's "C" collation of these columns do)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _like_pattern(key):
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _condition(query):
    column = query.column
    if query.substring:
        # ESCAPE '\': the typed text matches itself, wildcards and all.
        return NodeList((column, SQL("LIKE"), _like_pattern(query.key), SQL("ESCAPE '\\'")))
    return (column >= query.key) & (column < _upper_bound(query.key))


def find(query, after=None, limit=PAGE_SIZE):
    """One page of people matching `query`, in the order of its column; returns (people, the id
    to continue after, or None). `after` is the last person id of the previous page."""
    select = (Person.select(Person.id, Person.name, Person.email, Person.phone, Person.stage)
              .where(_condition(query)))
    if after is not None:
        last = Person.select(*query.order).where(Person.id == after).first()
        if last is not None:
            values = [getattr(last, f.name) for f in query.order]
            if query.mode == "email":
                select = select.where(query.column > values[0])
            else:
                select = select.where(Tuple(*query.order) > Tuple(*values))
    rows = list(select.order_by(*query.order).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)


def search(text, after=None, limit=PAGE_SIZE):
    """Parse and find in one step (raises SearchProblem)."""
    return find(parse(text), after, limit)
