"""The layout, error pages, security headers, language switch and /health."""
import pytest
from flask import abort

from portal.auth.guard import public


@pytest.fixture
def csrf_client(app, db):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def test_login_page_is_norwegian_by_default(client):
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="nb">' in body
    assert "Logg inn" in body and "Hopp til innholdet" in body


def test_language_switch_remembers_english(client):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in body and "Log in" in body and "Skip to content" in body
    client.post("/language", data={"lang": "nb"})
    assert "Logg inn" in client.get("/login").get_data(as_text=True)


def test_unknown_language_changes_nothing_and_says_so(client):
    response = client.post("/language", data={"lang": "xx", "next": "/login"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert '<html lang="nb">' in body
    assert "Det språket finnes ikke her" in body


def test_language_switch_does_not_redirect_off_site(client):
    response = client.post("/language", data={"lang": "en", "next": "//evil.example"})
    assert response.headers["Location"] == "/"


def test_form_without_csrf_token_gets_friendly_400(csrf_client):
    response = csrf_client.post("/login", data={"email": "a@example.no", "password": "x"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Skjemaet var utløpt eller manglet sikkerhetskoden" in body
    assert "Traceback" not in body


def test_htmx_request_with_stale_token_is_told_to_reload(csrf_client):
    response = csrf_client.post("/language", data={"lang": "en"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.headers["HX-Refresh"] == "true"


def test_form_with_csrf_header_passes(csrf_client):
    page = csrf_client.get("/login").get_data(as_text=True)
    token = page.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    response = csrf_client.post("/language", data={"lang": "en"}, headers={"X-CSRFToken": token})
    assert response.status_code == 302


def test_unknown_page_is_friendly_404_in_both_languages(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Vi fant ikke siden" in response.get_data(as_text=True)
    client.post("/language", data={"lang": "en"})
    assert "We could not find that page" in client.get("/no/such/page").get_data(as_text=True)


def test_body_over_the_limit_gets_413(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"email": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "Det du sendte, er for stort" in response.get_data(as_text=True)


def test_crash_shows_a_friendly_500_without_traceback(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @public
    def boom():
        raise RuntimeError("secret internals")
    app.add_url_rule("/boom", "boom", boom)
    response = client.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Noe gikk galt hos oss" in body
    assert "secret internals" not in body and "Traceback" not in body


@pytest.mark.parametrize("code", [400, 403, 429])
def test_other_errors_have_friendly_pages(app, client, code):
    @public
    def fail():
        abort(code)
    app.add_url_rule(f"/fail{code}", f"fail{code}", fail)
    response = client.get(f"/fail{code}")
    assert response.status_code == code
    assert f"Feil {code}" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/login", "/no/such/page", "/health"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    for directive in ("script-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_lax(client):
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_tampered_session_cookie_is_ignored(client, login_as):
    login_as("staff")
    value = client.get_cookie("portal_session").value
    client.set_cookie("portal_session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    response = client.get("/staff/queue")
    assert response.status_code == 302


def test_no_inline_script_or_style_in_pages(client):
    body = client.get("/login").get_data(as_text=True)
    assert "<script>" not in body and "style=" not in body and "hx-on" not in body


def test_health_reports_db_and_redis(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok", "redis": "ok"}


def test_health_is_503_and_pages_still_render_when_redis_is_down(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    app.extensions.pop("portal_redis", None)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["redis"] == "down" and response.get_json()["db"] == "ok"
    assert client.get("/login").status_code == 200


def test_fields_carry_no_stray_aria_values_and_errors_are_tied_to_fields(client):
    body = client.get("/login").get_data(as_text=True)
    assert '="None"' not in body and 'aria-invalid' not in body
    body = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert 'aria-invalid="true"' in body
    assert 'aria-describedby="email-error"' in body and 'id="email-error"' in body


@pytest.mark.parametrize("path", ["/account/documents/{big}/download", "/account/profile/experience/{big}",
                                  "/staff/consultants/{big}/hours"])
def test_ids_beyond_the_database_are_404_not_500(client, login_as, path):
    login_as("admin")  # the router refuses the id before any role check is made
    assert client.get(path.format(big="9" * 25)).status_code == 404


@pytest.mark.parametrize("path", ["/login", "/language", "/book", "/register", "/password/forgot"])
def test_json_bodies_get_a_friendly_400(csrf_client, path):
    page = csrf_client.get("/login").get_data(as_text=True)
    token = page.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    response = csrf_client.post(path, json=["a", "b"], headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert "Noe var galt med forespørselen" in response.get_data(as_text=True)
