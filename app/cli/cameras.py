"""flask cameras …: what the cameras see."""
from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from .. import db
from ..messages import Message
from ..services.cameras import coverage as camera_coverage
from .progress import Progress
from .words import Group, echo, option


@click.group("cameras", cls=Group, help=Message("cli.help.cameras"))
def cameras_group():
    pass


@cameras_group.command("coverage", help=Message("cli.help.cameras.coverage"))
@option("--all", "everything", is_flag=True, help=Message("cli.help.cameras.coverage.all"))
@option("--method", type=click.Choice(["visibility", "sector"]), default="visibility", show_default=True,
        help=Message("cli.help.cameras.coverage.method"))
@with_appcontext
def coverage(everything: bool, method: str):
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
    progress = Progress(Message("cli.cameras.progress"))
    started = time.perf_counter()
    done = camera_coverage.refresh(db.session(), method, every_road, progress)
    if not done.cameras and not every_road:
        return False
    progress.done()
    echo("cli.cameras.done", cameras=done.cameras, seconds=time.perf_counter() - started,
         nothing=done.seeing_nothing, blind=done.blind_spots)
    report_blind()
    return True


WHY = {why: Message(f"cli.cameras.why.{why}") for why in ("offline", "inside_building", "facing_wall")}


def report_blind(share: float = 0.10, listed: int = 20) -> None:
    """How many cameras see less than a tenth of their view, and why: a number to see, not to
    discover on the wall."""
    blind = camera_coverage.seeing_little(db.session(), share)
    if not blind:
        echo("cli.cameras.all_see", share=share)
        return
    counts = {why: sum(1 for b in blind if b.why == why) for why in WHY}
    echo("cli.cameras.see_little", count=len(blind), share=share,
         why=[Message("cli.cameras.why_count", count=n, why=WHY[why]) for why, n in counts.items() if n])
    for b in blind[:listed]:
        echo("cli.cameras.blind", id=b.camera_id, name=b.name or "", seen=b.seen_m2, sector=b.sector_m2, why=WHY[b.why])
    if len(blind) > listed:
        echo("cli.cameras.more", count=len(blind) - listed)
