"""What consent brings: the append-only consent records and the page to give or withdraw."""
from portal.consent import models, views

__all__ = ["blueprint", "models"]  # what this feature declares

blueprint = views.bp
