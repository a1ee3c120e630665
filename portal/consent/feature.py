"""What consent brings: the append-only consent records and the page to give or withdraw."""
from portal.consent import models, views
from portal.people.holdings import Rows

__all__ = ["blueprint", "models", "personal_data"]  # what this feature declares

blueprint = views.bp

# The history of what the person agreed to and withdrew; it goes with the person.
personal_data = (
    Rows(models.Consent, category="consents", person="person", created="at"),
)
