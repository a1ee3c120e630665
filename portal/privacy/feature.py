"""What privacy brings: the policy page, rendered from the catalog."""
from portal.privacy import views

__all__ = ["blueprint"]  # what this feature declares

blueprint = views.bp
