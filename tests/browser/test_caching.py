"""In Chromium: pages and files arrive compressed, and a repeat visit asks for no static file."""
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
    page.wait_for_load_state("load")
    assert page.evaluate("typeof htmx") == "object"  # the Brotli-compressed script ran
    files = [path for path in asked if path.startswith("/static/")]
    assert len(files) >= 3, asked
    assert encodings["/book"] == "br"
    assert all(encodings[path] == "br" for path in files if path.endswith((".css", ".js"))), encodings

    del asked[:]
    page.goto(live_server.url + "/privacy")
    page.goto(live_server.url + "/book")
    page.wait_for_load_state("load")
    assert page.evaluate("typeof htmx") == "object"
    assert asked[-1] == "/book" and "/privacy" in asked
    assert [path for path in asked if path.startswith("/static/")] == []
