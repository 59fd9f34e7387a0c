"""Official boundaries brought into line: one level's outlines cleaned into a coverage within a
tolerance, and how the children of an area tile it — what lies under none of them (a gap),
under two (an overlap) or outside the area, each piece with its area and a place.

Two surveys of the same line never agree to the millimetre: an authority's streets and its
communities differ by digitising along every shared edge. Within the tolerance that is noise,
closed by the cleaning (and by fitting the area above to its children, which the caller does);
beyond it, it is a real disagreement, for a person to see."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from .coverage import EXACT_M2
from .crs import MetricFrame
from .partition import CLEAN_MOVE_DEG, GRID_SIZE, clean_coverage


@dataclass(frozen=True)
class Mismatch:
    kind: str                       # gap | overlap | outside
    parts: tuple[str, ...]          # the children concerned, by code (none for a gap)
    area_m2: float
    at: tuple[float, float]         # a point inside the piece, lon and lat
    narrow: bool                    # narrower than the tolerance: a sliver of two surveys


@dataclass(frozen=True)
class Tiling:
    mismatches: list[Mismatch]      # every piece of EXACT_M2 or more
    fits: bool                      # no overlap, every other piece narrower than the tolerance,
                                    # and each gap along the area's edge (a slit inside stays one)


def clean_level(outlines: Sequence[BaseGeometry], frame: MetricFrame,
                tolerance_m: float) -> tuple[list[BaseGeometry], np.ndarray]:
    """The outlines (WGS84) made one coverage in metres: gaps narrower than the tolerance
    closed, overlaps given to one side, shared edges matched vertex for vertex. Vertices are
    snapped only as close as GEOS needs (snapping at the tolerance would also fold a wall's
    half-metre step out of every outline). An outline the cleaning would move further than the
    tolerance (a real overlap, or a part lost) keeps its shape, for the mismatches to show.

    GEOS closes only the gaps the coverage encloses, and a slit between two neighbours that
    runs out to the edge of the whole is open to the outside: so the outside, drawn around the
    whole with every inlet narrower than the tolerance closed, takes part as one more polygon.
    It is made from the file alone, so the same file is always cleaned the same way.
    Returns the outlines and how far each moved (m)."""
    metric = frame.to_metric(np.asarray(outlines, dtype=object))
    coverage = metric
    if tolerance_m > 0:
        half = tolerance_m / 2
        whole = shapely.buffer(shapely.buffer(shapely.union_all(metric), half, join_style="mitre",
                                              mitre_limit=100), -half, join_style="mitre", mitre_limit=100)
        reach = shapely.buffer(shapely.envelope(whole), 10 * tolerance_m, join_style="mitre")
        coverage = np.append(metric, shapely.difference(reach, whole))
    cleaned = shapely.coverage_clean(coverage, gap_width=tolerance_m)[:len(metric)]
    moved = shapely.hausdorff_distance(cleaned, metric)
    kept = (moved <= tolerance_m) & ~shapely.is_empty(cleaned)
    result = frame.to_wgs84(np.where(kept, cleaned, metric))
    # back in degrees, shared edges are made to match vertex for vertex (as the divider's are)
    fitted = clean_coverage([shapely.set_precision(g, GRID_SIZE) for g in result])
    return fitted, np.where(kept, moved, 0.0)


def take_neighbours_vertices(outlines: Sequence[BaseGeometry], movable: Sequence[bool]) -> list[BaseGeometry]:
    """The movable outlines (WGS84) take the vertices their neighbours have within a centimetre
    of their edges. An area fitted to its children has their vertices on its edges, and along a
    kilometre an edge straight in degrees and one through a vertex put there in metres are
    centimetres apart: the neighbour left as it was would meet it with a sliver."""
    outlines = np.asarray(outlines, dtype=object)
    result = list(outlines)
    if len(outlines) < 2:
        return result
    left, right = STRtree(outlines).query(outlines, predicate="dwithin", distance=CLEAN_MOVE_DEG)
    for i in np.flatnonzero(movable):
        others = right[(left == i) & (right != i)]
        if len(others):
            reference = shapely.multipoints(shapely.get_coordinates(outlines[others]))
            snapped = shapely.snap(outlines[i], reference, CLEAN_MOVE_DEG)
            result[i] = snapped if snapped.is_valid else outlines[i]
    return result


def tiling(area: BaseGeometry, children: Sequence[tuple[str, BaseGeometry]], frame: MetricFrame,
           tolerance_m: float) -> Tiling:
    """How the children (code, WGS84 outline) tile the area, overlaid in metres."""
    codes = [code for code, _ in children]
    shapes = frame.to_metric(np.array([geom for _, geom in children], dtype=object))
    outline = frame.to_metric(area)
    found: list[Mismatch] = []
    left, right = STRtree(shapes).query(shapes, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    inner = shapely.relate_pattern(shapes[left], shapes[right], "T********")
    for a, b in zip(left[inner], right[inner]):
        for piece in _pieces(shapely.intersection(shapes[a], shapes[b])):
            found.append(_mismatch("overlap", (codes[a], codes[b]), piece, frame, tolerance_m))
    overlaps, slits = bool(found), False
    edge = shapely.buffer(shapely.boundary(outline), 0.01)
    for piece in _pieces(shapely.difference(outline, shapely.union_all(shapes))):
        found.append(_mismatch("gap", (), piece, frame, tolerance_m))
        # a gap that does not lie along the area's edge is a slit between children: taken out
        # of the area, it would cut it
        slits |= shapely.intersection(piece.boundary, edge).length < 0.4 * piece.length
    for code, shape in zip(codes, shapes):
        for piece in _pieces(shapely.difference(shape, outline)):
            found.append(_mismatch("outside", (code,), piece, frame, tolerance_m))
    return Tiling(found, not overlaps and not slits and all(m.narrow for m in found))


def _pieces(geom: BaseGeometry) -> list[BaseGeometry]:
    parts = shapely.get_parts(shapely.get_parts(geom))
    return [p for p in parts if p.geom_type == "Polygon" and p.area >= EXACT_M2]


def _mismatch(kind: str, parts: tuple[str, ...], piece: BaseGeometry, frame: MetricFrame,
              tolerance_m: float) -> Mismatch:
    # the middle of its widest part: a strip and the hair-thin sliver it runs on into are one
    # piece, and a point on the surface may fall in the sliver
    at = frame.to_wgs84(shapely.get_point(shapely.maximum_inscribed_circle(piece), 0))
    return Mismatch(kind, parts, round(float(piece.area), 2), (round(at.x, 7), round(at.y, 7)),
                    shapely.buffer(piece, -tolerance_m / 2).is_empty)
