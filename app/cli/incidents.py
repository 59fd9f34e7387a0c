"""flask incidents …: the loop's clock for cron, and housekeeping."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from .. import db
from ..messages import Message, Said, step_name
from ..services.accounts import idempotency
from ..services.live.ticker import run_once
from .words import Command, Group, Refusal, echo, language, option


@click.group("incidents", cls=Group, help=Message("cli.help.incidents"))
def incidents_group():
    pass


@incidents_group.command("tick", help=Message("cli.help.incidents.tick"))
@option("--now", "at", default=None, help=Message("cli.help.incidents.tick.now"))
@with_appcontext
def tick(at: str | None):
    now = datetime.fromisoformat(at) if at else datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise click.BadParameter(Message("cli.incidents.zone").say(language()), param_hint="--now")
    result = run_once(lambda: current_app.extensions["gridmap.db"].new_session(), now)
    if not result.ran:
        echo("cli.incidents.busy")
        return
    echo("cli.incidents.ticked", overdue=len(result.overdue), escalated=len(result.escalated))
    for code in result.escalated:
        echo("cli.incidents.escalated", code=code)


@incidents_group.command("forget-keys", help=Message("cli.help.incidents.forget_keys"))
@with_appcontext
def forget_keys():
    session = db.session()
    keep = timedelta(days=current_app.config["GRIDMAP"].incidents.idempotency_keep_days)
    removed = idempotency.forget_older_than(session, datetime.now(timezone.utc), keep)
    session.commit()
    echo("cli.incidents.forgotten", count=removed)


@click.command("simulate", cls=Command, help=Message("cli.help.simulate"))
@option("--rate", default=60.0, show_default=True, help=Message("cli.help.simulate.rate"))
@option("--history-hours", default=24.0, show_default=True, help=Message("cli.help.simulate.history_hours"))
@option("--step", "step_seconds", default=5.0, show_default=True, help=Message("cli.help.simulate.step"))
@option("--steps", default=0, show_default=True, help=Message("cli.help.simulate.steps"))
@option("--seed", default=1, show_default=True, help=Message("cli.help.generate.seed"))
@option("--walk/--no-walk", default=True, show_default=True, help=Message("cli.help.simulate.walk"))
@with_appcontext
def simulate(rate: float, history_hours: float, step_seconds: float, steps: int, seed: int, walk: bool):
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
    except Said as error:
        raise Refusal(error) from None
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if walkers is not None:
        start, end = roster.hours
        left = len(set(walkers.beats) & held_by_people(session, datetime.now(timezone.utc)))
        echo("cli.simulate.walking", walking=len(walkers.beats) - left, start=start, end=end,
             zone=settings.timezone, left=left)
    try:
        # Only the part of the history window the database has not lived yet: a restart
        # continues the day instead of playing it twice.
        latest = session.execute(text("SELECT max(reported_at) FROM incident")).scalar()
        now = datetime.now(timezone.utc)
        if latest is not None:
            history_hours = min(history_hours, max(0.0, (now - latest).total_seconds() / 3600))
        if history_hours >= 0.2:
            progress = Progress(Message("cli.simulate.playing", hours=history_hours))
            last = [0]

            def show(done, total):
                progress("steps", done - last[0])
                last[0] = done
            tally = simulator.backfill(now, history_hours, progress=show)
            progress.done()
            echo("cli.simulate.history", tally=said(tally))
        count = 0
        while steps == 0 or count < steps:
            started = time.monotonic()
            tally = simulator.step(datetime.now(timezone.utc), step_seconds / 60, Tally())
            session.commit()
            count += 1
            if tally.reported or tally.steps or tally.overdue:
                click.echo(f"{datetime.now():%H:%M:%S} {said(tally).say(language())}")
            time.sleep(max(0.0, step_seconds - (time.monotonic() - started)))
    except KeyboardInterrupt:
        session.rollback()
        echo("cli.simulate.stopped")
    finally:
        audit.restore(token)


def said(tally) -> Message:
    """A simulated while in words: reported, each step of the loop taken, overdue, walked."""
    steps = [Message("cli.simulate.step_count", step=step_name(action), count=count)
             for action, count in sorted(tally.steps.items())] or Message("cli.simulate.no_steps")
    counts = {"reported": tally.reported, "steps": steps, "overdue": tally.overdue, "escalated": tally.escalated}
    if tally.fixes:
        return Message("cli.simulate.tally_walked", **counts, fixes=tally.fixes)
    return Message("cli.simulate.tally", **counts)
