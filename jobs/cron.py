"""All periodic work, in one place. Run exactly one `rq cron jobs/cron.py` process."""
from rq import cron

from jobs.booking import send_reminders
from jobs.mail import prune_outbox, relay_outbox

cron.register(relay_outbox, "default", interval=60, failure_ttl=7 * 24 * 3600)
cron.register(prune_outbox, "default", cron="17 3 * * *", failure_ttl=7 * 24 * 3600)
cron.register(send_reminders, "default", interval=15 * 60, failure_ttl=7 * 24 * 3600)
