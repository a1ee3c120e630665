"""What proven addresses bring: one-time codes by e-mail, and their clean-up every minute."""
from portal import catalog
from portal.db import any_of
from portal.people.holdings import Expiry, Rows
from portal.verification import actions, models

__all__ = ["models", "personal_data"]  # what this feature declares

# Used and expired codes, and hourly counts, go within a minute (portal/retention).

personal_data = (
    Rows(models.Challenge, category="codes", email="email", whole_row=True, source="portal",
         withheld=("token", "code_hash"), expires=Expiry(
             catalog.UNTIL_PROVEN, also=lambda: models.Challenge.used_at.is_null(False))),
    Rows(models.CodeQuota, category="codes", whole_row=True, source="portal",
         expires=Expiry(catalog.CODE_COUNT),
         created="window_start", reach=lambda s: any_of(models.CodeQuota.address_key, sorted(
             {actions.address_key(e) for e in s.emails})) if s.emails else None),
)
