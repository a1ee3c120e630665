"""The schema of every feature's models: migrations applied and written (`flask db ...`)."""
from pathlib import Path

import click
from flask.cli import AppGroup
from playhouse.migrations import Runner, template
from playhouse.schema_diff import diff_models

from portal.db import db, is_postgres
from portal.features import all_models

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

cli = AppGroup("db", help="Database schema.")


def schema_diff(database):
    """What differs between the models and the database; indexes a model declares as
    PostgreSQL's own (`POSTGRES_ONLY_INDEXES`: pg_trgm) are no difference there."""
    diff = diff_models(database, all_models())
    if not is_postgres(database):
        return diff
    own = {name for m in all_models() for name in getattr(m, "POSTGRES_ONLY_INDEXES", ())}
    return diff._replace(drop_indexes=[i for i in diff.drop_indexes if i.name not in own])


def migrate():
    """Apply every pending migration; returns the names applied."""
    with db.connection_context():
        return Runner(db.obj, directory=str(MIGRATIONS)).up()


@cli.command("migrate")
def migrate_command():
    """Apply pending migrations."""
    applied = migrate()
    click.echo("\n".join(f"applied: {n}" for n in applied) or "database is up to date")


@cli.command("generate")
@click.argument("name")
def generate_command(name):
    """Write a migration from the difference between models and database."""
    with db.connection_context():
        diff = schema_diff(db.obj)
        if not diff:
            click.echo("schema matches models")
            return
        click.echo(Runner(db.obj, directory=str(MIGRATIONS)).create(name, body=template(diff)))
