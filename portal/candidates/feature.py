"""What the candidate area brings: the account overview and the profile."""
from portal.candidates import demo, models, views

blueprint = views.bp
load_demo_data = demo.load_demo_data
