"""What the candidate area brings: the account overview and the profile."""
from portal.candidates import demo, models, views

__all__ = ["blueprint", "models", "load_demo_data"]  # what this feature declares

blueprint = views.bp
load_demo_data = demo.load_demo_data
