"""What the staff workspace brings: the queue that collects every feature's `queue_section`,
finding a person, their record (each opening kept and shown to them), and staff entries."""
from portal.people.holdings import Rows
from portal.staff import models, record, views

__all__ = ["blueprint", "models", "init_app", "personal_data"]  # what this feature declares

blueprint = views.bp

# Each opening of a person's record: shown to them on /account and in their copy; the audit
# trail keeps who it was for its own five years, so the rows go with the person.
personal_data = (
    Rows(models.RecordView, category="record_views", person="person", source="portal",
         created="at"),
)


def init_app(app):
    @app.context_processor
    def record_views():
        """What /account needs to tell a person when their record was opened."""
        return {"record_views_of": record.views_of, "record_view_roles": record.ROLES,
                "record_view_purposes": record.PURPOSES}
