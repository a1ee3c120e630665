"""What the staff queue shows: each feature's `queue_section`, in feature order."""
from portal import features


def queue_sections():
    """The queue's sections in order, each a (title, template, items) tuple."""
    return [section() for section in features.queue_sections()]
