"""The signed cancel and move links of a booking, as e-mailed and as read back.

A link names the booking's id and its calendar event's UID, and reaches the booking only when
both match: an id alone could name someone else's booking (a database restored from a backup
gives ids again; before migration 0013, SQLite gave an erased booking's id to the next one).
"""
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from portal.web.links import external_url


def _signer(action):
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"booking-{action}")


def link_token(booking, action):
    """A signed token for the cancel or move link of a booking."""
    return _signer(action).dumps({"b": booking.id, "u": booking.uid})


def link_url(booking, action):
    return external_url(f"/book/{action}/{link_token(booking, action)}")


def booking_named(token, action):
    """(booking id, calendar UID) a cancel or move token was signed for; None when it is not
    ours; (id, None) for a link signed before links carried the UID."""
    try:
        data = _signer(action).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("b"), int):
        return None
    uid = data.get("u")
    return data["b"], uid if isinstance(uid, str) else None


def remembered(booking):
    """What a browser keeps of the booking it just made (shown on /book/booked)."""
    return {"b": booking.id, "u": booking.uid}


def is_remembered(booking, kept):
    """Whether what a browser kept names this booking: its id and its calendar event."""
    return (booking is not None and isinstance(kept, dict) and kept.get("b") == booking.id
            and same_event(booking, kept.get("u")))


def same_event(booking, uid):
    """Whether a UID (from a link or a session) is the booking's calendar event's."""
    return isinstance(uid, str) and hmac.compare_digest(booking.uid.encode(), uid.encode())
