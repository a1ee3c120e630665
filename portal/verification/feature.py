"""What proven addresses bring: one-time codes by e-mail, and their clean-up every minute."""
from jobs.verification import remove_expired_challenges
from portal.people.holdings import Rows
from portal.verification import actions, models

__all__ = ["models", "cron", "personal_data"]  # what this feature declares

cron = ((remove_expired_challenges, {"interval": 60}),)

personal_data = (
    Rows(models.Challenge, category="codes", email="email", whole_row=True, source="portal",
         withheld=("token", "code_hash")),
    Rows(models.CodeQuota, category="codes", whole_row=True, source="portal",
         created="window_start", reach=lambda s: models.CodeQuota.address_key.in_(
             sorted({actions.address_key(e) for e in s.emails})) if s.emails else None),
)
