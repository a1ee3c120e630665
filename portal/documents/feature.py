"""What documents bring: encrypted CVs, certificates and photos."""
from portal import catalog
from portal.documents import models, views
from portal.people.holdings import Files, RedisKeys, Rows

__all__ = ["blueprint", "models", "personal_data"]  # what this feature declares

blueprint = views.bp

# A document row belongs to the category its kind names ("Document.cv" is the CV); its bytes
# are in the document store and leave with the row.
documents = Rows(models.Document, person="person", whole_row=True, created="uploaded_at",
                 category=lambda row: catalog.category_of(f"Document.{row.kind}").key)
personal_data = (
    documents,
    Files(documents),
    RedisKeys("uploads counted per person", lambda s: [
        f"documents-upload/{i}" for i in s.ids()]),
)
