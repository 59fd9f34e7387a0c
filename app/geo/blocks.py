"""Blocks: the pieces of ground that the lines a worker can see (roads, railways, rivers, shores,
compound outlines) cut an area into, and which of them touch along which line.

A grid made of whole blocks has its boundary on those lines (DESIGN.md: grids follow the
ground). A block holding more households than one grid may is cut between its buildings by
the bisection of geo.partition, the one place a boundary leaves the lines.

Geometries are cut in WGS84 on the division's precision grid (a block keeps the region's own
vertices, so blocks tile the region exactly); lengths and centres are measured in the metric
frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from .crs import MetricFrame
from .partition import GRID_SIZE, divide, part_count

MIN_SHARED_M = 5.0      # blocks that meet along less than this are not neighbours (a corner)
CRUMB_M2 = 200.0        # an empty block smaller than this is part of the road
ON_LINE_M = 1.0         # a shared edge whose middle lies this close to a line runs along it


@dataclass
class BlockGraph:
    """Blocks, the buildings (units) each holds, and their adjacency.

    `edges` are rows (a, b) with a < b; `shared_m` the length of boundary they share, and
    `on_line`/`on_main` whether that boundary runs along a line (any) or a main road."""
    blocks: np.ndarray              # WGS84 polygons
    metric: np.ndarray              # the same in the metric frame
    owner: np.ndarray               # for each unit, the block it belongs to
    households: np.ndarray          # per block
    centres: np.ndarray             # per block, metric (x, y)
    areas: np.ndarray               # per block, m²
    edges: np.ndarray
    shared_m: np.ndarray
    on_line: np.ndarray
    on_main: np.ndarray

    def neighbours(self) -> list[list[tuple[int, int]]]:
        """For each block, (neighbour, edge index) pairs."""
        adjacent: list[list[tuple[int, int]]] = [[] for _ in range(len(self.blocks))]
        for k, (a, b) in enumerate(self.edges):
            adjacent[a].append((int(b), k))
            adjacent[b].append((int(a), k))
        return adjacent


def cut_into_blocks(region: BaseGeometry, lines: Sequence[BaseGeometry]) -> np.ndarray:
    """The faces that the lines cut the region into; together they are the region, exactly.
    A line that ends in the open (a dead end) cuts nothing."""
    region = shapely.set_precision(region, GRID_SIZE)
    lines = np.asarray(lines, dtype=object)
    if len(lines):
        lines = lines[shapely.intersects(lines, region)]
    clipped = shapely.intersection(lines, region, grid_size=GRID_SIZE) if len(lines) else lines
    linear = [g for g in shapely.get_parts(clipped) if g.geom_type in ("LineString", "LinearRing")]
    noded = shapely.union_all([shapely.boundary(region), *linear], grid_size=GRID_SIZE)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    if not len(faces):
        return np.array([region], dtype=object)
    # polygonize also fills the region's holes, which are not the region's
    return faces[shapely.contains(region, shapely.point_on_surface(faces))]


def build_graph(region: BaseGeometry, units: Sequence[BaseGeometry], households: Sequence[int],
                frame: MetricFrame, lines: Sequence[BaseGeometry], main_lines: Sequence[BaseGeometry] = (),
                bounds: tuple[int, int] | None = None, largest: float | None = None) -> BlockGraph:
    """Blocks of the region with their buildings; with `bounds`, a block holding more
    households than `largest` (by default, than a part may) is first cut between its
    buildings into parts inside them."""
    units = np.asarray(units, dtype=object)
    households = np.asarray(households, dtype=int)
    faces = cut_into_blocks(region, lines)
    owner = _owners(faces, units)
    if bounds is not None:
        faces, owner = _split_big(faces, owner, units, households, frame, lines, bounds,
                                  largest or bounds[1])
        faces = shapely.get_parts(faces)        # a cut block can come in pieces
        owner = _owners(faces, units)
    faces = _absorb_crumbs(faces, owner, frame)
    owner = _owners(faces, units)
    metric = frame.to_metric(faces)
    block_households = np.bincount(owner, weights=households, minlength=len(faces)).astype(int) \
        if len(units) else np.zeros(len(faces), dtype=int)
    edges, shared, between = _adjacency(metric)
    on_line = _runs_along(between, frame.to_metric(np.asarray(lines, dtype=object)))
    on_main = _runs_along(between, frame.to_metric(np.asarray(main_lines, dtype=object)))
    return BlockGraph(faces, metric, owner, block_households,
                      shapely.get_coordinates(shapely.centroid(metric)), shapely.area(metric),
                      edges, shared, on_line, on_main)


def _owners(faces: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Each unit belongs to the block its point on surface lies in (a building a line crosses
    still goes whole to one block)."""
    if not len(units):
        return np.empty(0, dtype=int)
    anchors = shapely.point_on_surface(units)
    tree = STRtree(faces)
    owner = np.full(len(units), -1)
    unit_index, face_index = tree.query(anchors, predicate="intersects")
    owner[unit_index[::-1]] = face_index[::-1]      # the first hit wins
    lost = np.flatnonzero(owner < 0)
    if len(lost):
        owner[lost] = tree.query_nearest(anchors[lost], all_matches=False)[1]
    return owner


