"""Retention jobs: the nightly sweep (one per Oslo date) and the every-minute one."""
from jobs import with_app
from portal.queue import enqueue
from portal.retention import actions


@with_app
def enqueue_nightly_sweep():
    """The cron entry: queue today's sweep under an id of its own, so it runs once a day."""
    today = actions.today_in_oslo()
    return enqueue("jobs.retention.sweep", today.isoformat(), job_id=f"retention-sweep-{today}")


@with_app
def sweep(today):
    """Erase what is due as of `today` (an ISO date); a missed night is caught up here."""
    return actions.sweep(today=actions.parse_day(today)).id


@with_app
def sweep_minute():
    """Codes and bookings waiting for a code, gone as soon as they run out."""
    return actions.sweep(pace="minute").id
