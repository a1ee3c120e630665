"""E-mail jobs."""
from jobs import with_app
from portal.mail import actions


@with_app
def send_email(outbox_id):
    """Send one outbox e-mail (a no-op when it was sent already)."""
    return actions.send(outbox_id)


@with_app
def relay_outbox():
    """Queue every e-mail left unsent, e.g. after Redis was down."""
    return actions.relay_unsent()
