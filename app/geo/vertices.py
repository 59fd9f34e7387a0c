"""A parent that takes the vertices its children have on its outline (DESIGN.md: coverage is
exact, shared vertices).

A division drawn inside an outline made before it (a community drawn by hand, imported, or
cut before blocks existed) meets that outline part-way along its edges: a road reaches the
community's edge between two of its corners, and the grid line along it ends there. In
degrees the new vertex lies on the edge; measured in metres (any projection, and on the
ellipsoid) an edge straight in degrees bows, so the grids and the community leave slivers
between them, square metres along a kilometre's edge. Moving the grid's vertex would take
the line off its road; the parent takes the vertex instead, as filing a plan does, and so
does every other outline that runs along that edge (the neighbouring community, the street,
the grids beyond), and the plan check measures the parent as filing will leave it.

Only a vertex on the children's outer edge counts: a grid line that bends around a building
a few millimetres inside the community is not on its outline, and taking that vertex would
pull the community in."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .partition import GRID_SIZE

# A child's vertex this close to its parent's edge lies on it (degrees; ~0.2 mm): twice the
# precision division lines are cut and stored at. A vertex put on the edge as the city's
# metric frame draws it (partition.end_cuts_at_vertices, plan_edits.onto_parent) lies
# farther off, centimetres along a long edge, and is exact in that frame as it is: taking it
# would bend the parent away from its other children.
ON_OUTLINE_DEG = 2 * GRID_SIZE


def outline_vertices(outline: BaseGeometry, children: Sequence[BaseGeometry], lacking: bool = False) -> np.ndarray:
    """The children's vertices (x, y rows, WGS84) that lie on the parent's outline: within
    ON_OUTLINE_DEG of it and on the outer edge of the children together; with `lacking`, only
    those the outline does not have yet (none, for a division stored with shared vertices)."""
    children = np.asarray([c for c in children if c is not None and not c.is_empty], dtype=object)
    if not len(children) or outline is None or outline.is_empty:
        return np.empty((0, 2))
    xy = np.unique(shapely.get_coordinates(children), axis=0)
    if lacking:
        own = np.unique(shapely.get_coordinates(outline), axis=0)
        xy = xy[~_rows_in(xy, own)]
    points = shapely.points(xy)
    near = shapely.dwithin(points, shapely.boundary(outline), ON_OUTLINE_DEG)
    if not near.any():
        return np.empty((0, 2))
    valid = shapely.is_valid(children)
    together = shapely.union_all(np.where(valid, children, shapely.make_valid(children)), grid_size=GRID_SIZE)
    outer = shapely.dwithin(points[near], shapely.boundary(together), 2 * GRID_SIZE)
    return xy[near][outer]


def _rows_in(rows: np.ndarray, among: np.ndarray) -> np.ndarray:
    """For each (x, y) row, whether it is one of `among`'s, exactly."""
    if not len(among):
        return np.zeros(len(rows), dtype=bool)
    kind = np.dtype([("x", float), ("y", float)])
    return np.isin(np.ascontiguousarray(rows).view(kind).ravel(), np.ascontiguousarray(among).view(kind).ravel())


def take_vertices(outlines: Sequence[BaseGeometry], vertices: np.ndarray) -> list[BaseGeometry]:
    """Each outline with those of `vertices` that lie within ON_OUTLINE_DEG of its edges made
    vertices of it (GEOS's snapping: an edge passing that close takes the vertex, a corner that
    close moves onto it). An outline that would come out invalid, or that no vertex is near,
    stays as it is."""
    outlines = list(outlines)
    vertices = np.asarray(vertices, dtype=float).reshape(-1, 2)
    if not len(vertices):
        return outlines
    points = shapely.points(vertices)
    tree = shapely.STRtree(points)
    result = []
    for outline in outlines:
        if outline is None or outline.is_empty:
            result.append(outline)
            continue
        near = tree.query(shapely.boundary(outline), predicate="dwithin", distance=ON_OUTLINE_DEG)
        if not len(near):
            result.append(outline)
            continue
        snapped = shapely.snap(outline, shapely.multipoints(vertices[near]), ON_OUTLINE_DEG)
        result.append(snapped if snapped.is_valid and not snapped.is_empty else outline)
    return result


def shared_vertices(outline: BaseGeometry, children: Sequence[BaseGeometry],
                    staying: Sequence[BaseGeometry] = ()) -> np.ndarray:
    """The children's vertices on the parent's outline that the parent takes when they are
    filed (those it lacks): those that every child along that edge can take too
    (geo.take_vertices), and every outline that stays as it is (`staying`: stored grids) already
    has."""
    on_outline = outline_vertices(outline, children, lacking=True)
    if not len(on_outline):
        return on_outline
    taken = take_vertices(children, on_outline)
    return on_outline[~lacked_by(on_outline, [*taken, *staying], shapely.boundary(outline))]


def lacked_by(vertices: np.ndarray, outlines: Sequence[BaseGeometry], along: BaseGeometry) -> np.ndarray:
    """For each vertex, whether one of the outlines has an edge running along `along` (the
    parents' edges) that passes within ON_OUTLINE_DEG of it without ending at it: an outline
    that lacks it there, and cannot be given it. (An edge that only touches the parents' edge
    at the vertex — a courtyard pinched to it — is not along it.)"""
    vertices = np.asarray(vertices, dtype=float).reshape(-1, 2)
    lacking = np.zeros(len(vertices), dtype=bool)
    outlines = np.asarray(outlines, dtype=object)
    if not len(vertices) or not len(outlines):
        return lacking
    near, owner = shapely.STRtree(shapely.boundary(outlines)).query(
        shapely.points(vertices), predicate="dwithin", distance=ON_OUTLINE_DEG)
    for v, o in zip(near, owner):
        if not lacking[v]:
            lacking[v] = _passed_by(vertices[v], outlines[o], along)
    return lacking


def _passed_by(xy: np.ndarray, outline: BaseGeometry, along: BaseGeometry) -> bool:
    for ring in shapely.get_rings(shapely.get_parts(outline)):
        coords = shapely.get_coordinates(ring)
        a, b = coords[:-1], coords[1:]
        ends = (a == xy).all(axis=1) | (b == xy).all(axis=1)
        ab, ap = b - a, xy - a
        t = np.einsum("ij,ij->i", ap, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-30)
        gap = np.hypot(*(a + t[:, None] * ab - xy).T)
        # an edge that runs past it without ending there (one ending a hair from it still
        # runs past: a vertex the parent took there would bend its edge away from it)
        passing = np.flatnonzero((gap <= ON_OUTLINE_DEG) & (t > 0) & (t < 1) & ~ends)
        if len(passing) and shapely.dwithin(shapely.points((a[passing] + b[passing]) / 2), along,
                                            ON_OUTLINE_DEG).any():
            return True
    return False
