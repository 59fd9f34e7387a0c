"""Camera coverage benchmark: what every camera of the scale-10 city sees past the buildings,
against the plain sector (the wedge with nothing in the way) computed by the same code path in
the same run; then the blind spots of every road, coverage statistics for every grid, and
placement suggestions for one community.

    make bench-cameras       (or: .venv/bin/python bench/cameras.py)

Goal (issue 8): coverage for every camera in under 60 s on this 2-core machine.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, WORK, arguments, city_url, log  # noqa: E402

sys.path.insert(0, str(ROOT))
from sqlalchemy import text  # noqa: E402

from app import create_app, db  # noqa: E402
from app.services.accounts.scope import Scope  # noqa: E402
from app.services.cameras import (coverage as camera_coverage, placement as camera_placement,  # noqa: E402
                                  stats as camera_stats)


def timed(work):
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def every_camera(session, method: str) -> tuple[float, int]:
    """Coverage of every camera by `method`, in the refresh's batches, committed; seconds."""
    ids = session.execute(text("SELECT id FROM camera ORDER BY ST_GeoHash(geom)")).scalars().all()
    started = time.perf_counter()
    nothing = 0
    for i in range(0, len(ids), camera_coverage.BATCH):
        nothing += camera_coverage.compute(session, ids[i:i + camera_coverage.BATCH], method)
        session.commit()
    return time.perf_counter() - started, nothing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suggest", type=int, default=5, help="cameras to suggest for one community")
    args = arguments(parser, {"suggest": 1})
    url = city_url(args.scale)
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        session = db.session()
        cameras, buildings, roads = session.execute(text(
            "SELECT (SELECT count(*) FROM camera), (SELECT count(*) FROM building), (SELECT count(*) FROM road)")).one()
        session.execute(text("DELETE FROM camera_dirty"))
        session.commit()
        log(f"{cameras:,} cameras, {buildings:,} buildings, {roads:,} roads")
        log("the plain sector for every camera …")
        sector_s, _ = every_camera(session, "sector")
        log("what every camera sees past the buildings …")
        visible_s, blind_cameras = every_camera(session, "visibility")
        log("blind spots of every road …")
        blind_s, spots = timed(lambda: camera_coverage.redo_blind_spots(session, None))
        session.commit()
        log("coverage statistics for every grid …")
        stats_s, rows = timed(lambda: camera_stats.coverage_by_area(session, "grid", Scope(everything=True)))
        community = session.execute(text("SELECT code FROM area WHERE level = 'community' ORDER BY code LIMIT 1")).scalar_one()
        log(f"placement suggestions for {community} …")
        suggest_s, found = timed(lambda: camera_placement.suggest(session, community, args.suggest, Scope(everything=True)))
        areas = session.execute(text("""
            SELECT avg(ST_Area(cc.geom::geography) / (pi() * c.range_m ^ 2 * c.fov / 360))
            FROM camera c JOIN camera_coverage cc ON cc.camera_id = c.id""")).scalar_one()
    results = {
        "cameras": cameras, "buildings": buildings, "roads": roads, "cpus": os.cpu_count(),
        "visibility_s": visible_s, "sector_s": sector_s, "seeing_nothing": blind_cameras,
        "mean_share_of_sector_seen": float(areas or 0), "blind_spots_s": blind_s, "blind_spots": spots,
        "grid_stats_s": stats_s, "grids": len(rows),
        "mean_road_coverage": sum(r.road_coverage or 0 for r in rows) / max(len(rows), 1),
        "suggest_s": suggest_s, "suggested_gain_m": found["properties"]["gain_m"],
        "candidates": found["properties"]["candidates"],
    }
    WORK.mkdir(exist_ok=True)
    (WORK / "cameras.json").write_text(json.dumps(results, indent=2))
    r = results
    print("\n".join([
        "", f"Camera coverage on the scale-{args.scale} city: {cameras:,} cameras, {buildings:,} buildings; {os.cpu_count()} CPUs",
        f"  past the buildings: {r['visibility_s']:.1f} s ({1000 * r['visibility_s'] / cameras:.2f} ms per camera; "
        f"{r['seeing_nothing']} see nothing; on average {r['mean_share_of_sector_seen']:.0%} of the sector is seen)",
        f"  plain sector, same code path: {r['sector_s']:.1f} s ({1000 * r['sector_s'] / cameras:.2f} ms per camera); "
        f"ratio {r['visibility_s'] / r['sector_s']:.2f}",
        f"  blind spots of every road: {r['blind_spots_s']:.1f} s ({spots:,} pieces)",
        f"  coverage statistics, every grid: {r['grid_stats_s']:.1f} s for {r['grids']} grids "
        f"(mean road coverage {r['mean_road_coverage']:.0%})",
        f"  {args.suggest} placement suggestions for one community: {r['suggest_s']:.1f} s "
        f"({r['candidates']} candidates × 8 bearings; {r['suggested_gain_m']:,.0f} m of road gained)",
    ]))


if __name__ == "__main__":
    main()
