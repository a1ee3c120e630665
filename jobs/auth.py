"""Account jobs: removing the rows of sessions that ended by time."""
from jobs import with_app
from portal.auth import actions


@with_app
def remove_ended_sessions():
    """Delete sessions past their idle or absolute limit, and staff logins that never gave a code."""
    return actions.remove_ended_sessions()
