"""What counts as contact with a person: the one place that starts the retention clock again.

Data is kept three years after the last contact (catalog.AFTER_LAST_CONTACT). Contact is
something the person does towards us, listed here; nothing else moves the date:
not e-mails the agency sends, not staff opening or editing a record, not a privacy request
(asking for a copy must not prolong what is kept), and never an action that reduces what is
held (withdrawing consent, cancelling, deleting a row or a document, asking for erasure).
"""
from flask_babel import lazy_gettext as _l

CONTACT = {
    "booking": _l("You booked or moved a meeting, with a proven address"),
    "meeting": _l("You met one of our consultants"),
    "login": _l("You logged in"),
    "own_change": _l("You changed your data or gave a consent"),
    "keep": _l("You asked us to keep your data"),
}


def contact(person, event):
    """Record contact of this kind now: the retention clock starts again."""
    if event not in CONTACT:
        raise ValueError(f"not contact: {event}")
    person.touch()
