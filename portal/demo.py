"""Demo data for an empty development database: `flask --app app demo-data`."""
import secrets

import click

from portal.auth.demo import SECOND_FACTOR_NOTE
from portal.auth.models import User
from portal.features import FEATURES


def load_demo_data():
    """Fill an empty database; returns [(role, e-mail, password)], or None when not empty.

    Each feature that declares `load_demo_data(password)` adds what its pages need to look
    alive, in the order of FEATURES; it may return the (role, e-mail) of a login it made, or a
    list of them.
    """
    if User.select().exists():
        return None
    password = "demo " + secrets.token_hex(4) + " portal"
    logins = []
    for feature in FEATURES:
        made = feature.load_demo_data(password) if hasattr(feature, "load_demo_data") else None
        for login in ([made] if isinstance(made, tuple) else made or ()):
            logins.append((*login, password))
    return logins


def login_notes(logins):
    """What to tell a developer beside the demo logins: how staff log in."""
    if any(role in ("staff", "admin") for role, _, _ in logins or ()):
        return [SECOND_FACTOR_NOTE]
    return []


@click.command("demo-data")
def demo_data_command():
    """Load demo data into an empty database and print the demo logins once."""
    logins = load_demo_data()
    if logins is None:
        click.echo("database is not empty; no demo data loaded")
    for role, email, password in logins or ():
        click.echo(f"demo {role} login: {email}  password: {password}")
    for note in login_notes(logins):
        click.echo(note)
