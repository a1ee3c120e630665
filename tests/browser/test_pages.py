"""Every page of the portal in Chromium, as a visitor, a candidate, a staff member and an
administrator, in nb and en.

One walk (a module fixture: one app, one live server, one browser) opens every page rendered by a
GET route at a 360 px wide viewport, with real rows in every list, and records for each page:
its width and height, axe-core's violations, console errors, and the HTML as served. The tests
below each judge one of these; the Nu Html Checker runs once over all the collected HTML.
Screenshots of /book, /account, /staff/queue and /staff/admin/audit at 360 and 1280 px go to
screenshots/.

Staff and administrators log in the whole way: the staff member sets up the second factor in the
first (Norwegian) walk, reading the key from the page as a person types it into an app; later
logins use recovery codes (an app's code works once per 30 seconds). The pages of these steps
are judged like every other page.
"""
import hashlib
import json
import re
import shutil
import subprocess
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from portal import create_app
from tests.browser import site
from tests.conftest import _empty_tables, config_for, serve
from tests.factories import PASSWORD, app_code

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = ROOT / "screenshots"
ROLES = ("visitor", "candidate", "staff", "admin")
LANGUAGES = ("nb", "en")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# What differs between two loads of the same page: CSRF tokens, and the path to come back to.
SAME_PAGE = re.compile(r'(?<=value=")[\w.-]{60,}(?=")|(?<="X-CSRFToken": ")[\w.-]+'
                       r'|(?<=name="next" value=")[^"]*|(?<=next=)[^"&]*')
SCREENSHOT_PAGES = {"visitor": "/book", "candidate": "/account", "staff": "/staff/queue",
                    "admin": "/staff/admin/audit"}


@dataclass
class Seen:
    """One page as one kind of user saw it in one language."""
    role: str
    lang: str
    path: str       # the path asked for
    url: str        # where the browser ended up (after redirects)
    status: int
    width: int      # document.documentElement.scrollWidth
    inner_width: int
    height: int
    html_file: Path
    icon: str       # the href of <link rel="icon">
    axe: list = field(default_factory=list)
    console: list = field(default_factory=list)
    slots_per_row: list = field(default_factory=list)  # per list of 4+ free times

    def __str__(self):
        where = self.path if self.url.endswith(self.path) else f"{self.path} -> {self.url}"
        return f"{self.role}/{self.lang} {where}"


@pytest.fixture(scope="module")
def site_app(database_url, tmp_path_factory):
    # A browser gets the real CSRF check.
    app = create_app(config_for(database_url, tmp_path_factory.mktemp("site"), WTF_CSRF_ENABLED=True))
    with app.app_context():
        yield app
    _empty_tables()


@pytest.fixture(scope="module")
def world(site_app):
    from portal import db as portal_db
    portal_db.db.connect(reuse_if_open=True)
    with site_app.test_request_context():
        return site.fill(site_app)


@pytest.fixture(scope="module")
def site_server(site_app, world):
    with serve(site_app) as server:
        yield server


def _submit(page):
    with page.expect_navigation() as navigation:
        page.locator("main form button[type=submit]").click()
    return navigation.value


def _log_in(page, base, user, recovery_codes, look):
    """Log in as a person does; `look(path, response)` judges each page of the second factor."""
    page.goto(base + "/login")
    page.locator("main input[name=email]").fill(user.email)
    page.locator("main input[name=password]").fill(PASSWORD)
    response = _submit(page)
    if "/login/code" not in page.url:
        return
    look(urlsplit(page.url).path, response)
    if page.url.endswith("/login/code/new"):  # the first login: set up the app
        secret = "".join(page.locator("#secret").inner_text().split())
        page.locator("main input[name=code]").fill(app_code(secret))
        response = _submit(page)
        look("/login/code/new", response)  # the recovery codes, shown once
        recovery_codes[user.id] = page.locator(".recovery-codes code").all_inner_texts()
        assert len(recovery_codes[user.id]) == 10
        page.locator("main a.button").click()
    else:
        page.locator("main input[name=code]").fill(recovery_codes[user.id].pop())
        _submit(page)
    page.wait_for_url(lambda url: "/login" not in url)


