"""What e-mail brings: the outbox, and its relay and clean-up every minute and every night."""
from jobs.mail import prune_outbox, relay_outbox
from portal.mail import models

__all__ = ["models", "cron"]  # what this feature declares

cron = ((relay_outbox, {"interval": 60}),
        (prune_outbox, {"cron": "17 3 * * *"}))
