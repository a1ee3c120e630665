"""What the staff queue shows. Each feature adds its section here."""


def queue_sections():
    """The queue's sections in order, each a (title, template, items) tuple."""
    from portal.booking.actions import queue_section as bookings_section
    return [bookings_section()]
