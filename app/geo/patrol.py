"""Patrol coverage geometry, in a metric CRS: how much of a grid a worker's route reached.
Vectorised Shapely over the route's steps (consecutive fixes), indexed in an STRtree, so a
day of thousands of fixes costs milliseconds — buffering a whole day's tangled route and
intersecting it with the roads took seconds per grid."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from .tracks import pieces

SAMPLE_M = 2.0       # roads are measured at points this far apart


@dataclass(frozen=True)
class Route:
    """A worker's route over the period: its steps and how long each fix lasted."""
    steps: np.ndarray          # LineStrings between consecutive fixes within a piece
    x: np.ndarray
    y: np.ndarray
    lasted_s: np.ndarray       # each fix counts until the next one (0 across a gap, or last)
    walked_m: float


def route(t: np.ndarray, x: np.ndarray, y: np.ndarray, gap_s: float) -> Route:
    ranges = pieces(t, gap_s)
    starts = np.concatenate([np.arange(a, b - 1) for a, b in ranges]) if ranges else np.array([], int)
    starts = starts.astype(int)
    steps = shapely.linestrings(np.stack([np.column_stack([x[starts], y[starts]]),
                                          np.column_stack([x[starts + 1], y[starts + 1]])], axis=1)) \
        if len(starts) else np.array([], dtype=object)
    lasted = np.zeros(len(t))
    lasted[starts] = t[starts + 1] - t[starts]
    return Route(steps, x, y, lasted, float(shapely.length(steps).sum()) if len(steps) else 0.0)


def covered_share(roads, steps: np.ndarray, reach_m: float) -> tuple[float, float]:
    """(road length, length within reach of a step), the roads sampled every SAMPLE_M."""
    parts = [p for p in shapely.get_parts(roads) if p.geom_type == "LineString" and p.length > 0] \
        if roads is not None and not roads.is_empty else []
    total = float(sum(p.length for p in parts))
    if not parts or len(steps) == 0:
        return total, 0.0
    samples, weights = [], []
    for part in parts:
        n = max(int(np.ceil(part.length / SAMPLE_M)), 1)
        samples.append(shapely.line_interpolate_point(part, (np.arange(n) + 0.5) * part.length / n))
        weights.append(np.full(n, part.length / n))
    samples, weights = np.concatenate(samples), np.concatenate(weights)
    near = shapely.STRtree(steps).query(samples, predicate="dwithin", distance=reach_m)[0]
    return total, float(weights[np.unique(near)].sum())


def passed(buildings: np.ndarray, steps: np.ndarray, reach_m: float) -> int:
    if len(buildings) == 0 or len(steps) == 0:
        return 0
    return int(len(np.unique(shapely.STRtree(steps).query(buildings, predicate="dwithin", distance=reach_m)[0])))


def time_inside(area, r: Route) -> tuple[float, float]:
    inside = shapely.contains_xy(area, r.x, r.y) | shapely.intersects_xy(area, r.x, r.y)
    return float(r.lasted_s[inside].sum()), float(r.lasted_s[~inside].sum())
