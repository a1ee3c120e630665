"""What the staff workspace brings: the queue that collects every feature's `queue_section`."""
from portal.staff import views

__all__ = ["blueprint"]  # what this feature declares

blueprint = views.bp
