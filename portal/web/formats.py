"""How dates, times and countries are shown, in one place: templates use the filters `when` and
`country`, Python code the functions below.

English reads as in Europe (day before month, 24-hour clock); no seconds anywhere. Stored
datetimes are naive UTC and shown in Oslo time.
"""
import functools
import unicodedata
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.dates import format_time as _babel_time
from flask_babel import get_locale

OSLO = ZoneInfo("Europe/Oslo")

# style: (Norwegian pattern, English pattern), in CLDR syntax.
STYLES = {
    "date": ("d. MMMM y", "d MMMM y"),                                   # 25 November 2026
    "datetime": ("d. MMMM y 'kl.' HH:mm", "d MMMM y, HH:mm"),            # 25 November 2026, 15:32
    "meeting": ("EEEE d. MMMM y 'kl.' HH:mm", "EEEE d MMMM y, HH:mm"),   # Wednesday 25 November 2026, 15:32
    "weekday": ("EEEE d. MMMM", "EEEE d MMMM"),                          # Wednesday 25 November
    "weekday_date": ("EEEE d. MMMM y", "EEEE d MMMM y"),                 # Wednesday 25 November 2026
    "day_month": ("d. MMMM", "d MMMM"),                                  # 25 November
    "short": ("EEE d. MMM HH:mm", "EEE d MMM, HH:mm"),                   # Wed 25 Nov, 15:32
    "time": ("HH:mm", "HH:mm"),                                          # 15:32
}


def _lang():
    return "en" if str(get_locale() or "nb").startswith("en") else "nb"


def to_oslo(value):
    """A stored datetime (naive UTC, or aware) in Oslo time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(OSLO)


def format_when(value, style="datetime"):
    """A date, datetime or time in the current language; '' for None."""
    if value is None or value == "":
        return ""
    lang = _lang()
    pattern = STYLES[style][lang == "en"]
    if isinstance(value, datetime):
        return _babel_datetime(to_oslo(value), pattern, tzinfo=OSLO, locale=lang)
    if isinstance(value, date):
        return _babel_date(value, pattern, locale=lang)
    if isinstance(value, time):
        return _babel_time(value, pattern, locale=lang)
    raise TypeError(f"not a date or time: {value!r}")


# --- Countries ----------------------------------------------------------------------------------

FIRST = ("NO", "SE", "DK", "FI", "IS")  # Norway, then the Nordic countries
# Two-letter codes CLDR names that are no country to live in: pseudo-locales (XA, XB), unknown
# (ZZ), groupings (EU, EZ, UN, QO), and places that are part of another country's addresses.
NOT_COUNTRIES = frozenset({"XA", "XB", "ZZ", "EU", "EZ", "UN", "QO",
                           "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})
_NORWEGIAN_LAST = {"æ": "\U0010fff0", "ø": "\U0010fff1", "å": "\U0010fff2",
                   "ä": "\U0010fff0", "ö": "\U0010fff1"}  # after every other letter


def _territories(lang):
    return Locale.parse(lang).territories


def _sort_key(name, lang):
    """Alphabetical as a reader of the language expects: accents ignored, and in Norwegian
    Æ, Ø, Å after Z."""
    key = []
    for ch in name.lower():
        if lang == "nb" and ch in _NORWEGIAN_LAST:
            key.append(_NORWEGIAN_LAST[ch])
        else:
            key.append("".join(c for c in unicodedata.normalize("NFD", ch)
                               if not unicodedata.combining(c)))
    return "".join(key)


def countries():
    """[(code, name)] of every country in the current language: Norway, the Nordics, the rest A–Z."""
    return list(_countries_in(_lang()))


def is_country(code):
    """Whether a code is one of the countries offered in the current language."""
    return code in _country_codes(_lang())


@functools.cache
def _country_codes(lang):
    return frozenset(code for code, _name in _countries_in(lang))


@functools.cache
def _countries_in(lang):
    # Sorted once per language and process: sorting took a third of a booking form's time.
    names = _territories(lang)
    rest = sorted((c for c in names if len(c) == 2 and c.isalpha() and c.isupper()
                   and c not in NOT_COUNTRIES and c not in FIRST),
                  key=lambda c: _sort_key(names[c], lang))
    return tuple((c, names[c]) for c in FIRST + tuple(rest))


def country_name(code):
    """A country's name in the current language; an unknown code is shown as it is."""
    return _territories(_lang()).get(code or "", code or "") if code not in NOT_COUNTRIES else code


def format_number(value):
    """A whole number as the language writes it (650 000 in Norwegian, 650,000 in English)."""
    from flask_babel import format_decimal
    return format_decimal(value) if value is not None else ""


def init_app(app):
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.filters["country"] = country_name
    app.jinja_env.filters["number"] = format_number
