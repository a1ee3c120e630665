"""What accounts bring: login, registration, reset, sessions, the access guard, `users` CLI."""
from portal.auth import cli, demo, guard, models, views

__all__ = ["init_app", "blueprint", "models", "cli", "load_demo_data"]  # what this feature declares


def init_app(app):
    guard.init_app(app)
    views.init_app(app)


blueprint = views.bp
cli = (cli.users,)
load_demo_data = demo.load_demo_data
