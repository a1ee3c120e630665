"""E-mail jobs."""
from jobs import with_app
from portal.mail import actions


@with_app
def send_email(outbox_id, *more_ids):
    """Send outbox e-mails (each a no-op when it was sent already); how many went out."""
    return sum(actions.send(i) for i in (outbox_id, *more_ids))


@with_app
def relay_outbox():
    """Queue every e-mail left unsent, e.g. after Redis was down."""
    return actions.relay_unsent()
