"""All periodic work: each feature declares its `cron` entries. Run exactly one `rq cron jobs/cron.py`."""
from rq import cron

from portal.features import cron_entries

for job, schedule in cron_entries():
    cron.register(job, "default", failure_ttl=7 * 24 * 3600, **schedule)
