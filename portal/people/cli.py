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


def _address_and_number(email, phone):
    """The address and number given, normalised as every form does; a clear error otherwise."""
    from portal.web.forms import email_address, phone_number
    address = number = None
    if email is not None:
        address = email_address(email)
        if address is None:
            raise click.ClickException(f"{email!r} is not an e-mail address")
    if phone is not None:
        number = phone_number(phone)
        if number is None:
            raise click.ClickException(f"{phone!r} is not a phone number (write it as 412 34 567 "
                                       "or +46 70 123 45 67)")
    return address, number


def _person_by(person_id, address, number):
    """The Person these options name, or None when nobody is held as a Person under them."""
    from portal.auth.models import User  # auth's models point at people's: imported on use
    if person_id is not None:
        person = Person.get_or_none(Person.id == person_id)
        if person is None:
            raise click.ClickException("no person has that id")
        return person
    if address:
        person = Person.get_or_none(Person.email == address)
        login = User.get_or_none(User.email == address) if person is None else None
        if login is not None and login.person_id is not None:
            person = Person.get_by_id(login.person_id)  # their login's address
        if person is not None and number and person.phone != number:
            raise click.ClickException(f"the person with that address (id {person.id}) has "
                                       "another number: give the address alone, or --id")
        if person is not None or not number:
            return person
    sharing = list(Person.select(Person.id).where(Person.phone == number).order_by(Person.id))
    if len(sharing) > 1:
        raise click.ClickException("several people have that number (ids " + ", ".join(
            str(p.id) for p in sharing) + "): give --id")
    return Person.get_by_id(sharing[0].id) if sharing else None


def _erased_note(tombstones):
    found = ", ".join(str(t.id) for t in tombstones)
    return f" (erased already: tombstone {found})" if found else ""


@people.command("erase")
@click.option("--id", "person_id", type=int, help="The id of the person to erase.")
@click.option("--email", help="The address of the person, or of someone we know only by it "
              "(a reference a candidate named, someone who asked for a code).")
@click.option("--phone", help="The number of the person, or of someone we know only by it.")
@click.option("--reason", required=True, help="Why, e.g. 'request 12' (kept after the erasure: never the "
              "person's name, address or number).")
@with_appcontext
def erase(person_id, email, phone, reason):
    """Erase one person everywhere the registry knows, with a confirmation e-mail; or everything
    held about someone known only by an address or number (no confirmation)."""
    if (person_id is None) == (email is None and phone is None):
        raise click.ClickException("give --id, or --email and/or --phone (not both kinds)")
    address, number = _address_and_number(email, phone)
    person = _person_by(person_id, address, number)
    try:
        if person is None:
            tombstone, rows = registry.erase_known_by(address, number, reason)
            click.echo(f"erased {rows} rows held under that address or number: tombstone "
                       f"{tombstone.id}")
            return
        tombstone = registry.erase_person(person, reason)
    except registry.ReasonNamesPerson as exc:
        raise click.ClickException(str(exc))
    except registry.NothingHeld as exc:
        raise click.ClickException(str(exc) + _erased_note(registry.was_erased(address, number)))
    except registry.AlreadyErased as exc:  # by another erasure a moment earlier
        raise click.ClickException("erased already" + (
            f": tombstone {exc.tombstone.id}" if exc.tombstone else ""))
    click.echo(f"erased: tombstone {tombstone.id}")


@people.command("was-erased")
@click.option("--email")
@click.option("--phone", help="For someone erased by a number alone.")
@with_appcontext
def was_erased(email, phone):
    """Answer "did you erase me?": the tombstones of an address or number (date and reason)."""
    if email is None and phone is None:
        raise click.ClickException("give --email or --phone")
    address, number = _address_and_number(email, phone)
    found = registry.was_erased(address, number)
    for tombstone in found:
        click.echo(f"tombstone {tombstone.id}: erased {tombstone.erased_at:%Y-%m-%d} ({tombstone.reason})")
    if not found:
        click.echo("no erasure of that address")
