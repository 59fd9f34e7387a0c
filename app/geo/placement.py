"""Where to add cameras: from candidate positions (road junctions, building corners), each tried
at several bearings, pick k views that together see the most road no camera sees yet — greedily,
each pick the one adding the most, with its gain. In a metric CRS.

Greedy is the standard answer for this coverage problem (within 1 − 1/e of the best), and since a
view's gain can only shrink as others are picked, gains are recomputed lazily: a view is
re-measured only when it reaches the top of the heap.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import shapely

from .visibility import visible

BEARINGS = tuple(range(0, 360, 45))


@dataclass(frozen=True)
class Suggestion:
    x: float
    y: float
    bearing: float
    fov: float
    range_m: float
    gain_m: float          # road length this camera would see that none sees now (nor earlier picks)
    view: object           # the visibility polygon (metric)


def suggest(blind, candidates: np.ndarray, buildings: list, k: int, fov: float = 90.0,
            range_m: float = 40.0, bearings=BEARINGS, min_gain_m: float = 1.0) -> list[Suggestion]:
    """`blind`: the unseen road (lines, one geometry); `candidates`: rows x, y."""
    if blind is None or blind.is_empty or k <= 0 or not len(candidates):
        return []
    tree = shapely.STRtree(buildings) if len(buildings) else None
    turns = [None] if fov >= 360 else list(bearings)
    views = []
    for x, y in candidates:
        near = [buildings[i] for i in tree.query(shapely.Point(x, y).buffer(range_m))] if tree else []
        for bearing in turns:
            view = visible(x, y, bearing, fov, range_m, near)
            if not view.is_empty:
                views.append((x, y, bearing, view))
    remaining = blind
    heap = [(-shapely.intersection(remaining, v[3]).length, i) for i, v in enumerate(views)]
    heapq.heapify(heap)
    picked: list[Suggestion] = []
    while heap and len(picked) < k:
        stale, i = heapq.heappop(heap)
        gain = shapely.intersection(remaining, views[i][3]).length
        if heap and gain < -heap[0][0] - 1e-9:          # another view may now add more
            heapq.heappush(heap, (-gain, i))
            continue
        if gain < min_gain_m:
            break
        x, y, bearing, view = views[i]
        picked.append(Suggestion(float(x), float(y), 0.0 if bearing is None else float(bearing), fov, range_m,
                                 round(gain, 1), view))
        remaining = shapely.difference(remaining, view)
    return picked
