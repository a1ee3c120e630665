"""What the staff queue shows. Each feature adds its section here."""


def queue_sections():
    """The queue's sections in order, each a (title, template, items) tuple."""
    return []
