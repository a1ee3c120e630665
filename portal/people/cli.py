"""`flask --app app people ...`: erase again after a restore, finish erasures, tidy the store."""
import click
from flask.cli import with_appcontext

from portal.people import registry
from portal.people.models import Person


@click.group(help="The person registry: erasures and the document store.")
def people():
    pass


@people.command("replay-erasures")
@with_appcontext
def replay_erasures():
    """After restoring a database backup: erase again everyone in the erasure log (data made
    before each erasure only; a person who came back afterwards is left alone)."""
    entries, torn = registry.read_erasure_log_checked()
    for number in torn:
        click.echo(f"line {number} of {registry.erasure_log_path()} is not a whole entry (torn "
                   "by a crash while it was written: that erasure never committed); skipped",
                   err=True)
    erased, rows = registry.replay_erasures()
    click.echo(f"{len(entries)} erasures in {registry.erasure_log_path()}: "
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


@people.command("erase")
@click.option("--email", required=True, help="The address of the person to erase.")
@click.option("--reason", required=True, help="Why, e.g. 'request 12' (kept after the erasure: never the "
              "person's name, address or number).")
@with_appcontext
def erase(email, reason):
    """Erase one person everywhere the registry knows, with a confirmation e-mail."""
    person = Person.get_or_none(Person.email == email.strip().lower())
    if person is None:
        found = ", ".join(str(t.id) for t in registry.was_erased(email))
        raise click.ClickException("no person has that address"
                                   + (f" (erased already: tombstone {found})" if found else ""))
    try:
        tombstone = registry.erase_person(person, reason)
    except registry.ReasonNamesPerson as exc:
        raise click.ClickException(str(exc))
    except registry.AlreadyErased as exc:  # by another erasure a moment earlier
        raise click.ClickException("erased already" + (
            f": tombstone {exc.tombstone.id}" if exc.tombstone else ""))
    click.echo(f"erased: tombstone {tombstone.id}")


@people.command("was-erased")
@click.option("--email", required=True)
@with_appcontext
def was_erased(email):
    """Answer "did you erase me?": the tombstones of an address (date and reason)."""
    found = registry.was_erased(email)
    for tombstone in found:
        click.echo(f"tombstone {tombstone.id}: erased {tombstone.erased_at:%Y-%m-%d} ({tombstone.reason})")
    if not found:
        click.echo("no erasure of that address")
