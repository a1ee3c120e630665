"""Every route declares who may use it, and the declaration holds."""
import pytest

from portal.auth.guard import PUBLIC, access_of

STAFF_ROUTES = ["/staff/queue"]


def test_every_route_declares_its_access_rule(app):
    undeclared = [rule.rule for rule in app.url_map.iter_rules()
                  if access_of(rule.endpoint, app) is None]
    assert undeclared == []


def test_only_the_expected_routes_are_public(app):
    public = {rule.rule for rule in app.url_map.iter_rules()
              if access_of(rule.endpoint, app) == PUBLIC}
    # Under /account and /staff only links that carry their own signed token are public (or
    # the handle the token was kept under in the session after the first visit).
    assert not [p for p in public if p.startswith(("/staff", "/account"))
                and "<token>" not in p and "<handle>" not in p]


def test_an_undeclared_route_is_refused(app, client):
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    response = client.get("/forgotten")
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", STAFF_ROUTES)
def test_anonymous_visitors_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", STAFF_ROUTES)
def test_candidates_get_403_on_staff_pages(client, login_as, path):
    login_as("candidate")
    response = client.get(path)
    assert response.status_code == 403
    assert "Du har ikke tilgang til denne siden" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admin_see_the_queue(client, login_as, role):
    login_as(role)
    response = client.get("/staff/queue")
    assert response.status_code == 200
    assert "Arbeidskø" in response.get_data(as_text=True)
