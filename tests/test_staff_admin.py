"""Administrators manage staff accounts: roles, deactivation (every session ends, an old cookie is
refused with a message), and resetting the second factor."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from portal.audit.models import AuditEvent
from portal.auth import second_factor
from portal.auth.models import LoginSession, User
from portal.booking.models import Consultant
from portal.features import all_models
from tests.factories import enrol, log_in, make_user


def _rows():
    return {m.__name__: m.select().count() for m in all_models()}


@pytest.fixture
def admin(login_as):
    return login_as("admin", email="sjef@ressursbasen.no")


def test_admin_sees_every_staff_account_and_no_candidate(client, admin):
    staff = make_user(role="staff", email="ola.ansatt@ressursbasen.no")
    enrol(staff)
    make_user(role="staff", email="ny.ansatt@ressursbasen.no")
    candidate = make_user(role="candidate", email="kari@example.no")
    page = client.get("/staff/admin/users").get_data(as_text=True)
    assert "ola.ansatt@ressursbasen.no" in page and "ny.ansatt@ressursbasen.no" in page
    assert "sjef@ressursbasen.no" in page and "kari@example.no" not in page
    assert page.count("Satt opp") == 1 and "Ikke satt opp ennå" in page
    assert client.get(f"/staff/admin/users/{candidate.id}").status_code == 404
    assert client.post(f"/staff/admin/users/{candidate.id}/deactivate").status_code == 404
    assert User.get_by_id(candidate.id).active


@pytest.mark.parametrize("lang, message", [
    ("nb", "Denne kontoen er deaktivert, så du ble logget ut."),
    ("en", "This account has been deactivated, so you were logged out.")])
def test_deactivating_ends_every_session_and_an_old_cookie_is_refused(app, client, admin, lang,
                                                                      message):
    staff = make_user(role="staff")
    browsers = [app.test_client(), app.test_client()]
    for browser in browsers:
        with browser.session_transaction() as session:
            session["lang"] = lang
        assert log_in(browser, staff).status_code == 302
        assert browser.get("/staff/queue").status_code == 200
    response = client.post(f"/staff/admin/users/{staff.id}/deactivate")
    assert response.status_code == 302
    assert "er deaktivert og logget ut overalt" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert LoginSession.select().where(LoginSession.user == staff.id).count() == 0
    event = AuditEvent.get(AuditEvent.action == "account.deactivated")
    assert (event.actor_id, event.actor_role) == (admin.id, "admin")
    # The old cookie: refused, told why, and a change it asks for is not made.
    before = _rows()
    refused = browsers[0].post("/staff/consultants", data={"name": "Ny Konsulent",
                                                           "email": "ny@ressursbasen.no"})
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert message in browsers[0].get(refused.headers["Location"]).get_data(as_text=True)
    assert _rows() == before and not Consultant.select().exists()
    response = browsers[1].get("/staff/queue")
    assert response.headers["Location"].startswith("/login")
    # Nor can the account log in again, until an administrator opens it.
    assert log_in(app.test_client(), staff).status_code == 200
    client.post(f"/staff/admin/users/{staff.id}/reactivate")
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2)):  # a new code in the app
        assert log_in(app.test_client(), staff).status_code == 302


def test_a_session_that_ended_by_time_says_so(client, login_as):
    login_as("staff")
    LoginSession.update(last_seen_at=datetime(2020, 1, 1)).execute()
    response = client.get("/staff/queue")
    assert response.headers["Location"].startswith("/login")
    assert "Økten din er avsluttet. Logg inn på nytt." in client.get("/login").get_data(as_text=True)


def test_admin_changes_a_role_and_it_applies_at_once(app, client, admin):
    staff = make_user(role="staff")
    browser = app.test_client()
    log_in(browser, staff)
    assert browser.get("/staff/admin/users").status_code == 403
    response = client.post(f"/staff/admin/users/{staff.id}/role", data={"role": "admin"})
    assert response.status_code == 302
    assert User.get_by_id(staff.id).role == "admin"
    assert browser.get("/staff/admin/users").status_code == 200
    event = AuditEvent.get(AuditEvent.action == "account.role_changed")
    assert event.actor_id == admin.id and '"new": "admin"' in event.details


@pytest.mark.parametrize("data, lang, message", [
    ({"role": "superuser"}, "nb", "Velg ansatt eller administrator."),
    ({"role": "candidate"}, "en", "Choose staff or administrator."),
    ({"role": "staff"}, "nb", "Kontoen har denne rollen allerede."),
])
def test_a_bad_role_is_refused_and_changes_nothing(client, admin, data, lang, message):
    staff = make_user(role="staff")
    before = _rows()
    response = client.post(f"/staff/admin/users/{staff.id}/role", data=data,
                           headers={"Accept-Language": lang})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _rows() == before and User.get_by_id(staff.id).role == "staff"


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "role", "second-factor/reset"])
def test_admins_cannot_change_their_own_account_here(client, admin, action):
    enrol(admin)
    before = _rows()
    response = client.post(f"/staff/admin/users/{admin.id}/{action}", data={"role": "staff"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Du kan ikke endre din egen konto her. Spør en annen administrator." in text
    assert _rows() == before
    assert User.get_by_id(admin.id).active and User.get_by_id(admin.id).role == "admin"
    assert second_factor.is_enrolled(admin)


def test_resetting_the_second_factor_logs_out_and_the_next_login_sets_it_up(app, client, admin):
    staff = make_user(role="staff")
    browser = app.test_client()
    log_in(browser, staff)
    assert second_factor.is_enrolled(staff)
    client.post(f"/staff/admin/users/{staff.id}/second-factor/reset")
    assert not second_factor.is_enrolled(staff)
    assert browser.get("/staff/queue").headers["Location"].startswith("/login")
    fresh = app.test_client()
    fresh.post("/login", data={"email": staff.email, "password": "correct horse battery staple"})
    assert fresh.get("/login/code").headers["Location"] == "/login/code/new"
    assert AuditEvent.select().where(AuditEvent.action == "account.second_factor_reset").exists()


def test_changes_need_the_password_given_recently(client, admin):
    staff = make_user(role="staff")
    LoginSession.update(fresh_at=datetime(2020, 1, 1)).execute()
    before = _rows()
    response = client.post(f"/staff/admin/users/{staff.id}/deactivate")
    assert response.headers["Location"].startswith("/reauth")
    assert _rows() == before and User.get_by_id(staff.id).active


@pytest.mark.parametrize("change", ["deactivate", "set_role", "reset_second_factor"])
def test_two_administrators_at_once_cannot_leave_no_administrator(db, change):
    """Found by attack15: two administrators deactivating each other at the same moment both
    passed (each request had checked its own login before the other's change committed), and
    no administrator was left. A change is made only by an administrator who still is one
    when it commits; nothing else changes."""
    from portal.auth import administration
    from portal.auth.actions import AccountError
    first = make_user(role="admin", email="a@ressursbasen.no")
    second = make_user(role="admin", email="b@ressursbasen.no")
    seen_by_second = User.get_by_id(second.id)  # the second's request, past the access check
    administration.deactivate(User.get_by_id(second.id), first)
    target = User.get_by_id(first.id)
    before = _rows(), AuditEvent.select().count()
    with pytest.raises(AccountError, match="ikke lenger en aktiv administrator"):
        if change == "set_role":
            administration.set_role(target, "staff", seen_by_second)
        else:
            getattr(administration, change)(target, seen_by_second)
    assert (_rows(), AuditEvent.select().count()) == before
    assert User.get_by_id(first.id).active and User.get_by_id(first.id).role == "admin"
