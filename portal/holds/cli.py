"""`flask --app app holds list` and `holds end-expired`: legal holds from the command line."""
import click
from flask.cli import with_appcontext

from portal.holds import actions
from portal.people import registry


@click.group(help="Legal holds: what must be kept of a person, why, and until when.")
def holds():
    pass


@holds.command("list")
@with_appcontext
def list_holds():
    """Print every hold: id, whose (a person id, or the erasure that kept it), what, until when."""
    for hold in actions.all_holds():
        whose = f"erasure {hold.tombstone}" if hold.erased else f"person {hold.person_id}"
        state = "stands" if actions.is_standing(hold) else "ended"
        click.echo(f"hold {hold.id}: {whose}, {','.join(hold.categories)} "
                   f"through {hold.ends_on} ({state})")


@holds.command("end-expired")
@with_appcontext
def end_expired():
    """End the holds whose last day has passed and erase what they kept (the nightly
    retention run does this too)."""
    counts = registry.end_holds()
    click.echo(", ".join(f"{key}: {n}" for key, n in counts.items()))
