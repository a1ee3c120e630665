"""What the audit trail brings: the hash-chained event table, its sealing job, the
administrators' log viewer and `flask audit verify`."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from jobs.audit import seal_audit_trail
from portal import catalog
from portal.audit import cli, models, views
from portal.db import any_of
from portal.people.holdings import Keep, Rows

__all__ = ["blueprint", "models", "cli", "cron", "personal_data"]  # what this feature declares

blueprint = views.bp
cli = (cli.audit,)
# Every minute: events wait at most about a minute before they are chained.
cron = ((seal_audit_trail, {"interval": 60}),)


# The trail holds ids and counts, never names or addresses; erasure keeps it (deleting rows
# would break the chain that proves it was not tampered with) for its own five years.
def _events_of(subject):
    """The events naming the subject's people; for one person, only from the moment their row
    was made: an id given before (a restored backup, or SQLite before migration 0013 gave an
    erased person's id to the next one) does not bring someone else's trail with it."""
    if not subject.person_ids:
        return None
    events = any_of(models.AuditEvent.person_id, subject.ids())
    if subject.person is not None and getattr(subject.person, "created_at", None):
        events &= models.AuditEvent.at >= subject.person.created_at
    return events


personal_data = (
    Rows(models.AuditEvent, category="audit", reach=_events_of,
         whole_row=True, source="portal", created="at",
         erase=Keep(_l("Accountability (GDPR art. 5(2)): the log shows how your data was handled. "
                    "It holds ids and dates, no name, address or other details."),
                    until=lambda row: (row.at + timedelta(days=365 * catalog.AUDIT_TRAIL.years)
                                       ).date())),
)
