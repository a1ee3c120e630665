"""`flask demo-data` fills an empty database once and prints logins that work."""
import re

from portal.auth.models import User
from portal.booking.models import Consultant
from tests.factories import log_in


def test_demo_data_loads_once_with_working_logins(runner, client):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    logins = re.findall(r"demo (\w+) login: (\S+)  password: (.+)", result.output)
    assert [role for role, _, _ in logins] == ["staff", "admin", "candidate"]
    assert Consultant.select().count() == 3
    # Staff and admin are told how the second factor is set up at their first login.
    assert "second factor" in result.output and "QR code" in result.output
    for role, email, password in logins:
        response = client.post("/login", data={"email": email, "password": password.strip()})
        assert response.status_code == 302, role
        client.post("/logout")
    staff = User.get(User.email == logins[0][1])
    staff_home = log_in(client, staff, password=logins[0][2].strip())
    assert staff_home.headers["Location"] == "/staff/queue"
    again = runner.invoke(args=["demo-data"])
    assert "not empty" in again.output
    assert User.select().count() == 3


def test_demo_candidate_sees_an_open_profile(runner, client):
    result = runner.invoke(args=["demo-data"])
    email, password = re.search(r"demo candidate login: (\S+)  password: (.+)", result.output).groups()
    client.post("/login", data={"email": email, "password": password.strip()})
    body = client.get("/account").get_data(as_text=True)
    assert "Kari Nordmann" in body and "Prosjektleder" in body