def _choose_language(page, base, lang):
    page.goto(base + "/privacy")
    if page.locator("html").get_attribute("lang") != lang:
        with page.expect_navigation():
            page.locator(f".lang-switch button[value={lang}]").click()
        assert page.locator("html").get_attribute("lang") == lang


def _screenshots(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-360.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)


@pytest.fixture(scope="module")
def walk(browser, site_app, world, site_server, tmp_path_factory):
    """Open every page in every role and language; returns the list of Seen."""
    assert AXE.exists(), "node_modules/axe-core is missing: run `make setup` (npm ci)"
    axe_source = AXE.read_text()
    html_dir = tmp_path_factory.mktemp("html")
    paths = site.page_paths(site_app, world)
    base = site_server.url
    seen = []
    for role in ROLES:
        for lang in LANGUAGES:
            context = browser.new_context(viewport=PHONE)
            context.add_init_script(script=axe_source)
            page = context.new_page()
            console, checked = [], {}
            page.on("console", lambda m: console.append(m) if m.type == "error" else None)
            page.on("pageerror", lambda e: console.append(e))

            def look(path, response):
                """Measure the page the browser shows now and keep what was seen."""
                html = response.text()
                name = hashlib.sha1(SAME_PAGE.sub("", html).encode()).hexdigest()[:12]
                html_file = html_dir / f"{lang}-{name}.html"
                html_file.write_text(html)
                if name in checked:  # the same page again (a redirect to the login page)
                    size, icon, result = checked[name]
                else:
                    size = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth,"
                                         " document.documentElement.scrollHeight]")
                    icon = page.evaluate("document.querySelector('link[rel~=icon]')?.href || null")
                    result = page.evaluate(
                        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
                        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
                        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))")
                    checked[name] = size, icon, result
                seen.append(Seen(role, lang, path, page.url, response.status, *size, html_file, icon,
                                 axe=result, console=[_console_text(m, page.url) for m in console],
                                 slots_per_row=page.evaluate(SLOTS_PER_ROW)))
                del console[:]

            _choose_language(page, base, lang)  # first: the login pages are seen in it too
            if role != "visitor":
                _log_in(page, base, world[role], world["recovery_codes"], look)
                assert page.locator("html").get_attribute("lang") == lang
            for path in paths:
                del console[:]
                look(path, page.goto(base + path))
                if lang == "nb" and SCREENSHOT_PAGES[role] == path:
                    _screenshots(page, path.strip("/").replace("/", "-"))
            context.close()
    return seen


# How many free times share the first line of each list of at least four (a compact grid);
# 0 for a list where a time is broken over two lines ("09:0" / "0").
SLOTS_PER_ROW = """[...document.querySelectorAll('#slots ul')].filter(ul => ul.children.length >= 4)
    .map(ul => [...ul.querySelectorAll('.slot-time')].some(t => t.getBoundingClientRect().height
                > 1.5 * parseFloat(getComputedStyle(t).lineHeight)) ? 0
             : [...ul.children].filter(li => li.offsetTop === ul.children[0].offsetTop).length)"""


def _console_text(message, url):
    if isinstance(message, Exception) or not hasattr(message, "location"):
        return f"page error: {message}"
    return f"{message.text} ({message.location.get('url') or url})"


def _own_status(text, seen):
    # Chromium logs a page's own 4xx status as a console error: that is the page, not a fault.
    return f"status of {seen.status}" in text and text.endswith(f"({seen.url})")


