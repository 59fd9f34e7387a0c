"""flask incidents …: the loop's clock for cron, and housekeeping."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import db
from ..services import idempotency
from ..services.ticker import run_once


@click.group("incidents", help="The incident loop: the clock and housekeeping.")
def incidents_group():
    pass


@incidents_group.command("tick")
@click.option("--now", "at", default=None, help="ISO 8601 time to run the clock at (default: now)")
@with_appcontext
def tick(at: str | None):
    """Mark overdue incidents and escalate them one level (run from cron, or let the app's
    own clock do it)."""
    now = datetime.fromisoformat(at) if at else datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-11-23T08:00:00+08:00", param_hint="--now")
    result = run_once(lambda: current_app.extensions["gridmap.db"].new_session(), now)
    if not result.ran:
        click.echo("Another process is running the clock right now; nothing done.")
        return
    click.echo(f"{len(result.overdue)} overdue, {len(result.escalated)} escalated.")
    for code in result.escalated:
        click.echo(f"  escalated {code}")


@incidents_group.command("forget-keys")
@with_appcontext
def forget_keys():
    """Drop stored Idempotency-Key answers older than the configured days."""
    session = db.session()
    keep = timedelta(days=current_app.config["GRIDMAP"].incidents.idempotency_keep_days)
    removed = idempotency.forget_older_than(session, datetime.now(timezone.utc), keep)
    session.commit()
    click.echo(f"{removed} stored answers removed.")
