"""Dividing a town into grids: blocks grouped along the ground (geo.regions, what `generate
areas` and the planners' proposals use) against straight bisection (geo.partition, what they
used before), side by side on the same towns in the same run.

For each town: the time to divide, the share of grid lines within 10 m of a road, railway or
river, households per grid (min–max, and how many grids fall outside 300–1000), the most
elongated grid, how many grids are more than 3× longer than wide and than each of their own
blocks (geo.compactness), and buildings cut (a building with more than 0.5 m² in a second grid).

Towns: Helsinki (centre, a lattice with diagonal districts) and the synthetic presets, lattice
(zhenxing) and organic (hexi), were used while tuning; Kotka (Karhula, suburban, 2,171
buildings) was too. Monaco (curved streets on a hillside) was kept out of the tuning and is
reported on its own line, as a town the method had never seen. The scale-10 city is ten
zhenxing streets, divided street by street as `flask generate city` does.

    .venv/bin/python bench/division.py [--smoke]
"""
from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import arguments, log  # noqa: E402

from app.geo.ground_share import ground_share  # noqa: E402
from app.geo.compactness import elongation, too_elongated  # noqa: E402
from app.geo.regions import bisected_street, divide_along_ground  # noqa: E402
from app.services.loading.towns import BOUNDS, Street, osm_town, synthetic_town  # noqa: E402


def divide(street: Street, method: str):
    how = divide_along_ground if method == "blocks" else bisected_street
    return [p for parts in how(street.region, street.units, street.households, street.frame, street.lines,
                               street.main, street.counts, BOUNDS) for p in parts]


def measure(streets: list[Street], method: str) -> dict:
    started = time.perf_counter()
    divided = [divide(street, method) for street in streets]
    seconds = time.perf_counter() - started
    interior = on_ground = 0.0
    households, longest, cut, strips = [], 0.0, 0, 0
    for street, grids in zip(streets, divided):
        share = ground_share([g.geom for g in grids], street.lines, street.frame)
        interior, on_ground = interior + share.interior_m, on_ground + share.on_ground_m
        households += [g.households for g in grids]
        metric = street.frame.to_metric(np.array([g.geom for g in grids], dtype=object))
        longest = max(longest, max(elongation(m) for m in metric))
        strips += sum(r is not None for r in too_elongated([g.geom for g in grids], street.region,
                                                             street.lines, street.frame))
        cut += _cut(street.frame.to_metric(street.units), metric)
    return {"strips": strips, "seconds": seconds, "share": on_ground / interior if interior else 0.0, "grids": len(households),
            "min": min(households), "max": max(households), "longest": longest, "cut": cut,
            "outside": sum(not BOUNDS[0] <= h <= BOUNDS[1] for h in households)}


def _cut(units, grids) -> int:
    unit_index, grid_index = shapely.STRtree(grids).query(units, predicate="intersects")
    areas = shapely.area(shapely.intersection(units[unit_index], grids[grid_index]))
    shares = collections.defaultdict(list)
    for u, area in zip(unit_index, areas):
        shares[u].append(area)
    return sum(1 for a in shares.values() if len(a) > 1 and sorted(a)[-2] > 0.5)


def main() -> None:
    args = arguments(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]), {})
    towns = [("Helsinki (tuned)", lambda: osm_town("helsinki")),
             ("hexi organic ×1 (tuned)", lambda: synthetic_town("hexi", 1))]
    if not args.smoke:
        towns += [("zhenxing lattice ×1 (tuned)", lambda: synthetic_town("zhenxing", 1)),
                  ("Kotka, 2,171 buildings (tuned)", lambda: osm_town("kotka")),
                  ("Monaco (held out)", lambda: osm_town("monaco")),
                  (f"zhenxing ×{args.scale} city", lambda: synthetic_town("zhenxing", args.scale))]
    print("| town | method | time s | on roads | grids | households min–max | outside 300–1000 "
          "| most elongated | over 3× and its blocks | buildings cut |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, load in towns:
        log(f"loading {name}")
        streets = load()
        for method in ("blocks", "bisection"):
            log(f"  dividing by {method}")
            m = measure(streets, method)
            print(f"| {name} | {method} | {m['seconds']:.1f} | {m['share']:.0%} | {m['grids']} | "
                  f"{m['min']}–{m['max']} | {m['outside']} | {m['longest']:.1f}× | {m['strips']} | {m['cut']} |", flush=True)


if __name__ == "__main__":
    main()
