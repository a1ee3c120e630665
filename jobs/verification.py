"""Proven-address jobs."""
from jobs import with_app
from portal.verification import actions


@with_app
def remove_expired_challenges():
    """Delete used and expired codes and finished hourly counts."""
    return actions.remove_expired()
