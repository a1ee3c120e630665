"""What consent brings: the append-only consent records and the page to give or withdraw."""
from portal.consent import models, views

blueprint = views.bp
