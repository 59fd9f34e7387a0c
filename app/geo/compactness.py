"""How compact a grid is: a worker's patch should be walkable from its middle, so no grid is
more than ELONGATED times longer than wide — unless one of its own blocks already is (a strip
between a river and a road cannot be made squarer without cutting it off the ground's lines).

A grid's own blocks are its ground cut by the roads, railways and rivers that cross it;
crumbs (traffic islands, the corners between crossing roads) are not blocks."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .blocks import CRUMB_M2, cut_into_blocks
from .crs import MetricFrame

ELONGATED = 3.0
VISIBLE_M = 1.0


def elongation(metric_geom) -> float:
    """Length over width of the smallest rectangle around a shape, as seen on the ground: a
    strip narrower than VISIBLE_M (a road traced along a community's edge leaves one a few
    millimetres wide, drawn under the edge itself) is not part of its length."""
    opened = shapely.buffer(shapely.buffer(metric_geom, -VISIBLE_M / 2), VISIBLE_M / 2)
    rect = shapely.get_coordinates(shapely.minimum_rotated_rectangle(opened if not opened.is_empty else metric_geom))
    sides = np.hypot(*np.diff(rect[:3], axis=0).T)
    return float(sides.max() / sides.min()) if sides.min() > 0 else math.inf


def allowed(metric_blocks: Sequence[BaseGeometry]) -> float:
    """How elongated a grid made of these blocks may be."""
    real = [b for b in metric_blocks if shapely.area(b) >= CRUMB_M2]
    return max([ELONGATED, *(elongation(b) for b in real)])


def too_elongated(grids: Sequence[BaseGeometry], region: BaseGeometry, lines: Sequence[BaseGeometry],
                  frame: MetricFrame) -> list[float | None]:
    """For each grid (WGS84) of the region, its length over width when that is more than
    ELONGATED and than each block of the ground it lies on; None when it is compact enough."""
    grids = np.asarray(grids, dtype=object)
    metric = frame.to_metric(grids)
    ratios = [elongation(m) if not m.is_empty else 0.0 for m in metric]
    if not any(r > ELONGATED for r in ratios):
        return [None] * len(grids)
    blocks = frame.to_metric(cut_into_blocks(region, lines))
    block_ratios = np.array([elongation(b) for b in blocks])
    tree = shapely.STRtree(blocks)
    found = []
    for m, ratio in zip(metric, ratios):
        if ratio <= ELONGATED:
            found.append(None)
            continue
        grid_i, block_i = tree.query([m], predicate="intersects")
        # the blocks it really lies on, not those it touches along a road
        on = block_i[shapely.area(shapely.intersection(blocks[block_i], m)) >= CRUMB_M2]
        found.append(ratio if ratio > max(ELONGATED, *block_ratios[on]) else None)
    return found
