"""Checks of a division against the field's rules: grids tile their parent with no gap and no
overlap (纵横覆盖、不交叉重叠), and no building is split by a grid line (格不漏户)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import shapely
from pyproj import Geod
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from .crs import MetricFrame

# Below this, a difference in area is floating-point noise, not a gap (m²).
AREA_TOLERANCE_M2 = 0.5
# A division is exact (DESIGN.md): children share their parent's vertices, so in any metric
# projection nothing larger than this lies between them (m²).
EXACT_M2 = 0.01
SEGMENT_DEG = 1e-4              # ~10 m: over this, a geodesic and a straight edge agree


@dataclass(frozen=True)
class CutBuilding:
    building: int                    # index into the buildings given
    shares: dict[int, float]         # part index -> share of the footprint inside it (0..1)


@dataclass(frozen=True)
class CoverageReport:
    gap_m2: float                    # parent area that no part covers
    overlap_m2: float                # area covered by two or more parts
    outside_m2: float                # area of the parts that lies outside the parent, summed
    invalid_edges: BaseGeometry      # edges where parts fail to match (GEOS coverage check)
    cut_buildings: list[CutBuilding]

    @property
    def ok(self) -> bool:
        return (self.gap_m2 <= AREA_TOLERANCE_M2 and self.overlap_m2 <= AREA_TOLERANCE_M2
                and self.outside_m2 <= AREA_TOLERANCE_M2 and self.invalid_edges.is_empty
                and not self.cut_buildings)


def check_division(parent: BaseGeometry, parts: Sequence[BaseGeometry],
                   buildings: Sequence[BaseGeometry], frame: MetricFrame) -> CoverageReport:
    """Geometries in WGS84, compared exactly as stored; what is left over is measured in m²."""
    parts = np.asarray(parts, dtype=object)
    union = shapely.union_all(parts)
    overlaps = _pairwise_overlaps(parts)
    return CoverageReport(
        gap_m2=area_m2(shapely.difference(parent, union), frame),
        overlap_m2=area_m2(overlaps, frame),
        # per part: what any one grid has outside its parent (a union would add its own slivers)
        outside_m2=sum(area_m2(shapely.difference(p, parent), frame) for p in parts),
        invalid_edges=shapely.union_all(shapely.coverage_invalid_edges(parts)),
        cut_buildings=cut_buildings(parts, buildings, frame),
    )


def cut_buildings(parts: Sequence[BaseGeometry], buildings: Sequence[BaseGeometry],
                  frame: MetricFrame, tolerance_m2: float = AREA_TOLERANCE_M2) -> list[CutBuilding]:
    """Buildings that more than one part holds a real piece of, with the share in each."""
    buildings = np.asarray(buildings, dtype=object)
    parts = np.asarray(parts, dtype=object)
    if not len(buildings) or not len(parts):
        return []
    b_idx, p_idx = STRtree(parts).query(buildings, predicate="intersects")
    # most buildings lie wholly in one part and are not cut: that is a prepared test; of the
    # rest, a building whose interior meets one part only is not cut either (touching a line
    # is not a cut); only the others have their pieces measured
    shapely.prepare(parts)
    whole = np.zeros(len(buildings), dtype=bool)
    whole[b_idx[shapely.contains_properly(parts[p_idx], buildings[b_idx])]] = True
    rest = ~whole[b_idx]
    b_idx, p_idx = b_idx[rest], p_idx[rest]
    inner = shapely.relate_pattern(buildings[b_idx], parts[p_idx], "T********")
    b_idx, p_idx = b_idx[inner], p_idx[inner]
    meets = np.bincount(b_idx, minlength=len(buildings))
    several = meets[b_idx] > 1
    b_idx, p_idx = b_idx[several], p_idx[several]
    if not len(b_idx):
        return []
    pieces = shapely.area(frame.to_metric(shapely.intersection(buildings[b_idx], parts[p_idx])))
    found: dict[int, dict[int, float]] = {}
    for b, p, area in zip(b_idx, p_idx, pieces):
        if area > tolerance_m2:
            found.setdefault(int(b), {})[int(p)] = float(area)
    result = []
    for b, areas in found.items():
        if len(areas) > 1:
            total = sum(areas.values())
            result.append(CutBuilding(b, {p: a / total for p, a in areas.items()}))
    return result


def _pairwise_overlaps(parts: np.ndarray) -> BaseGeometry:
    left, right = STRtree(parts).query(parts, predicate="intersects")
    keep = left < right
    return shapely.union_all(shapely.intersection(parts[left[keep]], parts[right[keep]]))


def area_m2(geom: BaseGeometry, frame: MetricFrame) -> float:
    """Geodesic area, as PostGIS's geography measures it. Leftovers of an overlay are slivers
    along long straight edges; projected to UTM those edges bend and the sliver's area is
    inflated, so they are measured on the ellipsoid instead — after cutting edges into short
    pieces, since a stored edge is straight in degrees and a long geodesic bows away from it
    (an 800 m east–west edge by about a centimetre, which over its length is square metres)."""
    polygons = [p for p in shapely.get_parts(shapely.get_parts(geom)) if p.geom_type == "Polygon" and not p.is_empty]
    return sum(abs(_GEOD.geometry_area_perimeter(shapely.segmentize(p, SEGMENT_DEG))[0])
               for p in polygons)


_GEOD = Geod(ellps="WGS84")
M_PER_DEG = 111_320.0


def rough_area_m2(pieces: np.ndarray) -> np.ndarray:
    """Areas on a plane scaled at each piece's mid-latitude: within a few per cent for pieces
    under a kilometre across; NaN for an empty piece."""
    box = shapely.bounds(pieces)
    return shapely.area(pieces) * M_PER_DEG ** 2 * np.cos(np.radians((box[:, 1] + box[:, 3]) / 2))
