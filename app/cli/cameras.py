"""flask cameras …: what the cameras see."""
from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from .. import db
from ..services.cameras import coverage as camera_coverage
from .progress import Progress


@click.group("cameras")
def cameras_group():
    """Video cameras and their coverage."""


@cameras_group.command("coverage")
@click.option("--all", "everything", is_flag=True, help="Recompute every camera, not only the queued ones.")
@click.option("--method", type=click.Choice(["visibility", "sector"]), default="visibility", show_default=True,
              help="visibility: clipped by the buildings; sector: the plain wedge (for comparison).")
@with_appcontext
def coverage(everything: bool, method: str):
    """Recompute the coverage of cameras that changed (or whose buildings did), and the blind spots."""
    session = db.session()
    if everything:
        camera_coverage.queue_all(session)
        session.commit()
    if not refresh(method, every_road=everything):
        report_blind()


def refresh(method: str = "visibility", every_road: bool = False) -> bool:
    """Works off the queue of cameras to recompute, showing progress, then says which cameras
    see little; imports end with this, with `every_road` (their roads are new). False when
    there was nothing to do."""
    progress = Progress("camera coverage")
    started = time.perf_counter()
    done = camera_coverage.refresh(db.session(), method, every_road, progress)
    if not done.cameras and not every_road:
        return False
    progress.done()
    click.echo(f"{done.cameras:,} cameras in {time.perf_counter() - started:.1f} s "
               f"({done.seeing_nothing:,} see nothing past the buildings); "
               f"{done.blind_spots:,} blind spots on the roads around them.")
    report_blind()
    return True


WHY = {"offline": "offline or in maintenance", "inside_building": "stands inside a building footprint",
       "facing_wall": "faces a wall"}


def report_blind(share: float = 0.10, listed: int = 20) -> None:
    """How many cameras see less than a tenth of their view, and why: a number to see, not to
    discover on the wall."""
    blind = camera_coverage.seeing_little(db.session(), share)
    if not blind:
        click.echo(f"Every camera sees at least {share:.0%} of its view.")
        return
    counts = {why: sum(1 for b in blind if b.why == why) for why in WHY}
    click.echo(f"{len(blind):,} cameras see less than {share:.0%} of their view: "
               + "; ".join(f"{n:,} {WHY[why]}" for why, n in counts.items() if n) + ".")
    for b in blind[:listed]:
        click.echo(f"  camera {b.camera_id} {b.name or ''}: {b.seen_m2:,.0f} of {b.sector_m2:,.0f} m², {WHY[b.why]}")
    if len(blind) > listed:
        click.echo(f"  … and {len(blind) - listed:,} more")
