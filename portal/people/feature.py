"""What the data subject brings: the Person table every other feature points at, the registry
of where a person's data sits, and the commands that erase again after a restore."""
from jobs.people import finish_erasures, reconcile_files
from portal import catalog
from portal.people import cli, models
from portal.people.holdings import Expiry, NoPersonalData, Rows

__all__ = ["models", "cli", "personal_data", "no_personal_data", "cron"]  # what this feature declares

cli = (cli.people,)
cron = ((finish_erasures, {"interval": 5 * 60}),
        (reconcile_files, {"cron": "47 3 * * *"}))

# Contact details: each column is exported under its own catalog category (name, address, ...);
# the bookkeeping (stage, language, the retention clock) goes with the name. The e-mail address
# is changed only through a proven address (the account's e-mail change), never by rectify().
personal_data = (
    Rows(models.Person, category="name", person="id",
         rectify=("name", "street", "postal_code", "place", "country", "phone"),
         expires=Expiry(catalog.AFTER_LAST_CONTACT, subject=True)),
)
no_personal_data = (
    NoPersonalData(models.Tombstone, "Proof of an erasure: an id, a date, a reason and a keyed "
                                     "hash of the address; no identity."),
    NoPersonalData(models.PendingFileDeletion, "The random id of a stored file whose row is "
                                               "gone, until the file is removed."),
)
