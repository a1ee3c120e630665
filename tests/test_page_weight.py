"""Light pages: compressed HTML, static files under content-hashed names cached for a year.

The whole-site walk of tests/browser/site.py, with the Flask test client: every page's first
visit (the page, its redirects and every stylesheet, script, icon and image it links, as a
browser that accepts gzip and Brotli receives them, headers included) stays within 30 KB, and
every file a page links is cached for a year, so a repeat visit asks for none of them.
"""
import gzip
import re
from html.parser import HTMLParser

import brotli
import pytest
from flask import Flask, url_for

from portal import catalog, create_app, static_files
from portal.config import ROOT
from tests.browser import site
from tests.candidates import files
from tests.conftest import _empty_tables, config_for
from tests.factories import PASSWORD, make_person

BUDGET = 30 * 1024
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}
ROLES = ("visitor", "candidate", "staff")
HASHED = re.compile(r"^/static/.+\.[0-9a-f]{16}\.\w+$")
# What differs between two loads of the same page: the CSRF token's timestamp and signature.
TOKEN = re.compile(r'(?<=value=")[\w.-]{60,}(?=")|(?<="X-CSRFToken": ")[\w.-]+')


class Assets(HTMLParser):
    """The URLs a browser fetches to show a page: stylesheets, icons, scripts, images."""

    def __init__(self, html):
        super().__init__()
        self.urls = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = attrs.get("href") if tag == "link" else attrs.get("src") if tag in ("script", "img") else None
        if url:
            self.urls.append(url)


def transferred(response):
    """Bytes on the wire for a response: status line, headers and body as sent."""
    head = len(f"HTTP/1.1 {response.status}\r\n") + sum(
        len(name) + len(value) + 4 for name, value in response.headers.items()) + 2
    return head + len(response.get_data())


def decoded(response):
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    return {None: lambda d: d, "gzip": gzip.decompress, "br": brotli.decompress}[encoding](data)


@pytest.fixture(scope="module")
def site_app(database_url, tmp_path_factory):
    app = create_app(config_for(database_url, tmp_path_factory.mktemp("weight")))
    with app.app_context():
        yield app
    _empty_tables()


@pytest.fixture(scope="module")
def visits(site_app):
    """Every page as each role sees it in nb and en: [(who, path, bytes, {asset url: response})]."""
    from portal import db as portal_db
    portal_db.db.connect(reuse_if_open=True)
    with site_app.test_request_context():
        world = site.fill(site_app)
    paths = site.page_paths(site_app, world)
    seen, assets = [], {}
    for role in ROLES:
        client = site_app.test_client()
        if role != "visitor":
            login = client.post("/login", data={"email": world[role].email, "password": PASSWORD})
            assert login.status_code == 302
        for lang in ("nb", "en"):
            for path in paths:
                response = client.get(path, headers={**BROWSER, "Accept-Language": lang},
                                      follow_redirects=True)
                size = sum(transferred(r) for r in (*response.history, response))
                urls = Assets(decoded(response).decode()).urls
                for url in urls:
                    if url not in assets:
                        assets[url] = client.get(url, headers=BROWSER)
                    size += transferred(assets[url])
                seen.append((f"{role}/{lang} {path}", path, size, {u: assets[u] for u in urls}))
    return seen


def test_every_first_visit_transfers_at_most_30_kb(visits):
    assert len({path for _, path, _, _ in visits}) >= 25
    too_heavy = [f"{who}: {size} bytes" for who, _, size, _ in visits if size > BUDGET]
    assert not too_heavy, "first visits over 30 KB:\n" + "\n".join(too_heavy)
    book = [size for who, path, size, _ in visits if path == "/book"]
    assert max(book) > 15 * 1024  # the measure counted the page and its files


def test_every_linked_file_is_hashed_and_cached_for_a_year(visits):
    # So a repeat visit, to this page or any other, fetches no static file at all.
    linked = {url: response for *_, assets in visits for url, response in assets.items()}
    assert {"text/css", "text/javascript", "image/svg+xml"} <= {r.mimetype for r in linked.values()}
    wrong = [f"{url}: {r.status_code} {r.headers.get('Cache-Control')}" for url, r in linked.items()
             if not HASHED.match(url) or r.status_code != 200
             or r.headers.get("Cache-Control") != static_files.IMMUTABLE]
    assert not wrong, "files linked without a year's immutable caching:\n" + "\n".join(wrong)


