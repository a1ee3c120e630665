"""Friendly error pages in the person's language, and the headers every response carries."""
from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from portal.web.render import render, wants_fragment

MESSAGES = {
    400: (_l("Something was wrong with the request"),
          _l("We could not understand what was sent. Go back, reload the page and try again.")),
    403: (_l("You do not have access to this page"),
          _l("If you think you should have access, log in with the right account.")),
    404: (_l("We could not find that page"),
          _l("The address may be mistyped, or the page has moved.")),
    405: (_l("That is not possible here"),
          _l("This page cannot be used that way. Go back and try again.")),
    413: (_l("What you sent is too large"),
          _l("Files and forms have a size limit. Send something smaller.")),
    429: (_l("Too many attempts"),
          _l("Please wait a few minutes before you try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing you did caused this. Please try again in a little while.")),
}
CSRF_MESSAGE = _l("The form had expired or was missing its security code. "
                  "Reload the page and send it again.")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'")


def error_page(code, message=None):
    title, default = MESSAGES.get(code, MESSAGES[500])
    response = render("errors/error.html", status=code, code=code, title=title,
                      message=message or default)
    if code == 400 and wants_fragment():
        response.headers["HX-Refresh"] = "true"  # stale token on a long-open page: reload it
    return response


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ids beyond what the database holds are a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app):
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def refuse_json_bodies():
        # Every form here posts form data; Flask-WTF would read a JSON body as form data and
        # fail on a JSON list with a 500.
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.is_json:
            abort(400)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_page(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        code = exc.code if exc.code in MESSAGES else (500 if exc.code >= 500 else 400)
        response = error_page(code)
        if exc.code == 405:
            response.headers["Allow"] = ", ".join(exc.valid_methods or [])
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_page(500)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers["Content-Security-Policy"] = CSP
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
        if app.config["HSTS"]:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

