"""What retention brings: the catalog's periods enforced every minute and every night, the
notices before a deletion with their "keep my data" link, the staff retention page, and the
deletions of the next 30 days in the staff queue."""
from jobs.retention import enqueue_nightly_sweep, sweep_minute
from portal.people.holdings import NoPersonalData, Rows
from portal.retention import cli, models, staff_queue, views

__all__ = ["blueprint", "models", "cli", "cron", "queue_section", "personal_data",
           "no_personal_data"]  # what this feature declares

blueprint = views.bp
cli = (cli.retention,)
queue_section = staff_queue.queue_section
# rq cron runs in UTC: 01:30 UTC is 02:30 in Oslo in winter and 03:30 in summer, a quiet hour.
cron = ((enqueue_nightly_sweep, {"cron": "30 1 * * *"}),
        (sweep_minute, {"interval": 60}))

# The notices we sent (the date we said, when): e-mails about the person, they go with them.
personal_data = (
    Rows(models.RetentionNotice, category="messages", person="person", whole_row=True,
         source="portal", created="sent_at"),
)
no_personal_data = (
    NoPersonalData(models.RetentionRun, "Counts per rule, timings and errors of each run; never "
                                        "a name, an address or an id of a person."),
)
