"""What e-mail brings: the outbox, and its relay and clean-up every minute and every night."""
from jobs.mail import relay_outbox
from portal import catalog
from portal.mail import backends, limits, models
from portal.people.holdings import Expiry, Folder, RedisKeys, Rows
from portal.ratelimit import keyed_hash

__all__ = ["models", "cron", "personal_data"]  # what this feature declares

cron = ((relay_outbox, {"interval": 60}),)

# Registration, reset and e-mail change mails have no Person yet: they are found by address.
# A record goes 30 days after its e-mail was sent; one never sent (refused for good, or never
# picked up), 30 days after it was written. The confirmation of an erasure, the last e-mail,
# is the erasure's own: no later erasure under that address takes it (it loses the address
# once sent).
personal_data = (
    Rows(models.Outbox, category="messages", person="person", email="to", whole_row=True,
         source="portal", unless=lambda: models.Outbox.forget_after_send, expires=(
             Expiry(catalog.AFTER_SENDING),
             Expiry(catalog.UNSENT, only=lambda: models.Outbox.sent_at.is_null()))),
    RedisKeys("e-mails counted per address", lambda s: [
        keyed_hash("mail-to", limits.recipient_key(e)) for e in s.emails]),
    Folder("development outbox", lambda s: backends.forget(
        s.emails | s.phones | s.names)),
)
