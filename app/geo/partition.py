"""Dividing an area into parts with balanced households, without cutting a building.

The method is recursive bisection. A region that must become n parts is cut by a straight line
across its long axis into two regions of ⌊n/2⌋ and ⌈n/2⌉ parts, at the position that
best balances households, preferring positions that cross few buildings and run along a road.
A cut that would leave a strip (a side more than compactness.ELONGATED times longer than wide
for each part it is still to become: households crowded at one end put a thin slice there) is
turned a quarter or an eighth of a turn, if a turned cut balances as well.
Buildings are never cut: every building goes wholly to the side its centre lies on, and the
cut line bends around it. One side is computed and the other is its exact complement,
so the parts tile the region with no gap and no overlap.

Geometries come and go in WGS84 (stored coordinates are kept exactly, so a building lies
exactly inside its part); distances and projections are measured in a metric frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from .crs import MetricFrame

# Overlay precision in degrees (~0.1 mm): keeps GEOS robust without moving the 1e-7° OSM grid.
GRID_SIZE = 1e-9
# How far a cut may drift from the ideal household split, in quotas (one quota = one part's
# share): beyond this the balance matters more than a tidy line.
MAX_DRIFT = 0.45
CROSSING_PENALTY = 0.25     # per building the straight cut line would pass through
ROAD_BONUS = 0.6            # for a cut that runs along a road for most of the region's width
ROAD_SNAP_M = 12.0          # a road this close to the cut line counts as "along"
LOOKAHEAD = 24              # how many of the best cuts are checked for a balanced next cut
TURNS = (0.0, 0.5, 0.25, 0.75)  # cut directions tried, in half-turns from across the long axis


@dataclass(frozen=True)
class Part:
    geom: BaseGeometry          # Polygon or MultiPolygon, WGS84
    units: tuple[int, ...]      # indexes into the units given to divide()
    households: int


def part_count(households: int, low: int, high: int) -> int:
    """How many parts put every part inside [low, high] households, aiming at the middle;
    when no count can (too few households), the closest achievable."""
    if households <= high:
        return 1
    fewest, most = math.ceil(households / high), max(1, households // low)
    if fewest > most:
        return fewest
    ideal = round(households / ((low + high) / 2))
    return min(max(ideal, fewest), most)


def share_out(total: int, weights: Sequence[float]) -> list[int]:
    """Split an integer total in proportion to weights (largest remainder), each share ≥ 1."""
    k = len(weights)
    if total < k:
        raise ValueError(f"cannot give {k} areas at least one part each out of {total}")
    weight_sum = float(sum(weights)) or float(k)
    raw = [(w if sum(weights) else 1.0) / weight_sum * (total - k) for w in weights]
    shares = [1 + math.floor(r) for r in raw]
    by_remainder = sorted(range(k), key=lambda i: raw[i] - math.floor(raw[i]), reverse=True)
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def atomic_units(footprints: Sequence[BaseGeometry]) -> list[list[int]]:
    """Groups of footprints whose interiors overlap (a tower on a podium, a mapping error):
    each group must stay in one part, or the overlap would be cut."""
    footprints = np.asarray(footprints, dtype=object)
    parent = list(range(len(footprints)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if len(footprints):
        left, right = STRtree(footprints).query(footprints, predicate="intersects")
        keep = left < right
        left, right = left[keep], right[keep]
        interiors_meet = shapely.relate_pattern(footprints[left], footprints[right], "T********")
        for a, b in zip(left[interiors_meet], right[interiors_meet]):
            parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for i in range(len(footprints)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def divide(region: BaseGeometry, units: Sequence[BaseGeometry], households: Sequence[int],
           n: int, frame: MetricFrame, guides: Sequence[BaseGeometry] = (),
           bounds: tuple[int, int] | None = None, snap_ends: bool = True, squarer: bool = True) -> list[Part]:
    """Cut `region` into `n` parts. `units` must lie inside the region and not overlap each
    other (see atomic_units); `guides` are roads the cuts should follow. With `bounds`
    (households per part, low–high), a cut must leave each side able to average inside them:
    balance within the range comes before a tidy line. Without `snap_ends`, cut lines end where
    they meet the region's edge (its neighbours then take those vertices when made one
    coverage), and the parts are exactly the region. With `squarer`, a cut that would leave a
    strip (more than compactness.ELONGATED times longer than wide per part still to come) is
    turned until it does not, if a turned one balances as well."""
    if n < 1:
        raise ValueError("a region is divided into at least one part")
    # Everything on one precision grid, so that shared edges have identical vertices.
    region = shapely.set_precision(region, GRID_SIZE)
    units = shapely.set_precision(np.asarray(units, dtype=object), GRID_SIZE)
    weights = np.asarray(households, dtype=float)
    metric = frame.to_metric(units) if len(units) else units
    if weights.sum() <= 0 and len(units):
        weights = shapely.area(metric)  # nobody lives here: balance built-up area instead
    coords, owner = shapely.get_coordinates(metric, return_index=True) if len(units) else (
        np.empty((0, 2)), np.empty(0, dtype=int))
    centres = shapely.get_coordinates(shapely.point_on_surface(metric)) if len(units) else coords
    context = _Context(frame, units, weights, np.asarray(households), coords, owner, centres,
                       _guide_segments(frame, guides),
                       bounds if bounds and np.asarray(households).sum() > 0 else None,
                       squarer)
    parts: list[Part] = []
    context.bisect(region, np.arange(len(units)), n, parts)
    geoms = match_vertices([p.geom for p in parts])
    if snap_ends:
        geoms = end_cuts_at_vertices(region, geoms, [context.units[list(p.units)] for p in parts], frame)
    return [Part(g, p.units, p.households) for g, p in zip(geoms, parts)]


# A building corner on the region's edge is where a cut ends most often: put on the metric
# edge, it stays with its building to this much (~2 cm), as it lies on the region's edge.
CHORD_SLACK_DEG = 2e-7
END_SNAP_M = 150.0      # how far along the region's edge a cut's end may move to its vertex


def end_cuts_at_vertices(region: BaseGeometry, parts: Sequence[BaseGeometry],
                         units: Sequence[np.ndarray], frame: MetricFrame,
                         only_along: BaseGeometry | None = None) -> list[BaseGeometry]:
    """Parts whose cut lines end on the region's own vertices, where one lies near.

    A cut that ends part-way along an edge of the region adds a vertex there that the region
    lacks: straight in degrees, the edge bows in any projection (and on the ellipsoid), so
    measured there the parts leave slivers against the region (a hundredth of a square metre
    at a 100 m edge, square metres at a kilometre's). Each such end moves to the nearer end of
    its edge if that lies within END_SNAP_M (else to the farther), the same in every part
    holding it, unless that would leave a part invalid or a building outside its part. An end
    no corner takes is put on the edge as drawn straight in the metric frame (the city's UTM
    zone, where divisions are measured): the parts then meet the region there to a rounding,
    though not vertex for vertex — only a parent that takes the vertex (as generation does,
    division.fit_levels, and filing a plan, planning.filing) is exact in every frame.
    `only_along`: only the ends lying on these lines move (the edges of grids that cannot take
    a vertex), the others stay where they are for the region to take."""
    parts = list(parts)
    if len(parts) < 2:
        return parts
    rings = shapely.get_rings(shapely.get_parts(region))
    ends = [shapely.get_coordinates(r) for r in rings]
    starts = np.vstack([xy[:-1] for xy in ends])
    stops = np.vstack([xy[1:] for xy in ends])
    edges = shapely.linestrings(np.stack([starts, stops], axis=1))
    corner_set = {(float(x), float(y)) for x, y in starts}
    vertices = np.unique(np.vstack([shapely.get_coordinates(p) for p in parts]), axis=0)
    on_edge = shapely.dwithin(shapely.boundary(region), shapely.points(vertices), GRID_SIZE * 2)
    if only_along is not None:
        on_edge &= shapely.dwithin(only_along, shapely.points(vertices), CLEAN_MOVE_DEG)
    moves: dict[tuple[float, float], tuple[float, float]] = {}
    for xy in vertices[on_edge]:
        key = (float(xy[0]), float(xy[1]))
        if key in corner_set:
            continue
        on = int(np.argmin(shapely.distance(edges, shapely.Point(key))))
        here, a, b = shapely.get_coordinates(frame.to_metric(shapely.multipoints([xy, starts[on], stops[on]])))
        to_a, to_b = np.hypot(*(a - here)), np.hypot(*(b - here))
        targets = sorted(((to_a, starts[on]), (to_b, stops[on])), key=lambda t: t[0])
        moves[key] = [(float(xy[0]), float(xy[1]), 0.0) for metres, xy in targets if metres <= END_SNAP_M]
        # failing both corners: onto the edge as the metric frame draws it, a centimetre away
        # at most, so that measured in metres nothing lies between the part and the region
        chord = b - a
        t = float((here - a) @ chord / (chord @ chord)) if chord @ chord else 0.0
        on_chord = shapely.get_coordinates(frame.to_wgs84(shapely.Point(a + t * chord)))[0]
        moves[key].append((float(on_chord[0]), float(on_chord[1]), CHORD_SLACK_DEG))
    result = list(parts)
    holders = [{(float(x), float(y)) for x, y in shapely.get_coordinates(p)} for p in parts]
    for key, targets in moves.items():      # one end at a time, to the nearer corner that fits
        for *target, slack in targets:
            trial = _moved_end(result, holders, units, key, tuple(target), slack)
            if trial:
                for i, geom in trial.items():
                    result[i] = geom
                break
    return result


def _moved_end(parts, holders, units, key, target, slack: float = 0.0) -> dict[int, BaseGeometry] | None:
    """The parts holding vertex `key` with it moved to `target`; None if one would then be
    invalid or leave one of its buildings by more than `slack` (degrees)."""
    def moved(coords: np.ndarray) -> np.ndarray:
        at = (coords[:, 0] == key[0]) & (coords[:, 1] == key[1])
        coords = coords.copy()
        coords[at] = target
        return coords

    trial = {}
    for i in (i for i, held in enumerate(holders) if key in held):
        candidate = shapely.transform(parts[i], moved)
        if not candidate.is_valid:          # the end folded the part over itself
            return None
        candidate = polygonal(shapely.set_precision(candidate, GRID_SIZE))
        if not (candidate.is_valid and not candidate.is_empty
                and (not len(units[i]) or shapely.covers(
                    shapely.buffer(candidate, slack, join_style="mitre") if slack else candidate, units[i]).all())):
            return None
        trial[i] = candidate
    return trial


def match_vertices(parts: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    """Give each part the vertices its neighbours have along their shared edges.

    A later cut ends on an earlier boundary and adds a vertex there to one side only; the
    shapes still tile, but a coverage (GEOS, and any topology editor) wants edges that match
    vertex for vertex."""
    parts = np.asarray(parts, dtype=object)
    if len(parts) < 2:
        return list(parts)
    vertices = [shapely.multipoints(shapely.get_coordinates(p)) for p in parts]
    left, right = STRtree(parts).query(parts, predicate="intersects")
    neighbours: dict[int, list[int]] = {}
    for a, b in zip(left, right):
        if a != b:
            neighbours.setdefault(int(a), []).append(int(b))
    matched = []
    for i, part in enumerate(parts):
        others = neighbours.get(i)
        if others:
            reference = shapely.union_all([vertices[j] for j in others])
            part = shapely.snap(part, reference, GRID_SIZE * 2)
        matched.append(part)
    return matched


CLEAN_MOVE_DEG = 1e-7      # ~1 cm: a line cleaning would move further marks a real overlap


def clean_coverage(parts: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    """Parts that tile, made a true coverage: matching vertices alone leave crumbs a tenth of
    a millimetre wide where cuts of neighbouring communities met at a slant, and GEOS's
    coverage check flags every one. GEOS's cleaner snaps and merges those crumbs; a part it
    would move further than CLEAN_MOVE_DEG (a real overlap, for the planner to see) keeps its
    matched vertices instead."""
    matched = match_vertices(parts)
    if len(matched) < 2 or not all(shapely.is_valid(matched)):
        return matched
    # gaps narrower than a line cleaning may move go to the neighbour sharing most of their edge
    cleaned = shapely.coverage_clean(np.asarray(matched, dtype=object), gap_width=CLEAN_MOVE_DEG,
                                     merge_strategy="longest_border")
    moved = shapely.hausdorff_distance(cleaned, np.asarray(matched, dtype=object))
    return [c if ok and not c.is_empty else m
            for c, m, ok in zip(cleaned, matched, moved <= CLEAN_MOVE_DEG)]


def coverage_outline(parts: Sequence[BaseGeometry]) -> BaseGeometry:
    """What a coverage's parts cover together, edge for edge: the outer boundary keeps every
    vertex the parts have on it, so a parent stored as this shares its children's vertices
    exactly (measured in any projection, nothing lies between them). Parts that are not a clean
    coverage are unioned by overlay instead."""
    parts = np.asarray(parts, dtype=object)
    if len(parts) == 1:
        return parts[0]
    if shapely.coverage_is_valid(parts):
        return shapely.coverage_union_all(parts)
    return shapely.union_all(parts)


@dataclass
class _Context:
    frame: MetricFrame
    units: np.ndarray
    weights: np.ndarray
    households: np.ndarray
    coords: np.ndarray     # every vertex of every unit, metric
    owner: np.ndarray      # which unit each vertex belongs to
    centres: np.ndarray    # a point on each unit's surface, metric
    guides: np.ndarray     # road segments as rows x0, y0, x1, y1, metric
    bounds: tuple[int, int] | None = None
    squarer: bool = True

    def bisect(self, region, members: np.ndarray, n: int, out: list[Part]) -> None:
        if n == 1:
            out.append(Part(region, tuple(int(i) for i in members),
                            int(self.households[members].sum()) if len(members) else 0))
            return
        low_n = n // 2
        region_m = self.frame.to_metric(region)
        axis = _long_axis(region_m)
        best = None
        # Across the long axis first; the other ways when that misses the bounds (big buildings
        # lined up so that no such cut balances) or leaves a strip (households crowded at one
        # end put a thin slice there).
        for rank, turn in enumerate(TURNS if self.squarer else TURNS[:2]):
            angle = math.pi * turn
            direction = np.array([axis[0] * math.cos(angle) - axis[1] * math.sin(angle),
                                  axis[0] * math.sin(angle) + axis[1] * math.cos(angle)])
            lo, hi = self._extents(direction)
            cut, miss = self._choose_cut(region_m, members, direction, lo, hi, low_n / n, n)
            excess = self._strip_excess(region_m, direction, cut, low_n, n - low_n) if self.squarer else 0.0
            option = (miss, excess, rank, direction, lo, hi, cut)
            if best is None or option[:3] < best[:3]:
                best = option
            if best[0] == 0 and best[1] == 0:
                break
        _, _, _, axis, lo, hi, cut = best
        low_side, high_side, low_members, high_members = self._split(region, members, axis, lo, hi, cut)
        self.bisect(low_side, low_members, low_n, out)
        self.bisect(high_side, high_members, n - low_n, out)

    def _strip_excess(self, region_m, axis, cut, low_n, high_n) -> float:
        """How far the worse side of a cut is more than ELONGATED times longer than wide per
        part it is still to become (a side of k parts may be k times as long as one part)."""
        from .compactness import ELONGATED, elongation     # compactness sits above blocks, above this
        low_side = shapely.intersection(region_m, _half_plane_m(region_m, axis, cut))
        worst = 0.0
        for side, parts in ((low_side, low_n), (shapely.difference(region_m, low_side), high_n)):
            if not side.is_empty:
                worst = max(worst, elongation(side) / parts - ELONGATED)
        return round(worst, 1)      # tenths: a cut no squarer than another by more keeps its rank

    def _extents(self, axis) -> tuple[np.ndarray, np.ndarray]:
        """Each unit's interval along the axis."""
        t_vertex = self.coords @ axis
        lo = np.full(len(self.units), np.inf)
        hi = np.full(len(self.units), -np.inf)
        np.minimum.at(lo, self.owner, t_vertex)
        np.maximum.at(hi, self.owner, t_vertex)
        return lo, hi

    def _choose_cut(self, region_m, members, axis, lo, hi, fraction, n) -> tuple[float, float]:
        """The best cut position along the axis, and by how many households the average part
        on the worse side misses the bounds (0 when it keeps within them, or without bounds)."""
        t_unit = self.centres[members] @ axis
        region_t = shapely.get_coordinates(region_m) @ axis
        if len(members) < 2:
            # Nothing to balance: halve the region's extent.
            return float(region_t.min() + (region_t.max() - region_t.min()) * fraction), 0.0
        order = np.argsort(t_unit)
        t_sorted = t_unit[order]
        cumulative = np.cumsum(self.weights[members][order])
        total = cumulative[-1]
        candidates = (t_sorted[:-1] + t_sorted[1:]) / 2
        drift = np.abs(cumulative[:-1] - total * fraction) / (total / n)

        lo_sorted, hi_sorted = np.sort(lo[members]), np.sort(hi[members])
        crossings = (np.searchsorted(lo_sorted, candidates, side="left")
                     - np.searchsorted(hi_sorted, candidates, side="right"))

        width = float(np.ptp(shapely.get_coordinates(region_m) @ np.array([-axis[1], axis[0]])))
        road_share = self._road_share(region_m, axis, candidates, width)
        score = drift + CROSSING_PENALTY * crossings - ROAD_BONUS * road_share
        allowed = drift <= MAX_DRIFT
        miss = np.zeros(len(candidates))
        if self.bounds:
            low_n = round(fraction * n)
            miss = np.maximum(_miss(cumulative[:-1], low_n, self.bounds),
                              _miss(total - cumulative[:-1], n - low_n, self.bounds))
            if (allowed & (miss == 0)).any():
                allowed &= miss == 0
            else:
                allowed = miss == miss.min()
        score = np.where(allowed, score, np.inf)
        if not np.isfinite(score).any():
            best = int(np.argmin(drift))
        elif self.bounds and miss.min() == 0:
            best = self._first_splittable(np.argsort(score, kind="stable")[:LOOKAHEAD],
                                          members[order], axis, fraction, n, score)
        else:
            best = int(np.argmin(score))
        return float(candidates[best]), float(miss[best])

    def _first_splittable(self, ranked, sorted_members, axis, fraction, n, score) -> int:
        """Of the best-scored cuts, the first whose two-part sides can each be cut again inside
        the bounds (a greedy cut can leave a side whose buildings line up so that no straight
        line balances it)."""
        low_n = round(fraction * n)
        for k in ranked:
            if not np.isfinite(score[k]):
                break
            sides = ((sorted_members[:k + 1], low_n), (sorted_members[k + 1:], n - low_n))
            if all(parts != 2 or self._two_way_splittable(side, axis) for side, parts in sides):
                return int(k)
        return int(ranked[0])

    def _two_way_splittable(self, members, axis) -> bool:
        low, high = self.bounds
        total = self.households[members].sum()
        for direction in (axis, np.array([-axis[1], axis[0]])):
            order = np.argsort(self.centres[members] @ direction)
            prefix = np.cumsum(self.households[members][order])[:-1]
            rest = total - prefix
            if ((prefix >= low) & (prefix <= high) & (rest >= low) & (rest <= high)).any():
                return True
        return False

    def _road_share(self, region_m, axis, candidates, width) -> np.ndarray:
        """For each candidate cut, the share of the region's width along which a road runs
        parallel to the cut and within ROAD_SNAP_M of it."""
        if not len(self.guides) or width <= 0:
            return np.zeros(len(candidates))
        minx, miny, maxx, maxy = region_m.bounds
        seg = self.guides
        inside = ((np.minimum(seg[:, 0], seg[:, 2]) <= maxx) & (np.maximum(seg[:, 0], seg[:, 2]) >= minx)
                  & (np.minimum(seg[:, 1], seg[:, 3]) <= maxy) & (np.maximum(seg[:, 1], seg[:, 3]) >= miny))
        seg = seg[inside]
        vec = seg[:, 2:] - seg[:, :2]
        length = np.hypot(vec[:, 0], vec[:, 1])
        ok = length > 0
        seg, vec, length = seg[ok], vec[ok], length[ok]
        along_cut = np.abs(vec @ axis) / length < 0.2      # nearly perpendicular to the axis
        t_mid = ((seg[:, :2] + seg[:, 2:]) / 2) @ axis
        t_mid, length = t_mid[along_cut], length[along_cut]
        if not len(t_mid):
            return np.zeros(len(candidates))
        near = np.abs(candidates[:, None] - t_mid[None, :]) <= ROAD_SNAP_M
        return np.minimum(1.0, (near * length[None, :]).sum(axis=1) / width)

    def _split(self, region, members, axis, lo, hi, cut):
        t_unit = self.centres[members] @ axis
        low_members, high_members = members[t_unit < cut], members[t_unit >= cut]
        # Buildings that reach across the line (with a metre's margin for the slight bend of
        # a metric straight line drawn in degrees) decide where the line goes around them.
        pulled_in = low_members[hi[low_members] > cut - 1.0]
        pushed_out = high_members[lo[high_members] < cut + 1.0]

        half_plane = self.frame.to_wgs84(_half_plane(region, self.frame, axis, cut))
        # each overlay kept areal: a side touching a building at a corner comes back with a
        # line or point besides, which the next overlay refuses as mixed-dimension
        low_side = polygonal(shapely.intersection(region, half_plane, grid_size=GRID_SIZE))
        if len(pulled_in):
            low_side = polygonal(shapely.union(low_side, shapely.union_all(self.units[pulled_in], grid_size=GRID_SIZE),
                                               grid_size=GRID_SIZE))
        if len(pushed_out):
            low_side = polygonal(shapely.difference(low_side, shapely.union_all(self.units[pushed_out],
                                                                                grid_size=GRID_SIZE), grid_size=GRID_SIZE))
        low_side = shapely.intersection(low_side, region, grid_size=GRID_SIZE)
        low_side = polygonal(low_side)
        high_side = polygonal(shapely.difference(region, low_side, grid_size=GRID_SIZE))
        low_side, high_side = _move_orphans(low_side, high_side, self.units[low_members])
        high_side, low_side = _move_orphans(high_side, low_side, self.units[high_members])
        return low_side, high_side, low_members, high_members


def _miss(households: np.ndarray, parts: int, bounds: tuple[int, int]) -> np.ndarray:
    """How far the average of `parts` parts sharing `households` falls outside the bounds."""
    average = households / parts
    return np.maximum(0.0, np.maximum(bounds[0] - average, average - bounds[1]))


def _long_axis(region_m) -> np.ndarray:
    rect = shapely.get_coordinates(shapely.minimum_rotated_rectangle(region_m))
    edges = np.diff(rect[:3], axis=0)
    longest = edges[np.argmax(np.hypot(edges[:, 0], edges[:, 1]))]
    norm = np.hypot(*longest)
    return longest / norm if norm else np.array([1.0, 0.0])


def _half_plane_m(region_m, axis, cut) -> Polygon:
    """The metric half-plane {p : p·axis < cut}, big enough to hold the metric region."""
    minx, miny, maxx, maxy = region_m.bounds
    reach = 2 * math.hypot(maxx - minx, maxy - miny) + 10
    centre = np.array([(minx + maxx) / 2, (miny + maxy) / 2])
    normal = np.array([-axis[1], axis[0]])
    on_line = centre + axis * (cut - centre @ axis)
    return Polygon([on_line + normal * reach, on_line - normal * reach,
                    on_line - normal * reach - axis * reach, on_line + normal * reach - axis * reach])


def _half_plane(region, frame, axis, cut) -> Polygon:
    """The metric half-plane {p : p·axis < cut}, big enough to hold the region."""
    region_m = frame.to_metric(region)
    minx, miny, maxx, maxy = region_m.bounds
    reach = 2 * math.hypot(maxx - minx, maxy - miny) + 10
    centre = np.array(region_m.centroid.coords[0])
    normal = np.array([-axis[1], axis[0]])
    on_line = centre + axis * (cut - centre @ axis)
    corners = [on_line + normal * reach, on_line - normal * reach,
               on_line - normal * reach - axis * reach, on_line + normal * reach - axis * reach]
    return shapely.segmentize(Polygon(corners), reach / 16)


def polygonal(geom) -> BaseGeometry:
    """Keep the areal part of an overlay result (touching lines and points are dropped)."""
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    polygons = [g for g in shapely.get_parts(geom) if isinstance(g, (Polygon, MultiPolygon))]
    return shapely.union_all(polygons, grid_size=GRID_SIZE) if polygons else Polygon()


def _move_orphans(side, other, own_units):
    """A piece of a side that holds none of its buildings but borders the other side (a
    sliver left when the line went around a building) belongs to the other side."""
    if not isinstance(side, MultiPolygon):
        return side, other
    anchors = shapely.point_on_surface(own_units) if len(own_units) else np.empty(0)
    pieces = list(side.geoms)
    keep, give = [], []
    for piece in pieces:
        holds_a_building = len(anchors) and shapely.intersects(piece, anchors).any()
        if not holds_a_building and shapely.length(shapely.intersection(piece.boundary, other.boundary)) > 0:
            give.append(piece)
        else:
            keep.append(piece)
    if not give or not keep:
        return side, other
    return (polygonal(shapely.union_all(keep, grid_size=GRID_SIZE)),
            polygonal(shapely.union_all([other, *give], grid_size=GRID_SIZE)))


def _guide_segments(frame: MetricFrame, guides: Sequence[BaseGeometry]) -> np.ndarray:
    if not len(guides):
        return np.empty((0, 4))
    rows = []
    for line in shapely.get_parts(frame.to_metric(np.asarray(guides, dtype=object))):
        xy = shapely.get_coordinates(line)
        if len(xy) >= 2:
            rows.append(np.hstack([xy[:-1], xy[1:]]))
    return np.vstack(rows) if rows else np.empty((0, 4))
