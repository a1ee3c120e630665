"""`flask --app app people ...`: erase again after a restore, finish erasures, tidy the store."""
import click
from flask.cli import with_appcontext

from portal.people import registry


@click.group(help="The person registry: erasures and the document store.")
def people():
    pass


@people.command("replay-erasures")
@with_appcontext
def replay_erasures():
    """After restoring a database backup: erase again everyone in the erasure log (data made
    before each erasure only; a person who came back afterwards is left alone)."""
    entries = len(registry.read_erasure_log())
    erased, rows = registry.replay_erasures()
    click.echo(f"{entries} erasures in {registry.erasure_log_path()}: "
               f"{erased} people and {rows} rows erased again.")


@people.command("finish-erasures")
@with_appcontext
def finish_erasures():
    """Remove the Redis keys of erasures made while Redis was down."""
    click.echo(f"{registry.finish_erasures()} erasures finished.")


@people.command("reconcile-files")
@with_appcontext
def reconcile_files():
    """Remove stored files that no row names (older than an hour)."""
    click.echo(f"{registry.reconcile_files()} files without a row removed.")
