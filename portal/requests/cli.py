"""`flask --app app requests schema`: print the JSON Schema of an access export's data.json."""
import click
from flask.cli import AppGroup

from portal.requests.export_schema import as_text

requests = AppGroup("requests", help="Privacy requests.")


@requests.command("schema")
def schema_command():
    """Print the JSON Schema of data.json (keep it in docs/export.schema.json)."""
    click.echo(as_text(), nl=False)
