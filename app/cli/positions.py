"""flask positions …: retention of workers' fixes."""
from __future__ import annotations

from datetime import datetime, timezone

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import db
from ..services import tracks


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
