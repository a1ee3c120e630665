"""The one place that decides between a full page and an HTMX fragment."""
from flask import make_response, render_template
from jinja2_fragments.flask import render_block

from portal.extensions import htmx


def wants_fragment():
    """A fragment only for an htmx request that is neither boosted nor a history restore."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template, fragment=None, status=200, **context):
    """Render a page, or only its block `fragment` when htmx asks for a part of the page."""
    if fragment and wants_fragment():
        html = render_block(template, fragment, **context)
    else:
        html = render_template(template, **context)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response
