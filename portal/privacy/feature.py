"""What privacy brings: the policy page, rendered from the catalog."""
from portal.privacy import views

blueprint = views.bp
