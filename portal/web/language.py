"""Which language a page is in: the visitor's choice, else what the browser asks for, else nb."""
import math
import re

from flask import has_request_context, request, session

LANGUAGES = ("nb", "en")
# Primary language tags we answer, and with what: the Scandinavian languages read bokmål.
KNOWN = {"en": "en", "nb": "nb", "no": "nb", "nn": "nb", "da": "nb", "sv": "nb"}
MAX_HEADER = 1000   # a real Accept-Language is well under 200 characters
MAX_ENTRIES = 32
_QVALUE = re.compile(r"(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)")


def from_accept_language(header):
    """The language for an Accept-Language header: the most wanted language we know decides.

    English gets English; Norwegian (nb, no, nn), Danish, Swedish, anything else, nothing, and
    anything we cannot read get Norwegian. A weight that is not a valid q-value (q=abc, q=2,
    q=) makes its entry not count; only the first 1000 characters are read.
    """
    entries = []
    for position, part in enumerate((header or "")[:MAX_HEADER].split(",")[:MAX_ENTRIES]):
        tag, *params = [p.strip() for p in part.split(";")]
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                value = value.strip()
                weight = float(value) if _QVALUE.fullmatch(value) else math.nan
        primary = tag.replace("_", "-").split("-", 1)[0].lower()
        if primary in KNOWN and weight > 0:  # nan > 0 is False: a bad weight does not count
            entries.append((-weight, position, KNOWN[primary]))
    return min(entries)[2] if entries else "nb"


def select_locale():
    """The chosen language (session), else the browser's; nb outside a request."""
    if not has_request_context():
        return "nb"
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return from_accept_language(request.headers.get("Accept-Language"))


def vary_on_language(response):
    """Pages differ by Accept-Language (first visits), so caches must keep them apart."""
    response.vary.add("Accept-Language")
    return response
