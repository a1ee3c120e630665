"""Finding a person: by name, e-mail address or phone number, fast at a million people.

A query is read as an e-mail address (it has an @, or is one word with a dot, an underscore or
a plus in it: the start of one), a phone number (only digits and + - ( ) . and spaces) or a
name (anything else), and compared with one column of Person: `email`,
`phone_key` or `name_key` (folded as `portal.people.models.name_key` folds names). Each is a
prefix range on an index in the order the results are shown, so a page costs one index range
scan however many people there are; the next page starts after the last row shown (keyset
paging), never with OFFSET. On PostgreSQL a name or address of three characters or more also
matches inside the text (trigram indexes, pg_trgm): those come after the ones that start with
it, newest first (see `_inside_page` for why not A to Z). The query is never put into SQL as
text (parameters only) and LIKE's wildcards in it are escaped: "%" and "_" match themselves.
"""
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from peewee import SQL, NodeList, Tuple

from portal.db import db, is_postgres
from portal.people.models import Person, name_key
from portal.problems import Problem
from portal.web.forms import control_characters

MAX_QUERY = 100    # characters: longer than any name, address or number we hold
PAGE_SIZE = 20
SUBSTRING_FROM = 3  # trigrams need three characters
HOME_REGION = "47"  # numbers typed without a country code are Norwegian
_PHONE = re.compile(r"\+?[0-9 ().-]+")
_ADDRESS_START = re.compile(r"[^\s@]*[._+][^\s@]*")


class SearchProblem(Problem, ValueError):
    MESSAGES = {
        "too_long": _l("Search with at most %(n)d characters: a name, an e-mail address or a "
                       "phone number.", n=MAX_QUERY),
        "empty": _l("Type a name, an e-mail address or a phone number, with letters or digits."),
        "control": _l("Search without invisible control characters: a name, an e-mail address "
                      "or a phone number."),
    }


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
    return is_postgres()


def parse(text):
    """The Query a staff member means by `text`; raises SearchProblem."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY:
        raise SearchProblem("too_long")
    if control_characters(text):  # NUL is a 500 on PostgreSQL; no name or address holds them
        raise SearchProblem("control")
    if "@" in text or (_ADDRESS_START.fullmatch(text) and any(c.isalpha() for c in text)):
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
    point, as SQLite and PostgreSQL's "C" collation of these columns do), or None when none is
    (it is all U+10FFFF). Surrogates are skipped: no database stores one."""
    while prefix:
        following = ord(prefix[-1]) + 1
        if 0xD800 <= following <= 0xDFFF:
            following = 0xE000
        if following <= 0x10FFFF:
            return prefix[:-1] + chr(following)
        prefix = prefix[:-1]
    return None


def _like_pattern(key):
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _starting(query):
    bound = _upper_bound(query.key)
    starting = query.column >= query.key
    return starting if bound is None else starting & (query.column < bound)


def _inside(query):
    # ESCAPE '\': the typed text matches itself, wildcards and all.
    return NodeList((query.column, SQL("LIKE"), _like_pattern(query.key), SQL("ESCAPE '\\'")))


@dataclass
class Page:
    """One page of results: people whose name (address, number) starts with the text, A to Z;
    then, on PostgreSQL, those with it inside, newest first; and where the next page starts."""
    starting: list
    inside: list
    next: str | None

    def __bool__(self):
        return bool(self.starting or self.inside)


_COLUMNS = (Person.id, Person.name, Person.email, Person.phone, Person.stage)
_CURSOR = re.compile(r"([si])([0-9]{0,18})")  # "i" alone: the inside part from its start


def _starting_page(query, after, limit):
    select = Person.select(*_COLUMNS).where(_starting(query))
    if after is not None:
        last = Person.select(*query.order).where(Person.id == after).first()
        if last is not None:
            values = [getattr(last, f.name) for f in query.order]
            select = select.where(query.column > values[0] if query.mode == "email"
                                  else Tuple(*query.order) > Tuple(*values))
    return list(select.order_by(*query.order).limit(limit + 1))


# How many people may contain the text before the inside part walks the primary key instead of
# the trigram index (below).
_FEW = 200


def _inside_page(query, before, limit):
    """People with the text inside (not at the start), newest first, on PostgreSQL.

    Which plan is fast depends on how many people match, which the planner can only guess from
    the text: a trigram bitmap costs as many rows as match, a walk down the primary key about
    limit / share-that-match rows (matches are spread evenly over ids, unlike over names). So
    the matches are counted first, up to _FEW, on the trigram index, and the plan is chosen:
    a few are read through the trigram index and sorted; many, by walking the primary key
    down, which meets 21 of them after about 21 / share rows (at most about 100 000 at a million
    people in the worst case of just over _FEW matches, a few thousand when the text is common).
    """
    condition = _inside(query) & ~_starting(query)
    if before is not None:
        condition &= Person.id < before
    with db.atomic():
        # The trigram bitmap only:
        db.execute_sql("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        few = Person.select(SQL("1")).where(condition).limit(_FEW).count() < _FEW
        if not few:  # the primary key, newest first
            db.execute_sql("SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = off")
        return list(Person.select(*_COLUMNS).where(condition)
                    .order_by(Person.id.desc()).limit(limit + 1))


def find(query, after=None, limit=PAGE_SIZE):
    """One Page of people matching `query`. `after` is the `next` of the page before: "s<id>"
    continues the people starting with the text, "i<id>" those with it inside."""
    cursor = _CURSOR.fullmatch(after or "")
    phase, last = (cursor.group(1), int(cursor.group(2) or 0) or None) if cursor else ("s", None)
    starting = _starting_page(query, last, limit) if phase == "s" else []
    if len(starting) > limit:
        return Page(starting[:limit], [], f"s{starting[limit - 1].id}")
    inside = []
    if query.substring:
        room = limit - len(starting)
        inside = _inside_page(query, last if phase == "i" else None, room)
        if len(inside) > room:
            return Page(starting, inside[:room], f"i{inside[room - 1].id}" if room else "i")
    return Page(starting, inside, None)


def search(text, after=None, limit=PAGE_SIZE):
    """Parse and find in one step (raises SearchProblem)."""
    return find(parse(text), after, limit)
