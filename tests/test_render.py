"""One helper decides between a full page and an htmx fragment."""
from pathlib import Path

import jinja2
import pytest

from portal.auth.guard import public
from portal.web.render import render


@pytest.fixture
def page_client(app, client):
    app.jinja_loader = jinja2.ChoiceLoader([
        app.jinja_loader, jinja2.FileSystemLoader(str(Path(__file__).parent / "templates"))])

    @public
    def page():
        return render("test/page.html", fragment="part")
    app.add_url_rule("/page", "page", page)
    return client


@pytest.mark.parametrize("headers, fragment", [
    ({}, False),
    ({"HX-Request": "true"}, True),
    ({"HX-Request": "true", "HX-Boosted": "true"}, False),
    ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),
])
def test_fragment_only_for_plain_htmx_requests(page_client, headers, fragment):
    response = page_client.get("/page", headers=headers)
    body = response.get_data(as_text=True)
    assert "Only this part" in body
    assert ("Whole page" not in body) == fragment
    assert ("<html" not in body) == fragment
    assert "HX-Request" in response.headers["Vary"]
    assert "Content-Security-Policy" in response.headers
