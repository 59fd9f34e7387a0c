"""How much of a division's grid lines lie on the ground's own lines (DESIGN.md: a division is
judged by how much of its grid-line length lies on roads, rivers, railways and compound
walls): the share of interior boundary length within ON_GROUND_M of such a line.

Interior boundary: lines between two parts. The outer edge of the whole is not counted, it
is the parent's to answer for."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from .crs import MetricFrame

ON_GROUND_M = 10.0
SAMPLE_M = 2.0              # interior lines are measured in pieces this long


@dataclass(frozen=True)
class GroundShare:
    interior_m: float
    on_ground_m: float

    @property
    def share(self) -> float | None:
        return self.on_ground_m / self.interior_m if self.interior_m > 0 else None


def ground_share(parts: Sequence[BaseGeometry], lines: Sequence[BaseGeometry], frame: MetricFrame,
                 within_m: float = ON_GROUND_M) -> GroundShare:
    parts = frame.to_metric(np.asarray(parts, dtype=object))
    if len(parts) < 2:
        return GroundShare(0.0, 0.0)
    every_edge = shapely.union_all(shapely.boundary(parts))
    outer = shapely.boundary(shapely.union_all(parts))
    interior = shapely.difference(every_edge, shapely.buffer(outer, 0.05))
    pieces = [g for g in shapely.get_parts(interior) if g.geom_type == "LineString"]
    if not pieces:
        return GroundShare(0.0, 0.0)
    pieces = shapely.get_parts(shapely.segmentize(np.asarray(pieces, dtype=object), SAMPLE_M))
    xy, owner = shapely.get_coordinates(pieces, return_index=True)
    same = owner[1:] == owner[:-1]
    starts, stops = xy[:-1][same], xy[1:][same]
    lengths = np.hypot(*(stops - starts).T)
    total = float(lengths.sum())
    lines = frame.to_metric(np.asarray(lines, dtype=object))
    if not len(lines):
        return GroundShare(total, 0.0)
    middles = shapely.points((starts + stops) / 2)
    hit, _ = STRtree(lines).query(middles, predicate="dwithin", distance=within_m)
    return GroundShare(total, float(lengths[np.unique(hit)].sum()))
