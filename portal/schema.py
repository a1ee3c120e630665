"""The schema of every feature's models: migrations applied and written (`flask db ...`)."""
from pathlib import Path

import click
from flask.cli import AppGroup
from playhouse.migrations import Runner, template
from playhouse.schema_diff import diff_models

from portal.db import db
from portal.features import all_models

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

cli = AppGroup("db", help="Database schema.")


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
        diff = diff_models(db.obj, all_models())
        if not diff:
            click.echo("schema matches models")
            return
        click.echo(Runner(db.obj, directory=str(MIGRATIONS)).create(name, body=template(diff)))
