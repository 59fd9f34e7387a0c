"""flask positions …: workers' daily routes kept, and retention of their fixes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import db
from ..messages import Message
from ..services.field import tracks
from .words import Group, echo, language, option


@click.group("positions", cls=Group, help=Message("cli.help.positions"))
def positions_group():
    pass


def _said(step: Message) -> None:
    click.echo(step.say(language()))


@positions_group.command("retain", help=Message("cli.help.positions.retain"))
@with_appcontext
def retain():
    settings = current_app.config["GRIDMAP"]
    dropped = tracks.retain(db.session(), settings.positions, settings.timezone,
                            datetime.now(timezone.utc), progress=_said)
    keep = settings.positions.retention_months
    if dropped:
        echo("cli.positions.dropped", count=len(dropped), months=dropped, keep=keep)
    else:
        echo("cli.positions.dropped_none", keep=keep)


@positions_group.command("keep", help=Message("cli.help.positions.keep"))
@option("--day", type=click.DateTime(["%Y-%m-%d"]), default=None, help=Message("cli.help.positions.keep.day"))
@with_appcontext
def keep(day):
    settings = current_app.config["GRIDMAP"]
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    day = day.date() if day else today - timedelta(days=1)
    if day >= today:
        raise click.BadParameter(Message("cli.positions.not_over", day=day.isoformat()).say(language()),
                                 param_hint="--day")
    session = db.session()
    kept = tracks.keep_finished(session, day, settings.timezone, settings.positions, progress=_said)
    session.commit()
    echo("cli.positions.kept", count=kept, day=day.isoformat())
