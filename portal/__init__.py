"""The candidate portal of ressursbasen.no."""
import os
import secrets
from pathlib import Path

from flask import Flask, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import compression, db, demo, features, schema, static_files
from portal.config import INSTANCE, ROOT, Config, base_url, instance_secret
from portal.extensions import babel, csrf, htmx, limiter, mail
from portal.web import formats
from portal.web.language import select_locale, vary_on_language
from portal.web.links import redact_request_logs


def create_app(config=None):
    """Build the portal: config, database, extensions, features."""
    app = Flask(__name__, instance_path=str(INSTANCE),
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.from_object(config or Config)
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("SECRET_KEY must be set in production")
        app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path) / "secret_key",
                                                   lambda: secrets.token_urlsafe(48))
    app.config["BASE_URL"] = base_url(app.config.get("BASE_URL"), app.config["ENV_NAME"],
                                      os.environ.get("PORT"))
    if app.config.get("PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    # Each feature owns its Norwegian words; portal/translations holds the shared ones.
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        [str(ROOT / "portal" / "translations")]
        + [str(p) for p in sorted((ROOT / "portal").glob("*/translations"))])

    app.jinja_env.add_extension("jinja2.ext.do")

    if app.config.get("MAIL_BACKEND") == "file":  # the development outbox, 0600 files
        app.config["MAIL_BACKEND"] = "portal.mail.backends.EmailBackend"

    compression.init_app(app)  # first: its after_request hook runs last, over the finished page
    db.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Europe/Oslo")
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    features.init_app(app)
    app.cli.add_command(schema.cli)
    app.cli.add_command(demo.demo_data_command)

    app.after_request(vary_on_language)
    redact_request_logs(app)
    formats.init_app(app)
    static_files.init_app(app)  # wraps app.wsgi_app: static files never reach Flask

    @app.context_processor
    def layout_context():
        in_request = has_request_context()
        path = request.full_path.rstrip("?") if in_request else "/"
        # Where the language switch returns to: not a query of 10 000 characters typed into a
        # filter or a search (the page in the other language without it is good enough).
        return {"current_lang": select_locale(), "privacy_contact": app.config["PRIVACY_CONTACT"],
                "request_path": path if len(path) <= 1000 else request.path}

    return app