def test_the_walk_covers_every_page_for_every_role_and_language(walk, site_app, world):
    paths = site.page_paths(site_app, world)
    assert len(paths) >= 25
    for role in ROLES:
        for lang in LANGUAGES:
            assert {s.path for s in walk if (s.role, s.lang) == (role, lang)} == set(paths)
    assert not [str(s) for s in walk if s.status >= 500]
    # The lists are not empty: the pages were seen with real rows.
    by_key = {(s.role, s.path): s.html_file.read_text() for s in walk if s.lang == "nb"}
    assert by_key[("staff", "/staff/queue")].count("<tr") >= 4
    queue = by_key[("staff", "/staff/queue")]
    assert all(f'id="queue-{kind}"' in queue for kind in ("requests", "bookings", "deletions"))
    assert "Gunnar Gammel-Kontakt" in queue and "Tildelt stab@ressursbasen.no (deg)" in queue
    assert '<span id="queue-count"' in by_key[("staff", "/staff/bookings")]
    assert by_key[("staff", "/staff/bookings")].count("<tr") >= 5
    assert by_key[("staff", "/staff/candidates?q=kari&why=matching")].count("<tr") >= 2
    assert "Anbefales" in by_key[("staff", f"/staff/candidates/{world['candidate'].person_id}/matching")]
    assert by_key[("admin", "/staff/admin/audit")].count("<tr") >= 20
    assert "stab@ressursbasen.no" in by_key[("admin", "/staff/admin/users")]
    # The second factor's pages were seen too: setting up the app, and the code at a later login.
    seen_pages = {(s.role, s.lang, s.path, s.url.rsplit("/", 1)[-1]) for s in walk}
    assert ("staff", "nb", "/login/code/new", "new") in seen_pages
    assert {("staff", "en", "/login/code", "code"), ("admin", "nb", "/login/code", "code")} <= seen_pages
    assert by_key[("candidate", "/account/documents")].count("document-row") >= 4
    assert by_key[("candidate", "/account/consents")].count("<tr") >= 5
    assert by_key[("visitor", "/book")].count('name="slot"') >= 20


def test_no_page_is_wider_than_a_phone(walk):
    too_wide = [f"{s}: {s.width} px" for s in walk if s.width > s.inner_width]
    assert not too_wide, "pages that scroll sideways at 360 px:\n" + "\n".join(too_wide)


def test_book_on_a_phone_shows_the_free_times_as_a_compact_grid(walk):
    books = [s for s in walk if s.slots_per_row]  # /book, /book/slots, /book/move/...
    assert {"/book", "/book/slots"} <= {s.path for s in books}
    assert min(n for s in books for n in s.slots_per_row) >= 4, {str(s): s.slots_per_row for s in books}


def test_account_fits_in_about_four_phone_screens(walk):
    # About three for the contact details and the profile, and one for the records of our
    # dealings with the person (bookings, consents, logins, e-mails, the log), each folded.
    heights = {s.lang: s.height for s in walk if (s.role, s.path) == ("candidate", "/account")}
    assert max(heights.values()) <= 4 * PHONE["height"], heights


def test_axe_finds_no_serious_or_critical_violation(walk):
    found = [f"{s}: {v['impact']} {v['id']} ({v['help']}) at {', '.join(v['nodes'])}"
             for s in walk for v in s.axe if v["impact"] in ("serious", "critical")]
    assert not found, "axe-core violations:\n" + "\n".join(sorted(set(found)))


def test_no_console_errors(walk):
    found = [f"{s}: {text}" for s in walk for text in s.console if not _own_status(text, s)]
    assert not found, "console errors:\n" + "\n".join(found)


def test_every_page_links_an_icon_that_exists(walk):
    icons = {s.icon for s in walk}
    assert None not in icons, [str(s) for s in walk if s.icon is None][:5]
    for icon in icons:
        with urllib.request.urlopen(icon) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("image/")


HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[a-z-]+” not allowed on element “[a-z0-9]+” at this point\.$")


def test_nu_html_checker_finds_no_errors(walk):
    java = shutil.which("java")
    assert java, "java is needed for the Nu Html Checker: `make browser` installs default-jre-headless"
    assert VNU.exists(), "node_modules/vnu-jar is missing: run `make setup` (npm ci)"
    files = sorted({s.html_file for s in walk})
    run = subprocess.run([java, "-jar", str(VNU), "--format", "json", "--exit-zero-always",
                          *map(str, files)], capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    pages = {}
    for s in walk:
        pages.setdefault("file:" + str(s.html_file), []).append(str(s))
    errors = {}
    for m in messages:
        if m["type"] in ("error", "non-document-error") and not HTMX_ATTRIBUTE.match(m["message"]):
            key = f"{m['message']} [{' '.join(m.get('extract', '').split())}]"
            errors.setdefault(key, set()).update(pages.get(m.get("url"), [m.get("url")]))
    report = [f"{message}\n    on {', '.join(sorted(where)[:6])}" for message, where in errors.items()]
    assert not report, "Nu Html Checker errors:\n" + "\n".join(sorted(report))