def test_pages_and_their_files_come_compressed(visits):
    pages = [path for _, path, _, _ in visits]
    assert "/book" in pages
    book_files = next(assets for _, path, _, assets in visits if path == "/book")
    for url, response in book_files.items():
        if response.mimetype != "image/svg+xml" or len(decoded(response)) > 1000:
            assert response.headers["Content-Encoding"] == "br", url
            assert "Accept-Encoding" in response.headers["Vary"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"


def _plain(html):
    return TOKEN.sub("", html.decode())


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_compressed_page_unpacks_to_the_same_html(client, encoding):
    plain = client.get("/privacy")
    packed = client.get("/privacy", headers={"Accept-Encoding": encoding})
    assert plain.headers.get("Content-Encoding") is None
    assert packed.headers["Content-Encoding"] == encoding
    assert int(packed.headers["Content-Length"]) == len(packed.get_data())
    assert len(packed.get_data()) < len(plain.get_data()) / 3
    assert _plain(decoded(packed)) == _plain(plain.get_data())
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]


def test_a_small_htmx_fragment_is_sent_uncompressed(client, login_as):
    login_as("candidate", person=make_person(stage=catalog.CANDIDATE))
    new_row = client.get("/account/profile/languages/new", headers={**BROWSER, "HX-Request": "true"})
    assert new_row.status_code == 200 and "<form" in new_row.get_data(as_text=True)
    assert len(new_row.get_data()) < 1400, len(new_row.get_data())
    assert new_row.headers.get("Content-Encoding") is None


def test_a_download_is_sent_as_stored(client, login_as):
    login_as("candidate")
    pdf = files.pdf()
    files.upload(client, "cv", pdf, "cv.pdf")
    page = client.get("/account/documents").get_data(as_text=True)
    href = re.search(r'href="(/account/documents/\d+/download)"', page).group(1)
    response = client.get(href, headers=BROWSER)
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") is None
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert int(response.headers["Content-Length"]) == len(pdf) and response.get_data() == pdf


def test_a_cross_site_request_with_a_session_gets_its_page_uncompressed(app, client, login_as):
    # BREACH needs compressed answers to requests an attacker's page makes with the victim's
    # cookie: those are sent as they are (portal/compression.py).
    login_as("candidate")
    cross_site = client.get("/account", headers={**BROWSER, "Sec-Fetch-Site": "cross-site"})
    same_site = client.get("/account", headers={**BROWSER, "Sec-Fetch-Site": "same-origin"})
    assert cross_site.status_code == same_site.status_code == 200
    assert cross_site.headers.get("Content-Encoding") is None
    assert same_site.headers["Content-Encoding"] == "br"
    # A first visit from a link on another site has no cookie, and nothing to steal.
    newcomer = app.test_client().get("/book", headers={**BROWSER, "Sec-Fetch-Site": "cross-site"})
    assert newcomer.headers["Content-Encoding"] == "br"


def test_plain_static_names_still_work_with_a_short_cache(client):
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert response.get_data() == (ROOT / "static" / "css" / "portal.css").read_bytes()
    assert response.headers["Cache-Control"] == f"max-age={static_files.PLAIN_MAX_AGE}, public"


def _static_app(source, target):
    app = Flask(__name__, static_folder=str(source))
    app.config["STATIC_BUILD_DIR"] = str(target)
    static_files.init_app(app)
    return app


def test_a_changed_static_file_gets_a_new_url_and_the_old_one_still_works(tmp_path):
    source, target = tmp_path / "static", tmp_path / "built"
    (source / "css").mkdir(parents=True)
    css = source / "css" / "site.css"
    css.write_text("body { color: black; }\n" * 100)
    old_app = _static_app(source, target)
    with old_app.test_request_context():
        old_url = url_for("static", filename="css/site.css")
    css.write_text("body { color: navy; }\n" * 100)
    new_app = _static_app(source, target)
    with new_app.test_request_context():
        new_url = url_for("static", filename="css/site.css")

    assert HASHED.match(old_url) and HASHED.match(new_url) and old_url != new_url
    client = new_app.test_client()
    assert b"navy" in client.get(new_url).get_data()
    assert b"black" in client.get(old_url).get_data()  # a page cached before still finds its CSS
    packed = client.get(new_url, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == css.read_bytes()
    assert packed.headers["Cache-Control"] == static_files.IMMUTABLE



def test_a_build_folder_holding_other_files_is_refused(tmp_path):
    # Everything in STATIC_BUILD_DIR is public: pointed at instance/ it would serve the secrets.
    source, instance = tmp_path / "static", tmp_path / "instance"
    source.mkdir()
    (source / "site.css").write_text("body { color: black; }")
    assert _static_app(source, instance)
    (instance / "secret_key").write_text("not for the web")
    with pytest.raises(RuntimeError, match="STATIC_BUILD_DIR"):
        _static_app(source, instance)
