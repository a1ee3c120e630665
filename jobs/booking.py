"""Booking jobs."""
from jobs import with_app
from portal.booking import actions, pending


@with_app
def send_reminders():
    """Remind people of meetings in the next 24 hours (once each; safe to run twice)."""
    return actions.send_reminders()


@with_app
def remove_expired_pending():
    """Delete bookings whose code ran out, and with them what the visitor typed."""
    return pending.remove_expired()
