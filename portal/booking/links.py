"""The signed cancel and move links of a booking, as e-mailed and as read back."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from portal.web.links import external_url


def _signer(action):
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"booking-{action}")


def link_token(booking, action):
    """A signed token for the cancel or move link of a booking."""
    return _signer(action).dumps({"b": booking.id})


def link_url(booking, action):
    return external_url(f"/book/{action}/{link_token(booking, action)}")


def booking_id_of(token, action):
    """The booking id a cancel or move token was signed for, or None when it is not ours."""
    try:
        data = _signer(action).loads(token)
    except BadSignature:
        return None
    return data.get("b") if isinstance(data, dict) else None
