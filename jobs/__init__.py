"""RQ jobs: thin wrappers that take ids and plain values and call a feature's actions."""
import functools

from flask import has_app_context

_app = None


def _worker_app():
    # One app per worker process, built on first use; jobs never share request state. The
    # portal is imported here, not at the top: features name their cron jobs from this package,
    # so `import portal` at the top would import this package half-built.
    global _app
    from portal import create_app
    if _app is None:
        _app = create_app()
    return _app


def with_app(func):
    """Run a job inside an app context with its own database connection."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if has_app_context():  # run in-process by a test or a CLI command
            return func(*args, **kwargs)
        app = _worker_app()
        with app.app_context(), app.extensions["peewee"].connection_context():
            return func(*args, **kwargs)
    return wrapper
