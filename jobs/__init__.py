"""RQ jobs: thin wrappers that take ids and plain values and call a feature's actions."""
import functools

_app = None


def _worker_app():
    # One app per worker process, built on first use; jobs never share request state.
    global _app
    if _app is None:
        from portal import create_app
        _app = create_app()
    return _app


def with_app(func):
    """Run a job inside an app context with its own database connection."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from flask import has_app_context

        from portal.db import db
        if has_app_context():  # run in-process by a test or a CLI command
            return func(*args, **kwargs)
        with _worker_app().app_context(), db.connection_context():
            return func(*args, **kwargs)
    return wrapper
