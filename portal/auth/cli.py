"""`flask --app app users create`: logins from the command line."""
import click
from flask.cli import AppGroup

from portal.auth import actions

users = AppGroup("users", help="Manage logins.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(["candidate", "staff", "admin"]), default="candidate")
def create_command(email, password, role):
    """Create a login."""
    try:
        user = actions.create_user(email, password, role)
    except actions.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.role} {user.email}")
