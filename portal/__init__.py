"""The candidate portal of ressursbasen.no."""
import secrets
from pathlib import Path

from flask import Flask, has_request_context, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import db, demo, features, schema
from portal.config import INSTANCE, ROOT, Config, instance_secret
from portal.extensions import babel, csrf, htmx, limiter, mail


def select_locale():
    lang = session.get("lang") if has_request_context() else None
    return lang if lang in ("nb", "en") else "nb"


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
    if app.config.get("PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    # Each feature owns its Norwegian words; portal/translations holds the shared ones.
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        [str(ROOT / "portal" / "translations")]
        + [str(p) for p in sorted((ROOT / "portal").glob("*/translations"))])

    app.jinja_env.add_extension("jinja2.ext.do")

    if app.config.get("MAIL_BACKEND") == "file":  # the development outbox, 0600 files
        app.config["MAIL_BACKEND"] = "portal.mail.backends.EmailBackend"

    db.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Europe/Oslo")
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    features.init_app(app)
    app.cli.add_command(schema.cli)
    app.cli.add_command(demo.demo_data_command)

    @app.context_processor
    def layout_context():
        in_request = has_request_context()
        return {"current_lang": select_locale(), "privacy_contact": app.config["PRIVACY_CONTACT"],
                "request_path": request.full_path.rstrip("?") if in_request else "/"}

    return app
