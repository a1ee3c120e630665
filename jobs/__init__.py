"""RQ jobs: thin wrappers that take ids and plain values and call a feature's actions."""
import functools

from flask import has_app_context

_app = None


def _worker_app():
    # One app per worker process, built on first use; jobs never share request state.
    global _app
    if _app is None:
        _app = portal.create_app()
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


# Last, as microblog's app/__init__.py imports its routes: a worker starts from a job's name
# (say jobs.mail.send_email), and the portal's features name their cron jobs from this package,
# so the portal is imported once `with_app` exists and before any job module.
import portal  # noqa: E402  (a module, not a name in it: the portal may be half-imported here)
