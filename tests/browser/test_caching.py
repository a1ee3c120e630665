"""In Chromium: pages and files arrive compressed, and a repeat visit asks for no static file."""
import time

import pytest

pytestmark = pytest.mark.browser


def test_a_repeat_visit_asks_the_server_for_no_static_file(app, page, live_server):
    asked = []
    serve = app.wsgi_app

    def recording(environ, start_response):
        asked.append(environ["PATH_INFO"])
        return serve(environ, start_response)

    app.wsgi_app = recording
    encodings = {}
    page.on("response", lambda r: encodings.setdefault(r.url.removeprefix(live_server.url),
                                                       r.headers.get("content-encoding")))
    page.goto(live_server.url + "/book")
    assert page.evaluate("typeof htmx") == "object"  # the Brotli-compressed script ran
    linked = set(page.evaluate("[...document.querySelectorAll('link[href], script[src]')]"
                               ".map(e => new URL(e.href || e.src).pathname)"))
    deadline = time.monotonic() + 10
    while not linked <= set(asked) and time.monotonic() < deadline:  # the icon comes last
        page.wait_for_timeout(50)
    files = [path for path in asked if path.startswith("/static/")]
    assert set(files) == linked and len(files) >= 4, asked
    assert encodings["/book"] == "br"
    assert all(encodings[path] == "br" for path in files if path.endswith((".css", ".js"))), encodings

    del asked[:]
    page.goto(live_server.url + "/privacy")
    page.goto(live_server.url + "/book")
    assert page.evaluate("typeof htmx") == "object"
    page.goto(live_server.url + "/privacy")  # time for a late icon request of /book to show
    assert asked == ["/privacy", "/book", "/privacy"]
