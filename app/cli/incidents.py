"""flask incidents …: the loop's clock for cron, and housekeeping."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from .. import db
from ..services.accounts import idempotency
from ..services.live.ticker import run_once


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


@click.command("simulate")
@click.option("--rate", default=60.0, show_default=True, help="new reports per hour")
@click.option("--history-hours", default=24.0, show_default=True,
              help="first play this many past hours, so the map opens on a lived-in day (0: none)")
@click.option("--step", "step_seconds", default=5.0, show_default=True, help="seconds between live steps")
@click.option("--steps", default=0, show_default=True, help="live steps to run (0: until stopped)")
@click.option("--seed", default=1, show_default=True)
@click.option("--walk/--no-walk", default=True, show_default=True,
              help="the grid workers walk their grids and to the incidents they accept")
@with_appcontext
def simulate(rate: float, history_hours: float, step_seconds: float, steps: int, seed: int, walk: bool):
    """Demo life: report incidents around buildings and move them through the loop; the
    full-time grid workers walk their grids (GRIDMAP_SIMULATED_DUTY_HOURS, city time) and to
    the incidents they accept — except those a person acts for (the demo `worker` account,
    and accounts signed in on the web within the hour)."""
    import time

    from ..services.accounts import audit
    from ..services.incidents.simulation import Pace, Simulator, Tally
    from ..services.incidents.walkers import Roster, Walkers, held_by_people
    from .progress import Progress
    token = audit.act_as(audit.Actor("system:simulation"))
    session = db.session()
    settings = current_app.config["GRIDMAP"]
    try:
        roster = Roster(hours=settings.positions.simulated_duty_hours, zone=settings.timezone)
        walkers = Walkers(session, settings.positions, roster, seed) if walk else None
        simulator = Simulator(session, seed, Pace(reports_per_hour=rate), settings.incidents, walkers)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if walkers is not None:
        start, end = roster.hours
        left = len(set(walkers.beats) & held_by_people(session, datetime.now(timezone.utc)))
        click.echo(f"{len(walkers.beats) - left} grid workers walk their grids, {start:02d}:00–{end:02d}:00 "
                   f"{settings.timezone}; {left} left to the people holding their phones.")
    try:
        # Only the part of the history window the database has not lived yet: a restart
        # continues the day instead of playing it twice.
        latest = session.execute(text("SELECT max(reported_at) FROM incident")).scalar()
        now = datetime.now(timezone.utc)
        if latest is not None:
            history_hours = min(history_hours, max(0.0, (now - latest).total_seconds() / 3600))
        if history_hours >= 0.2:
            progress = Progress(f"Playing the last {history_hours:.1f} h")
            last = [0]

            def show(done, total):
                progress("steps", done - last[0])
                last[0] = done
            tally = simulator.backfill(now, history_hours, progress=show)
            progress.done()
            click.echo(f"History: {tally.summary()}.")
        count = 0
        while steps == 0 or count < steps:
            started = time.monotonic()
            tally = simulator.step(datetime.now(timezone.utc), step_seconds / 60, Tally())
            session.commit()
            count += 1
            if tally.reported or tally.steps or tally.overdue:
                click.echo(f"{datetime.now():%H:%M:%S} {tally.summary()}")
            time.sleep(max(0.0, step_seconds - (time.monotonic() - started)))
    except KeyboardInterrupt:
        session.rollback()
        click.echo("Simulation stopped.")
    finally:
        audit.restore(token)
