"""What proven addresses bring: one-time codes by e-mail, and their clean-up every minute."""
from jobs.verification import remove_expired_challenges
from portal.verification import models

__all__ = ["models", "cron"]  # what this feature declares

cron = ((remove_expired_challenges, {"interval": 60}),)
