"""`flask --app app retention preview --on DATE` and `retention run [--today DATE]`."""
import json

import click
from flask.cli import with_appcontext

from portal.retention import actions


def _day(value, latest=None):
    try:
        return actions.parse_day(value, latest)
    except ValueError as exc:
        raise click.BadParameter(str(exc))


@click.group(help="Retention: what the catalog's periods erase, and when.")
def retention():
    pass


@retention.command("preview")
@click.option("--on", "on", required=True, help="The date to look at, YYYY-MM-DD.")
@with_appcontext
def preview(on):
    """Print what a nightly run on that date would erase and whom it would tell."""
    day = _day(on)
    for key, count in actions.preview(day).items():
        click.echo(f"{key:<40} {count}")
    for key, problem in actions.rule_problems().items():
        click.echo(f"rule {key} is not enforced: {problem}", err=True)


@retention.command("run")
@click.option("--today", default=None, help="Run as of this date (YYYY-MM-DD); default today in Oslo.")
@click.option("--pace", type=click.Choice(["daily", "minute"]), default="daily")
@with_appcontext
def run(today, pace):
    """Run the sweep now."""
    # Never as of a later date: that would erase people who are not due yet.
    day = _day(today, latest=actions.today_in_oslo()) if today else None
    result = actions.sweep(today=day, pace=pace)
    click.echo(f"run {result.id} as of {result.today}: {json.dumps(json.loads(result.counts))}")
    for error in json.loads(result.errors):
        click.echo(f"error: {error}", err=True)
