"""What documents bring: encrypted CVs, certificates and photos."""
from portal.documents import models, views

__all__ = ["blueprint", "models"]  # what this feature declares

blueprint = views.bp
