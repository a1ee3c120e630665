"""What the shared web layer brings: the front page, language switch, health, error pages."""
from portal.web import errors, views

__all__ = ["init_app", "blueprint"]  # what this feature declares

blueprint = views.bp
init_app = errors.init_app
