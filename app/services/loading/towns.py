"""Towns held in memory, divided without a database: the real extracts in gis_data/osm and the
synthetic presets, each as the streets `generate areas` or `generate city` would divide, for
the division benchmark and the tests that judge a division on towns of any street pattern."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

from ...config import GridRules, HouseholdRule
from ...geo.crs import frame_for
from ...geo.partition import GRID_SIZE, atomic_units, part_count, share_out
from ...geo.synthetic import PRESETS, build_city
from .osm import read_with_households
from ..planning.division import CITY_MARGIN_M, GRIDS_PER_COMMUNITY, MAIN_ROADS, MINOR_ROADS

OSM = Path(__file__).resolve().parents[3] / "gis_data" / "osm"
RULES = GridRules()
BOUNDS = (RULES.min_households, RULES.max_households)


class Street:
    """One street to divide: its ground, its buildings as units, its lines, its counts."""

    def __init__(self, region, footprints, households, frame, lines, main, grids=None, communities=None):
        footprints = shapely.set_precision(np.asarray(footprints, dtype=object), GRID_SIZE)
        groups = atomic_units(footprints)
        self.units = np.array([shapely.union_all(footprints[g]) if len(g) > 1 else footprints[g[0]]
                               for g in groups], dtype=object)
        self.households = np.array([np.asarray(households)[g].sum() for g in groups], dtype=int)
        self.region = shapely.set_precision(region, GRID_SIZE)
        self.frame, self.lines, self.main = frame, lines, main
        grids = grids or part_count(int(self.households.sum()), *BOUNDS)
        communities = min(communities or max(1, round(grids / GRIDS_PER_COMMUNITY)), grids)
        self.counts = share_out(grids, [1] * communities)


def osm_town(name: str) -> list[Street]:
    content = read_with_households(OSM / f"{name}.osm.pbf", HouseholdRule())
    footprints = np.array([b["geom"] for b in content.buildings], dtype=object)
    households = [b["households"] for b in content.buildings]
    frame = frame_for(footprints)
    hull = shapely.convex_hull(shapely.union_all(frame.to_metric(footprints)))
    region = frame.to_wgs84(hull.buffer(CITY_MARGIN_M))
    ground = [g["geom"] for g in content.ground_lines]
    lines = [r["geom"] for r in content.roads if r["class"] in MINOR_ROADS] + ground
    main = [r["geom"] for r in content.roads if r["class"] in MAIN_ROADS] + \
        [g["geom"] for g in content.ground_lines if g["kind"] != "compound"]
    return [Street(region, footprints, households, frame, lines, main)]


def synthetic_town(preset: str, scale: int) -> list[Street]:
    city = build_city(PRESETS[preset], scale, 1)
    lines = [r.geom for r in city.roads if r.road_class in MINOR_ROADS]
    main = [r.geom for r in city.roads if r.road_class in MAIN_ROADS]
    p = city.preset
    return [Street(s.boundary, [b.geom for b in s.buildings], [b.households for b in s.buildings],
                   city.frame, lines, main, p.grids, p.communities) for s in city.streets]


