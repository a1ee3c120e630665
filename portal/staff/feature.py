"""What the staff workspace brings: the queue that collects every feature's `queue_section`,
finding a person, their record (each opening kept and shown to them), and staff entries."""
from portal.people.holdings import Rows
from portal.staff import models, views

__all__ = ["blueprint", "models", "personal_data"]  # what this feature declares

blueprint = views.bp

# Each opening of a person's record: shown to them on /account and in their copy; the audit
# trail keeps who it was for its own five years, so the rows go with the person.
personal_data = (
    Rows(models.RecordView, category="record_views", person="person", source="portal",
         created="at"),
)

