"""Links that leave the site (e-mails): built from BASE_URL, never from the Host header.

A token in an e-mailed link leaves the URL on the first visit: the view keeps it in the
session under its purpose and a random handle and answers with a 303 to the same page at
/<path>/link/<handle>, so the token is in no later URL, history entry, Referer or log line; two
links opened in two tabs each have their own handle. The request logs redact the token of that
first visit (RedactTokens).
"""
import logging
import re
import secrets

from flask import current_app, redirect, request, session, url_for

LINKS = "links"  # session: {purpose: {handle: token}}
KEPT_PER_PURPOSE = 5
# Paths whose next segment is a token (the /link/<handle> pages carry none).
TOKEN_PATHS = ("register/verify", "register/invite", "password/reset", "account/email/confirm",
               "book/cancel", "book/move", "keep", "privacy/exports", "shared")
_TOKEN_IN_PATH = re.compile(r"(/(?:%s)/)(?!link/)[^/?#\s\"']+" % "|".join(
    re.escape(p) for p in TOKEN_PATHS))


def external_url(endpoint_or_path, **values):
    """An absolute URL on the configured BASE_URL for an endpoint or an on-site path."""
    path = endpoint_or_path if endpoint_or_path.startswith("/") else url_for(endpoint_or_path, **values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def kept_token(purpose, handle):
    """The token kept in this browser's session under a handle, or None."""
    links = session.get(LINKS)
    if not handle or not isinstance(links, dict):
        return None
    kept = links.get(purpose)
    return kept.get(handle) if isinstance(kept, dict) else None


def _keep(purpose, token):
    links = dict(session.get(LINKS) or {})
    kept = dict(links.get(purpose) or {})
    for handle, known in kept.items():
        if known == token:
            return handle
    handle = secrets.token_urlsafe(9)
    kept[handle] = token
    while len(kept) > KEPT_PER_PURPOSE:
        kept.pop(next(iter(kept)))
    links[purpose] = kept
    session[LINKS] = links
    return handle


def leave_token_url(purpose, token, handle):
    """(handle, response) for a view reached as /<path>/<token> or /<path>/link/<handle>.

    Call it once the token is known to be good. A token that came in the URL is kept in the
    session; on a GET the response is a 303 to the same page without it (query kept), which
    the view returns. Otherwise the response is None and the view goes on.
    """
    if handle is not None:
        return handle, None
    handle = _keep(purpose, token)
    if request.method == "GET":
        # The query goes along, but never as url_for's own words (_external, _anchor, handle).
        query = {k: v for k, v in request.args.items() if k != "handle" and not k.startswith("_")}
        target = url_for(request.endpoint, handle=handle, **query)
        return handle, redirect(target, 303)
    return handle, None


def redact_tokens(text):
    """The text with the token of every e-mailed-link path replaced."""
    return _TOKEN_IN_PATH.sub(r"\1[token]", text)


class RedactTokens(logging.Filter):
    """Keep link tokens out of log lines (werkzeug's and gunicorn's request logs, our own)."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def redact_request_logs(app):
    for logger in (logging.getLogger("werkzeug"), logging.getLogger("gunicorn.access"),
                   logging.getLogger("gunicorn.error"), app.logger):
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
