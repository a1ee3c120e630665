"""`flask --app app audit verify|seal`: check the hash chain, seal what waits."""
import click
from flask.cli import with_appcontext

from portal.audit import actions


@click.group(help="The audit trail: seal events into the hash chain, check the chain.")
def audit():
    pass


@audit.command("verify")
@with_appcontext
def verify():
    """Seal what waits, then check every link; exit status 1 at the first broken link."""
    result = actions.check_chain()
    if result.holds:
        click.echo(f"The audit chain holds: {result.checked} sealed events checked, "
                   f"{result.unsealed} not yet committed when sealed.")
        click.echo(f"It ends at place {result.last_seq} with hash {result.last_hash}: compare "
                   f"with the sealing job's log to see that nothing was removed from the end.")
        return
    raise click.ClickException(
        f"The audit chain is broken at event id {result.broken_id} (place {result.broken_seq} in "
        f"the chain): {actions.REASONS[result.reason]}. {result.checked} events before it hold.")


@audit.command("seal")
@with_appcontext
def seal():
    """Chain the events that wait for the sealing job (it runs every minute from rq cron)."""
    click.echo(f"{actions.seal()} events sealed.")
