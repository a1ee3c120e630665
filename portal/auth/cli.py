"""`flask --app app users ...`: logins from the command line."""
import click
from flask.cli import AppGroup

from portal.auth import actions, administration
from portal.auth.models import STAFF_ROLES, User

users = AppGroup("users", help="Manage logins.")

ENROL_HINT = ("{role} accounts log in with a second factor. At the first login, after the "
              "password, the portal shows a QR code and the same key as text: add it to an "
              "authenticator app (Microsoft or Google Authenticator, FreeOTP, ...), type the "
              "six-digit code it shows, and keep the ten recovery codes shown next.")


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
    if user.is_staff:
        click.echo(ENROL_HINT.format(role=user.role.capitalize()))


@users.command("reset-second-factor")
@click.option("--email", required=True)
def reset_second_factor_command(email):
    """Forget a staff account's authenticator app (a lost phone): it enrols again at next login."""
    user = User.get_or_none((User.email == actions.normalize_email(email))
                            & User.role.in_(STAFF_ROLES))
    if user is None:
        raise click.ClickException(f"no staff or admin account with the address {email}")
    administration.reset_second_factor(user, by=None)
    click.echo(f"{user.email} is logged out everywhere and sets up a new authenticator app at "
               f"the next login.")
