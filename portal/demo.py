"""Demo data for an empty development database: `flask --app app demo-data`."""
import secrets

import click

from portal.auth.actions import create_user
from portal.auth.models import User

# Each feature adds what its pages need to look alive; called in order on an empty database.
def _booking_demo():
    from portal.booking.actions import load_demo_data as load_booking
    load_booking()


LOADERS = [_booking_demo]


def load_demo_data():
    """Fill an empty database; returns the demo staff login, or None when not empty."""
    if User.select().exists():
        return None
    password = "demo " + secrets.token_hex(4) + " portal"
    create_user("staff@ressursbasen.no", password, role="staff")
    for loader in LOADERS:
        loader()
    return "staff@ressursbasen.no", password


def init_app(app):
    @app.cli.command("demo-data")
    def demo_data_command():
        """Load demo data into an empty database and print the demo staff login once."""
        login = load_demo_data()
        if login is None:
            click.echo("database is not empty; no demo data loaded")
        else:
            click.echo(f"demo staff login: {login[0]} / password: {login[1]}")
