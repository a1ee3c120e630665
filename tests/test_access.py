"""Every route declares who may use it, and the declaration holds: one test over app.url_map × roles."""
import re

import pytest

from portal.auth.guard import PUBLIC, access_of
from portal.auth.models import ROLES
from portal.features import all_models


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


def _protected_routes():
    """(method, path, allowed roles) of every route that is not public, ids filled in with 1."""
    from portal import create_app
    from portal.config import TestConfig
    app = create_app(TestConfig)
    routes = []
    for rule in app.url_map.iter_rules():
        access = access_of(rule.endpoint, app)
        if access in (PUBLIC, None):
            continue
        path = re.sub(r"<(?:int:)?(\w+)>", lambda m: "1" if "int:" in m.group(0) else "x", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, path, access))
    return routes


PROTECTED = _protected_routes()


def _rows():
    return {m.__name__: m.select().count() for m in all_models()}


def test_the_walk_finds_the_staff_and_candidate_routes():
    paths = {path for _, path, _ in PROTECTED}
    assert "/staff/queue" in paths and "/account" in paths and "/staff/consultants" in paths
    assert {"/account/requests", "/account/requests/1", "/staff/requests/1/deny",
            "/staff/requests/1/extend"} <= paths


def test_asking_about_ones_data_needs_no_account(client):
    for path in ("/privacy/requests/new", "/privacy/requests"):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("method, path, allowed", PROTECTED)
def test_anonymous_visitors_are_sent_to_login_and_nothing_changes(client, method, path, allowed):
    before = _rows()
    response = client.open(path, method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert _rows() == before


@pytest.mark.parametrize("method, path, allowed", PROTECTED)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_the_routes_it_is_given(client, login_as, method, path, allowed, role):
    login_as(role)
    before = _rows()
    response = client.open(path, method=method)
    if role in allowed:
        assert response.status_code != 403
        assert not response.headers.get("Location", "").startswith("/login?next=")
    else:
        assert response.status_code == 403
        assert "Du har ikke tilgang til denne siden" in response.get_data(as_text=True)
        assert _rows() == before


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admin_see_the_queue(client, login_as, role):
    login_as(role)
    response = client.get("/staff/queue")
    assert response.status_code == 200
    assert "Arbeidskø" in response.get_data(as_text=True)