def _split_big(faces, owner, units, households, frame, lines, bounds, largest):
    """Blocks over `largest` households cut by bisection into parts under it."""
    low, high = bounds
    new_faces, new_owner = [], np.array(owner)
    for f, face in enumerate(faces):
        members = np.flatnonzero(owner == f)
        total = int(households[members].sum())
        if total <= largest or (members.size < 2):
            new_faces.append(face)
            new_owner[members] = len(new_faces) - 1
            continue
        near = [line for line in lines if shapely.intersects(line, face)]
        count = max(part_count(total, low, high), math.ceil(total / largest))
        parts = divide(face, units[members], households[members], min(count, members.size), frame,
                       near, bounds if count == part_count(total, low, high) else None, snap_ends=False,
                       squarer=False)     # its pieces are regrouped; the grids are squared after
        for part in parts:
            new_faces.append(part.geom)
            new_owner[members[list(part.units)]] = len(new_faces) - 1
    return np.array(new_faces, dtype=object), new_owner


def _absorb_crumbs(faces: np.ndarray, owner: np.ndarray, frame: MetricFrame) -> np.ndarray:
    """Traffic islands and the corners between crossing roads hold nobody and would be grids'
    stray pieces: each goes to the neighbour it shares most boundary with, as does a block
    that meets its neighbours only at corners."""
    metric = frame.to_metric(faces)
    left, right, between = _shared_boundaries(metric)
    left, right = np.concatenate([left, right]), np.concatenate([right, left])    # both ways
    shared = np.tile(shapely.length(between), 2)
    occupied = np.zeros(len(faces), dtype=bool)
    occupied[owner] = True
    best_shared = np.zeros(len(faces))
    np.maximum.at(best_shared, left, shared)
    small = (shapely.area(metric) < CRUMB_M2) & ~occupied
    stray = best_shared < MIN_SHARED_M
    into = np.arange(len(faces))
    for f in np.flatnonzero((small | stray) & (best_shared > 0)):
        mine = left == f
        candidates, lengths = right[mine], shared[mine]
        into[f] = candidates[np.argmax(lengths)]

    def root(f: int) -> int:
        seen = set()
        while into[f] != f and f not in seen:
            seen.add(f)
            f = into[f]
        return min(seen | {f})      # two crumbs pointing at each other are one

    roots = np.array([root(f) for f in range(len(faces))])
    merged = [shapely.union_all(faces[roots == r], grid_size=GRID_SIZE) for r in np.unique(roots)]
    return shapely.get_parts(np.array(merged, dtype=object))


def _shared_boundaries(metric: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of blocks (a < b) that meet, and the boundary each pair shares."""
    left, right = STRtree(metric).query(metric, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    return left, right, shapely.intersection(shapely.boundary(metric[left]), shapely.boundary(metric[right]))


def _adjacency(metric: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Neighbours (blocks meeting along MIN_SHARED_M or more): edges, lengths, boundaries."""
    left, right, between = _shared_boundaries(metric)
    shared = shapely.length(between)
    touching = shared > MIN_SHARED_M
    edges = np.column_stack([left[touching], right[touching]]).astype(int)
    return (edges if len(edges) else np.empty((0, 2), dtype=int)), shared[touching], between[touching]


def _runs_along(shared: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Whether each boundary two blocks share runs along one of the lines (sampled at its
    quarter points: a shared boundary is often a road with a bend)."""
    if not len(shared) or not len(lines):
        return np.zeros(len(shared), dtype=bool)
    tree = STRtree(lines)
    near = np.ones(len(shared), dtype=bool)
    for at in (0.25, 0.5, 0.75):
        points = shapely.line_interpolate_point(shapely.line_merge(shared), at, normalized=True)
        hit = np.zeros(len(shared), dtype=bool)
        index, _ = tree.query(points, predicate="dwithin", distance=ON_LINE_M)
        hit[index] = True
        near &= hit
    return near
