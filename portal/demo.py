"""Demo data for an empty development database: `flask --app app demo-data`."""
import secrets

import click

from portal.auth.actions import create_user
from portal.auth.models import User


def _booking_demo(password):
    from portal.booking.actions import load_demo_data
    load_demo_data()


def _candidate_demo(password):
    from portal.candidates.actions import load_demo_data
    return ("candidate", load_demo_data(password))


# Each feature adds what its pages need to look alive; called in order on an empty database.
# A loader may return a (role, e-mail) login it created with the given password.
LOADERS = [_booking_demo, _candidate_demo]


def load_demo_data():
    """Fill an empty database; returns [(role, e-mail, password)], or None when not empty."""
    if User.select().exists():
        return None
    password = "demo " + secrets.token_hex(4) + " portal"
    create_user("staff@ressursbasen.no", password, role="staff")
    logins = [("staff", "staff@ressursbasen.no", password)]
    for loader in LOADERS:
        login = loader(password)
        if login:
            logins.append((*login, password))
    return logins


def init_app(app):
    @app.cli.command("demo-data")
    def demo_data_command():
        """Load demo data into an empty database and print the demo logins once."""
        logins = load_demo_data()
        if logins is None:
            click.echo("database is not empty; no demo data loaded")
        for role, email, password in logins or ():
            click.echo(f"demo {role} login: {email}  password: {password}")
