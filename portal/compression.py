"""HTML pages compressed with Brotli or gzip (Flask-Compress), as the browser asks.

Only `text/html` is compressed here (static files come compressed from portal/static_files.py;
downloads are sent as stored), only from COMPRESS_MIN_SIZE bytes up (a smaller HTMX fragment
fits in one packet anyway), never a streamed response or an attachment, and every HTML response
says `Vary: Accept-Encoding`.

BREACH (guessing a secret in a compressed page from its length, with text the attacker gets
reflected into the same page) is answered by not compressing what such an attack would need:
- Flask-WTF's CSRF token is the session's random value (also in the session cookie), then a
  timestamp and an HMAC signature made with SECRET_KEY: the signed part changes every second,
  so it cannot be recovered byte by byte, and the stable part alone is no valid token.
- The attack needs the victim's browser to send the victim's cookie with the attacker's
  requests. The session cookie is SameSite=Lax, so a page on another site can only send it on
  a top-level navigation; and a request the browser marks `Sec-Fetch-Site: cross-site` that
  carries the session cookie gets its page uncompressed. A first visit from a link elsewhere
  (no cookie yet) is compressed: its page holds nothing but a fresh token. (A browser too old
  to send Sec-Fetch-Site still gets compressed pages, but only by navigations the person sees.)
"""
from flask import current_app, request

from portal.extensions import compress

COMPRESSED_TYPES = ("text/html",)


def _cross_site_with_session():
    return (request.headers.get("Sec-Fetch-Site") == "cross-site"
            and current_app.config["SESSION_COOKIE_NAME"] in request.cookies)


def compress_page(response):
    """Compress a finished HTML page unless it is a download or a cross-site request's."""
    if response.mimetype not in COMPRESSED_TYPES:
        return response
    response.vary.add("Accept-Encoding")
    if response.headers.get("Content-Disposition", "").startswith("attachment"):
        return response
    if _cross_site_with_session():
        return response
    return compress.after_request(response)


def init_app(app):
    """Call before anything else adds an after_request hook: this one must run last."""
    compress.init_app(app)  # COMPRESS_REGISTER is off: compress_page decides
    app.after_request(compress_page)
