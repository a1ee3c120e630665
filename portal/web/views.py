"""Pages every visitor sees: the front page, the language switch, health."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.guard import public
from portal.candidates.actions import remember_language
from portal.db import db
from portal.queue import redis_ok
from portal.web.render import render

bp = Blueprint("web", __name__)


def safe_next(target, default):
    """An on-site path to go back to; anything pointing elsewhere becomes `default`."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


@bp.route("/")
@public
def index():
    """Show the front page."""
    return render("web/index.html")


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Remember the chosen language for this browser."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        person = getattr(current_user, "person", None)
        if person is not None:  # e-mails (reminders, from cron) go in this language from now on
            remember_language(person, lang)
    else:
        flash(_("That language is not available. Choose Norsk or English."), "error")
    return redirect(safe_next(request.form.get("next"), url_for("web.index")))


@bp.route("/health")
@public
def health():
    """Report whether the database and Redis answer."""
    try:
        db.execute_sql("SELECT 1")
        db_status = "ok"
    except Exception:  # any driver error means the database is not usable
        db_status = "down"
    redis_status = "ok" if redis_ok() else "down"
    ok = db_status == "ok" and redis_status == "ok"
    return jsonify(status="ok" if ok else "degraded", db=db_status, redis=redis_status), (200 if ok else 503)
