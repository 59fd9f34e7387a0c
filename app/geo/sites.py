"""Carving mapped sites (a school's grounds, a hospital, a campus, a park…) out of an area as
special grids (专属网格), before the rest of it is balanced into comprehensive grids.

A site is mapped without regard to the buildings around it: its outline is snapped so that it
cuts none, each building it crosses going wholly to the side that holds most of its footprint
(the outline bends around it). Where two sites overlap, the one given first keeps the ground.
Ground that the sites cut off from the rest with no building on it (the strip between a
school's fence and the road, a corner between two sites) goes to the site it shares most
boundary with: empty pieces are no comprehensive grid's patch, and a grid in scattered pieces
nobody walks. Crumbs under CRUMB_M2 without a building go to whichever side they border most.
A site that keeps less than its least area (and never less than a crumb), or that would leave
the area nothing but itself, is not carved.

The pieces and the rest tile the area exactly (overlays on the division's precision grid).
Geometries come and go in WGS84; areas and lengths are measured in the metric frame.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from .crs import MetricFrame
from .partition import GRID_SIZE, polygonal

CRUMB_M2 = 200.0        # a piece without a building smaller than this goes to its neighbour


@dataclass(frozen=True)
class Carved:
    site: int                   # index into the sites given
    geom: BaseGeometry          # WGS84
    units: tuple[int, ...]      # the units (buildings) it holds
    households: int


@dataclass(frozen=True)
class Carving:
    carved: list[Carved]
    rest: BaseGeometry          # what is left for the comprehensive grids (WGS84; may be empty)
    rest_units: np.ndarray      # the units in it


def carve(region: BaseGeometry, sites: Sequence[BaseGeometry], least_m2: Sequence[float],
          units: Sequence[BaseGeometry], households: Sequence[int], frame: MetricFrame) -> Carving:
    """`sites` in order of precedence, each with the least area it needs (`least_m2`); `units`
    the buildings of the region (geo.partition.atomic_units), none overlapping another."""
    region = shapely.set_precision(region, GRID_SIZE)
    units = np.asarray(units, dtype=object)
    households = np.asarray(households, dtype=int)
    owner = np.full(len(units), -1)             # the carved piece a unit went to
    unit_areas = shapely.area(frame.to_metric(units)) if len(units) else np.empty(0)
    pieces: list[BaseGeometry] = []
    taken: list[int] = []                       # the site of each piece
    for s, (site, least) in enumerate(zip(sites, least_m2)):
        piece = polygonal(shapely.intersection(region, shapely.set_precision(site, GRID_SIZE), grid_size=GRID_SIZE))
        if pieces and not piece.is_empty:
            piece = polygonal(shapely.difference(piece, shapely.union_all(pieces, grid_size=GRID_SIZE),
                                                 grid_size=GRID_SIZE))
        if piece.is_empty:
            continue
        piece, mine = _snapped(piece, units, unit_areas, owner, frame)
        piece = polygonal(shapely.intersection(piece, region, grid_size=GRID_SIZE))
        if piece.is_empty or frame.to_metric(piece).area < max(least, CRUMB_M2):
            continue
        rest = polygonal(shapely.difference(region, shapely.union_all([*pieces, piece], grid_size=GRID_SIZE),
                                            grid_size=GRID_SIZE))
        if frame.to_metric(rest).area < CRUMB_M2:
            continue            # the site is the whole area: it stays one comprehensive grid
        owner[mine] = len(pieces)
        pieces.append(piece)
        taken.append(s)
    if not pieces:
        return Carving([], region, np.arange(len(units)))
    rest = polygonal(shapely.difference(region, shapely.union_all(pieces, grid_size=GRID_SIZE), grid_size=GRID_SIZE))
    pieces, rest = _cut_off_ground(pieces, rest, units, owner, frame)
    pieces, rest = _without_crumbs(pieces, rest, units, owner, frame)
    carved = [Carved(site, geom, tuple(int(u) for u in np.flatnonzero(owner == p)),
                     int(households[owner == p].sum()))
              for p, (site, geom) in enumerate(zip(taken, pieces))]
    return Carving(carved, rest, np.flatnonzero(owner < 0))


def _snapped(piece, units: np.ndarray, unit_areas: np.ndarray, owner: np.ndarray, frame: MetricFrame):
    """The piece with every building it crosses wholly in or out (in: more than half of its
    footprint inside, and no earlier site holding it), and the buildings it then holds."""
    if not len(units):
        return piece, np.empty(0, dtype=int)
    touching = np.flatnonzero(shapely.intersects(units, piece) & (owner < 0))
    inside = shapely.intersection(units[touching], piece, grid_size=GRID_SIZE)
    share = shapely.area(frame.to_metric(inside)) / np.maximum(unit_areas[touching], 1e-9)
    mine = touching[share > 0.5]
    crossing = mine[~shapely.covers(piece, units[mine])]
    # a building of an earlier site, or mostly outside, is cut out of the piece
    outside = np.concatenate([touching[share <= 0.5], np.flatnonzero(shapely.intersects(units, piece) & (owner >= 0))])
    if len(crossing):
        piece = polygonal(shapely.union(piece, shapely.union_all(units[crossing], grid_size=GRID_SIZE),
                                        grid_size=GRID_SIZE))
    if len(outside):
        piece = polygonal(shapely.difference(piece, shapely.union_all(units[outside], grid_size=GRID_SIZE),
                                             grid_size=GRID_SIZE))
    return piece, mine


def _holds(geom, units: np.ndarray, which: np.ndarray) -> bool:
    return bool(len(which)) and bool(shapely.intersects(geom, shapely.point_on_surface(units[which])).any())


def _shared_m(a, b, frame: MetricFrame) -> float:
    if a.is_empty or b.is_empty:
        return 0.0
    common = shapely.intersection(shapely.boundary(a), shapely.boundary(b), grid_size=GRID_SIZE)
    return float(frame.to_metric(common).length) if not common.is_empty else 0.0


def _cut_off_ground(pieces: list, rest, units, owner, frame: MetricFrame) -> tuple[list, BaseGeometry]:
    """Each piece of the rest holding no building goes to the carved piece it shares most
    boundary with — unless no piece of the rest holds one, when the largest stays the rest."""
    parts = [p for p in shapely.get_parts(rest) if not p.is_empty]
    free = np.flatnonzero(owner < 0)
    lived = [_holds(p, units, free) for p in parts]
    if not any(lived) and parts:
        lived[int(np.argmax([frame.to_metric(p).area for p in parts]))] = True
    kept = [p for p, keep in zip(parts, lived) if keep]
    for part in (p for p, keep in zip(parts, lived) if not keep):
        shared = [_shared_m(part, piece, frame) for piece in pieces]
        best = int(np.argmax(shared))
        if shared[best] > 0:
            pieces[best] = polygonal(shapely.union(pieces[best], part, grid_size=GRID_SIZE))
        else:
            kept.append(part)
    return pieces, polygonal(shapely.union_all(kept, grid_size=GRID_SIZE)) if kept else Polygon()


def _without_crumbs(pieces: list, rest, units, owner, frame: MetricFrame) -> tuple[list, BaseGeometry]:
    """Pieces of a carved site smaller than CRUMB_M2 holding none of its buildings (a sliver
    left beside a building taken out) go to the side they share most boundary with."""
    sides = [*pieces, rest]
    for p in range(len(pieces)):
        parts = list(shapely.get_parts(sides[p]))
        if len(parts) < 2:
            continue
        mine = np.flatnonzero(owner == p)
        keep = []
        for part in parts:
            if _holds(part, units, mine) or frame.to_metric(part).area >= CRUMB_M2:
                keep.append(part)
                continue
            shared = [(_shared_m(part, other, frame), o) for o, other in enumerate(sides) if o != p]
            length, o = max(shared, default=(0.0, -1))
            if length > 0:
                sides[o] = polygonal(shapely.union(sides[o], part, grid_size=GRID_SIZE))
            else:
                keep.append(part)
        sides[p] = polygonal(shapely.union_all(keep, grid_size=GRID_SIZE))
    return sides[:-1], sides[-1]


def without_crumbs(grids: Sequence[BaseGeometry], held: Sequence[np.ndarray], frame: MetricFrame) -> list[BaseGeometry]:
    """The grids of an area, carved and balanced, with each piece of a grid smaller than
    CRUMB_M2 that holds none of its buildings (`held`: each grid's unit footprints) given to
    the grid it shares most boundary with: the balancing cuts blocks between buildings, and
    beside a carved site a corner can be left to a grid whose other pieces lie elsewhere. The
    grids still tile the area."""
    grids = list(grids)
    for g, grid in enumerate(grids):
        parts = list(shapely.get_parts(grid))
        if len(parts) < 2:
            continue
        anchors = shapely.point_on_surface(held[g]) if len(held[g]) else np.empty(0, dtype=object)
        keep = []
        for part in parts:
            if (len(anchors) and shapely.intersects(part, anchors).any()) or frame.to_metric(part).area >= CRUMB_M2:
                keep.append(part)
                continue
            shared = [(_shared_m(part, other, frame), o) for o, other in enumerate(grids) if o != g]
            length, o = max(shared, default=(0.0, -1))
            if length > 0:
                grids[o] = polygonal(shapely.union(grids[o], part, grid_size=GRID_SIZE))
            else:
                keep.append(part)
        if len(keep) < len(parts):
            grids[g] = polygonal(shapely.union_all(keep, grid_size=GRID_SIZE))
    return grids
