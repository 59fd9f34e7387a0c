"""flask positions …: workers' daily routes kept, and retention of their fixes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import db
from ..services.field import tracks


@click.group("positions")
def positions_group():
    """Workers' positions."""


@positions_group.command("retain")
@with_appcontext
def retain():
    """Drop months of fixes older than GRIDMAP_POSITION_RETENTION_MONTHS, keeping each
    worker's daily route in track_day first. For cron, e.g. daily."""
    settings = current_app.config["GRIDMAP"]
    dropped = tracks.retain(db.session(), settings.positions, settings.timezone,
                            datetime.now(timezone.utc), progress=click.echo)
    click.echo(f"Dropped {len(dropped)} month(s) of fixes" + (f": {', '.join(dropped)}" if dropped else "") +
               f"; keeping {settings.positions.retention_months} month(s).")


@positions_group.command("keep")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The day whose routes to keep (default: yesterday where the city is).")
@with_appcontext
def keep(day):
    """Keep each worker's route of a finished day in track_day (the `tracks` layer). The
    in-app clock does this each morning; for cron when the app's clock is off."""
    settings = current_app.config["GRIDMAP"]
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    day = day.date() if day else today - timedelta(days=1)
    if day >= today:
        raise click.BadParameter(f"{day} is not over yet; its route grows until midnight.", param_hint="--day")
    session = db.session()
    kept = tracks.keep_finished(session, day, settings.timezone, settings.positions, progress=click.echo)
    session.commit()
    click.echo(f"{kept} route(s) of {day} kept.")
