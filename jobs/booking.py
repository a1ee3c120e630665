"""Booking jobs."""
from jobs import with_app
from portal.booking import actions


@with_app
def send_reminders():
    """Remind people of meetings in the next 24 hours (once each; safe to run twice)."""
    return actions.send_reminders()
