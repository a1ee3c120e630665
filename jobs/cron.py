"""All periodic work, in one place. Run exactly one `rq cron jobs/cron.py` process."""
from rq import cron

from jobs.mail import relay_outbox

cron.register(relay_outbox, "default", interval=60, failure_ttl=7 * 24 * 3600)
