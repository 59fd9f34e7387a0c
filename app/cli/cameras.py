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
    refresh(method, every_road=everything)


def refresh(method: str = "visibility", every_road: bool = False) -> None:
    """Works off the queue of cameras to recompute, showing progress; imports end with this,
    with `every_road` (their roads are new)."""
    progress = Progress("camera coverage")
    started = time.perf_counter()
    done = camera_coverage.refresh(db.session(), method, every_road, progress)
    if not done.cameras and not every_road:
        return
    progress.done()
    click.echo(f"{done.cameras:,} cameras in {time.perf_counter() - started:.1f} s "
               f"({done.seeing_nothing:,} see nothing past the buildings); "
               f"{done.blind_spots:,} blind spots on the roads around them.")
