"""Streets that follow a town's own boundaries (its quarters, admin level 9 or 10): each
boundary clipped to the ground being divided, the ground none of them holds given to the
neighbours around it, and every building wholly in one street.

Geometries come and go in WGS84, like geo.partition's; shared boundaries are measured in a
metric frame."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from .crs import MetricFrame
from .partition import GRID_SIZE, polygonal


def street_outlines(region: BaseGeometry, places: Sequence[BaseGeometry], units: Sequence[BaseGeometry],
                    frame: MetricFrame) -> list[BaseGeometry]:
    """One outline for each of `places`, together tiling `region`.

    A place keeps its piece of the region that holds most of the buildings (`units`: groups of
    footprints that must stay together, geo.partition.atomic_units); its other pieces, and the
    ground no place holds (a quarter the extract cut off, a neighbouring town), go to the
    neighbour they share most boundary with. Then a building the boundary crosses goes wholly
    to the street that holds its point on surface, and the line bends around it."""
    region = shapely.set_precision(region, GRID_SIZE)
    units = np.asarray(units, dtype=object)
    pieces, owner = _pieces(region, places)
    centres = shapely.point_on_surface(units)
    held = np.zeros(len(pieces), dtype=int)
    _, holder = STRtree(pieces).query(centres, predicate="within")
    np.add.at(held, holder, 1)
    anchored = np.zeros(len(pieces), dtype=bool)
    for place in range(len(places)):
        mine = np.flatnonzero(owner == place)
        if len(mine):
            anchored[mine[np.lexsort((-shapely.area(pieces[mine]), -held[mine]))[0]]] = True
    owner = _absorbed(pieces, owner, anchored, frame)
    streets = [shapely.union_all(pieces[owner == place], grid_size=GRID_SIZE) for place in range(len(places))]
    return _around_buildings(streets, units, centres)


def _pieces(region: BaseGeometry, places: Sequence[BaseGeometry]) -> tuple[np.ndarray, np.ndarray]:
    """The region cut by the places' outlines: (polygons, the place each lies in, or -1). Where
    two places overlap (a suburb drawn over its neighbour), the first keeps the overlap."""
    pieces, owner, taken = [], [], Polygon()
    for index, place in enumerate(places):
        own = polygonal(shapely.intersection(region, shapely.difference(place, taken, grid_size=GRID_SIZE),
                                             grid_size=GRID_SIZE))
        taken = shapely.union(taken, place, grid_size=GRID_SIZE)
        parts = shapely.get_parts(own)
        pieces += list(parts)
        owner += [index] * len(parts)
    rest = shapely.get_parts(polygonal(shapely.difference(region, taken, grid_size=GRID_SIZE)))
    return np.array(pieces + list(rest), dtype=object), np.array(owner + [-1] * len(rest), dtype=int)


def _absorbed(pieces: np.ndarray, owner: np.ndarray, anchored: np.ndarray, frame: MetricFrame) -> np.ndarray:
    """The owner of every piece once each piece that is not anchored has joined the neighbour
    it shares most boundary with (working outwards from the anchored ones); a piece that meets
    none joins the nearest."""
    owner = np.where(anchored, owner, -1)
    metric = frame.to_metric(pieces)
    left, right = STRtree(metric).query(metric, predicate="intersects")
    keep = left != right
    left, right = left[keep], right[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(metric[left]), shapely.boundary(metric[right])))
    while (owner < 0).any():
        settled = owner[right] >= 0
        waiting = (owner[left] < 0) & settled & (shared > 0)
        if not waiting.any():
            break
        for piece in np.unique(left[waiting]):
            mine = waiting & (left == piece)
            owner[piece] = owner[right[mine][np.argmax(shared[mine])]]
    for piece in np.flatnonzero(owner < 0):
        settled = np.flatnonzero(owner >= 0)
        owner[piece] = owner[settled[np.argmin(shapely.distance(metric[settled], metric[piece]))]]
    return owner


def _around_buildings(streets: list[BaseGeometry], units: np.ndarray, centres: np.ndarray) -> list[BaseGeometry]:
    """Each unit a street line crosses goes wholly to the street holding its point on surface."""
    streets = np.array(streets, dtype=object)
    tree = STRtree(streets)
    home = dict(zip(*tree.query(centres, predicate="within")))
    unit_at, touched = tree.query(units, predicate="intersects")
    shapely.prepare(streets)
    crossed = np.unique(unit_at[~shapely.contains_properly(streets[touched], units[unit_at])])
    for unit in crossed:
        around = touched[unit_at == unit]
        own = home.get(unit, around[0])         # its point exactly on a line: either side
        for street in around:
            change = shapely.union if street == own else shapely.difference
            streets[street] = polygonal(change(streets[street], units[unit], grid_size=GRID_SIZE))
    return list(streets)
