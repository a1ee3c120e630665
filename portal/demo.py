"""Demo data for an empty development database: `flask --app app demo-data`."""
import secrets

import click

from portal.auth.models import User
from portal.features import FEATURES


def load_demo_data():
    """Fill an empty database; returns [(role, e-mail, password)], or None when not empty.

    Each feature that declares `load_demo_data(password)` adds what its pages need to look
    alive, in the order of FEATURES; it may return the (role, e-mail) of a login it made.
    """
    if User.select().exists():
        return None
    password = "demo " + secrets.token_hex(4) + " portal"
    logins = []
    for feature in FEATURES:
        login = feature.load_demo_data(password) if hasattr(feature, "load_demo_data") else None
        if login:
            logins.append((*login, password))
    return logins


@click.command("demo-data")
def demo_data_command():
    """Load demo data into an empty database and print the demo logins once."""
    logins = load_demo_data()
    if logins is None:
        click.echo("database is not empty; no demo data loaded")
    for role, email, password in logins or ():
        click.echo(f"demo {role} login: {email}  password: {password}")
