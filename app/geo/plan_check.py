"""Every problem of a planned division, each with where it is and a message in Chinese and
English: the field's rules (DESIGN.md) checked in one pass over the plan's grids.

Gaps and overlaps come from the overlay (the plan's area minus the union of its grids; the
pairwise intersections), since a wide gap is a hole that GEOS's coverage check does not flag;
the coverage check then adds the edges that fail to meet only by a sliver or a vertex.

Gaps, overlaps and what lies outside a community are found by overlaying the outlines in the
metric frame, and reported from coverage.EXACT_M2 (a hundredth of a square metre): an edge
straight in degrees bows in any projection (and on the ellipsoid), so a vertex that a grid has
on its community's edge and the community lacks opens a sliver there, over a kilometre's edge
square metres wide. Overlaid in degrees such a sliver has no area at all; divisions are exact
only when they share vertices (DESIGN.md), and only an overlay in metres sees that they do not.
Each is reported with its piece and a point inside it (`at`, WGS84). The area and its
communities are measured as filing leaves them, with the vertices their grids have on their
outlines (geo.vertices).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from .compactness import too_elongated
from .coverage import EXACT_M2, cut_buildings, rough_area_m2
from .crs import MetricFrame
from .ground_share import GroundShare, ground_share
from .vertices import shared_vertices, take_vertices

NOISE_DEG = 1e-8     # ~1 mm: closer than this, a vertex lies on the line (GRID_SIZE is 1e-9)
BLOCKING = frozenset({"invalid", "sliver", "gap", "overlap", "edge", "outside", "no_community",
                      "cut_building"})
# Crumbs of coverage are reported from EXACT_M2 and block from half a square metre, the check's
# tolerance before it measured in metres: a division made before its grids shared their
# parents' vertices (or imported from a source that does not) has crumbs no tool can reach, and
# they would otherwise stop every plan made from it.
CRUMBS = frozenset({"gap", "overlap", "outside"})
CRUMB_BLOCKS_M2 = 0.5


@dataclass(frozen=True)
class PlannedGrid:
    id: int
    code: str
    kind: str                       # comprehensive | special
    community: str | None           # the community's code
    worker: str | None              # the planned full-time worker's code
    geom: BaseGeometry


@dataclass
class Problem:
    kind: str
    message_zh: str
    message_en: str
    geometry: BaseGeometry
    grids: list[str] = field(default_factory=list)       # codes
    detail: dict = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        if self.kind in CRUMBS and self.detail.get("area_m2", CRUMB_BLOCKS_M2) < CRUMB_BLOCKS_M2:
            return False
        return self.kind in BLOCKING


@dataclass
class Check:
    problems: list[Problem]
    households: dict[int, int]                        # grid id -> households it holds
    # how much of the plan's grid lines lie on a road, railway or river (when they were given)
    on_ground: GroundShare | None = None

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]


@dataclass(frozen=True)
class Buildings:
    """The buildings a plan's grids are checked against, with what every check needs of them
    made once: a plan is checked again after every edit, and its buildings rarely change.
    Nothing here is prepared (GEOS builds a prepared geometry's index on first use, so one
    shared between threads would race)."""
    footprints: np.ndarray
    households: np.ndarray
    points: np.ndarray           # each footprint's point on surface: where filing puts it
    tree: STRtree                # over the points
    shrunk: np.ndarray           # footprints pulled in by NOISE_DEG, made when first asked for

    @classmethod
    def of(cls, footprints: Sequence[BaseGeometry], households: Sequence[int]) -> "Buildings":
        footprints = np.asarray(footprints, dtype=object)
        points = shapely.point_on_surface(footprints) if len(footprints) else np.array([], dtype=object)
        return cls(footprints, np.asarray(households, dtype=int), points, STRtree(points),
                   np.full(len(footprints), None, dtype=object))

    def pulled_in(self, index: np.ndarray) -> np.ndarray:
        missing = index[self.shrunk[index] == None]  # noqa: E711 (an element-wise test)
        if len(missing):        # two threads may both make one: the same shape either way
            self.shrunk[missing] = shapely.buffer(self.footprints[missing], -NOISE_DEG, join_style="mitre")
        return self.shrunk[index]


@dataclass(frozen=True)
class Communities:
    outlines: dict[str, BaseGeometry]          # code -> outline

    @classmethod
    def of(cls, outlines: dict[str, BaseGeometry]) -> "Communities":
        return cls(outlines)


def check_plan(grids: Sequence[PlannedGrid], area: BaseGeometry, communities: Communities,
               buildings: Buildings, rules, frame: MetricFrame,
               held_elsewhere: dict[str, int] | None = None,
               lines: Sequence[BaseGeometry] | None = None) -> Check:
    """`area`: what the grids must cover; `rules`: a config.GridRules (household range, sliver
    area); `held_elsewhere`: worker code -> grids they hold outside this plan; `lines`: the
    roads, railways and rivers the grid lines should follow (measured, and strips reported,
    when given)."""
    problems: list[Problem] = []
    shapes = np.array([g.geom for g in grids], dtype=object)
    codes = [g.code for g in grids]

    valid = shapely.is_valid(shapes) if len(shapes) else np.array([], dtype=bool)
    for grid, ok in zip(grids, valid):
        if not ok:
            problems.append(_invalid(grid))
    # the rest measures what each outline means, so an invalid one is repaired for it
    if not valid.all():
        shapes = np.array([s if ok else shapely.make_valid(s) for s, ok in zip(shapes, valid)], dtype=object)
    problems += _slivers(grids, shapes, rules, frame)
    labels = _labels(shapes)
    area, communities = _as_filed(grids, shapes, area, communities)

    # GEOS's coverage check flags every edge of two grids that overlap or fail to match: the
    # pairwise overlay is only needed among the grids it flags, and with none flagged the
    # grids form a true coverage, whose union is quick to take
    if len(shapes) > 1:
        edges = shapely.coverage_invalid_edges(shapes)
        flagged = ~(shapely.is_missing(edges) | shapely.is_empty(edges))
    else:                       # one grid (or none) has no neighbour to meet
        edges, flagged = np.full(len(shapes), None, dtype=object), np.zeros(len(shapes), dtype=bool)
    # projected, edges that match vertex for vertex still match: flagged or not is the same
    metric = frame.to_metric(shapes) if len(shapes) else shapes
    overlaps = _overlaps(metric, codes, frame, np.flatnonzero(flagged))
    problems += overlaps
    # the grids no edge of which is flagged form a true coverage, quick to union; the few
    # flagged ones are taken out of what that leaves of the area rather than unioned with it
    union = shapely.coverage_union_all(metric[~flagged]) if (~flagged).any() else shapely.Polygon()
    left = shapely.difference(frame.to_metric(area), union)
    if flagged.any():
        left = shapely.difference(left, shapely.union_all(metric[flagged]))
    gaps = _gaps(left, frame)
    problems += gaps
    problems += _edges(edges, flagged, codes, [p.geometry for p in overlaps + gaps])
    problems += _outside(grids, metric, labels, communities, frame)

    owner = _owners(shapes, buildings)
    problems += _cut(shapes, codes, buildings, owner, frame)
    held = _households(len(shapes), owner, buildings.households)
    problems += _sizes(grids, labels, held, rules)
    problems += _staffing(grids, labels, held_elsewhere or {})
    on_ground = None
    if lines is not None:
        problems += _strips(grids, shapes, valid, area, lines, frame)
        on_ground = ground_share(list(shapes), lines, frame)
    return Check(problems, {g.id: int(n) for g, n in zip(grids, held)}, on_ground)


def _as_filed(grids, shapes, area: BaseGeometry, communities: Communities) -> tuple[BaseGeometry, Communities]:
    """The plan's area and its communities as filing the plan leaves them: each with the
    vertices its grids have on its outline (geo.vertices), so that a grid line ending where a
    road meets the community's edge, between two of its corners, is not measured as a sliver
    along that edge."""
    held: dict[str, list[int]] = {}
    for n, grid in enumerate(grids):
        if grid.community in communities.outlines:
            held.setdefault(grid.community, []).append(n)
    outlines, taken = dict(communities.outlines), []
    for code, mine in held.items():
        others = np.delete(shapes, mine)
        near = others[shapely.intersects(others, shapely.buffer(shapely.envelope(outlines[code]), 1e-6))]
        on_outline = shared_vertices(outlines[code], shapes[mine], near)
        outlines[code] = take_vertices([outlines[code]], on_outline)[0]
        taken.append(on_outline)
    area = take_vertices([area], np.vstack(taken))[0] if taken else area
    return area, Communities.of(outlines)


def _strips(grids, shapes, valid, area, lines, frame: MetricFrame) -> list[Problem]:
    """Grids more than ELONGATED times longer than wide, and than each block of the ground they
    lie on: a worker's patch walkable from its middle is the field's habit, not a rule, so
    this warns."""
    found = []
    kept = [n for n, (shape, ok) in enumerate(zip(shapes, valid)) if ok and not shape.is_empty]
    ratios = too_elongated(shapes[kept], area, lines, frame) if kept else []
    for n, ratio in zip(kept, ratios):
        if ratio is not None:
            code = grids[n].code
            found.append(Problem(
                "strip", f"网格 {code} 长是宽的 {ratio:.1f} 倍，走访路线过长",
                f"Grid {code} is {ratio:.1f}× longer than wide: a long walk for its worker",
                shapely.point_on_surface(shapes[n]), [code], {"ratio": round(ratio, 1)}))
    return found


def _invalid(grid: PlannedGrid) -> Problem:
    reason = shapely.is_valid_reason(grid.geom)
    where = re.search(r"\[([-\d.e]+) ([-\d.e]+)\]", reason)
    spot = shapely.Point(float(where[1]), float(where[2])) if where else shapely.point_on_surface(grid.geom)
    crossing = reason.startswith(("Self-intersection", "Ring Self-intersection"))
    return Problem("invalid",
                   f"网格 {grid.code} 的边界{'自相交' if crossing else '无效'}:{reason}",
                   f"Grid {grid.code}'s outline {'crosses itself' if crossing else 'is invalid'}: {reason}",
                   spot, [grid.code], {"reason": reason})


def _slivers(grids, shapes, rules, frame: MetricFrame) -> list[Problem]:
    """Pieces under the sliver area. A plane in the UTM zone measures them well enough for a
    threshold in tens of square metres, for all pieces at once."""
    if not len(shapes):
        return []
    pieces, owner = shapely.get_parts(shapes, return_index=True)
    polygons = shapely.get_type_id(pieces) == 3
    pieces, owner = pieces[polygons], owner[polygons]
    # sized on a plane scaled at each piece's latitude first: only the pieces near or under
    # the threshold are projected and measured
    near = np.flatnonzero(rough_area_m2(pieces) < 2 * rules.sliver_m2)
    areas = shapely.area(frame.to_metric(pieces[near])) if len(near) else np.array([])
    found = []
    for index, area in zip(near, areas):
        if area >= rules.sliver_m2:
            continue
        grid, piece, area = grids[owner[index]], pieces[index], float(area)
        found.append(Problem(
            "sliver", f"网格 {grid.code} 有一块仅 {area:.1f} 平方米的碎片",
            f"Grid {grid.code} has a sliver of only {area:.1f} m²", piece, [grid.code],
            {"area_m2": round(area, 1)}))
    return found


def _overlaps(shapes: np.ndarray, codes: list[str], frame: MetricFrame, flagged: np.ndarray) -> list[Problem]:
    """Overlaps among the flagged grids and whatever they touch (a grid drawn wholly inside
    another is flagged alone: the outer one's edges are all fine). `shapes` are metric."""
    if not len(flagged) or len(shapes) < 2:
        return []
    f_idx, other = STRtree(shapes).query(shapes[flagged], predicate="intersects")
    pairs = np.unique(np.sort(np.column_stack([flagged[f_idx], other]), axis=1), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    left, right = pairs[:, 0], pairs[:, 1]
    # touching neighbours are most of the pairs: only those whose interiors meet overlap
    inner = shapely.relate_pattern(shapes[left], shapes[right], "T********")
    left, right = left[inner], right[inner]
    common = np.array([_polygonal(shapely.intersection(shapes[a], shapes[b]))
                       for a, b in zip(left, right)], dtype=object)
    found = []
    for n, area in _over(common):
        a, b = left[n], right[n]
        piece, at = _placed(common[n], frame)
        found.append(Problem(
            "overlap", f"网格 {codes[a]} 与 {codes[b]} 重叠 {_m2(area)} 平方米",
            f"Grids {codes[a]} and {codes[b]} overlap by {_m2(area)} m²", piece,
            [codes[a], codes[b]], {"area_m2": _rounded(area), "at": at}))
    return found


def _gaps(left: BaseGeometry, frame: MetricFrame) -> list[Problem]:
    """`left`: the area minus its grids, metric."""
    pieces = shapely.get_parts(left)
    pieces = pieces[shapely.get_type_id(pieces) == 3]
    found = []
    for i, size in _over(pieces):
        piece, at = _placed(pieces[i], frame)
        found.append(Problem("gap", f"有 {_m2(size)} 平方米不属于任何网格", f"{_m2(size)} m² belong to no grid",
                             piece, [], {"area_m2": _rounded(size), "at": at}))
    return found


def _over(pieces: np.ndarray) -> list[tuple[int, float]]:
    """(index, area) of the metric pieces of EXACT_M2 or more."""
    if not len(pieces):
        return []
    areas = shapely.area(pieces)
    return [(int(i), float(areas[i])) for i in np.flatnonzero(areas >= EXACT_M2)]


def _placed(piece_m: BaseGeometry, frame: MetricFrame) -> tuple[BaseGeometry, list[float]]:
    """A metric piece back in WGS84, with a point inside it ([lon, lat])."""
    inside = frame.to_wgs84(shapely.point_on_surface(piece_m))
    return frame.to_wgs84(piece_m), [inside.x, inside.y]


def _m2(area: float) -> str:
    return f"{area:.2f}" if area < 1 else f"{area:.1f}"


def _rounded(area: float) -> float:
    return round(area, 3) if area < 1 else round(area, 1)


def _edges(edges: np.ndarray, flagged: np.ndarray, codes: list[str], explained: list[BaseGeometry]) -> list[Problem]:
    """Edges that fail to meet their neighbour's, beyond the gaps and overlaps already named:
    a thin sliver, or a vertex one side has and the other lacks."""
    if not flagged.any():
        return []
    around = shapely.buffer(shapely.union_all(explained), 1e-7) if explained else None
    found = []
    for index in np.flatnonzero(flagged):
        edge, code = edges[index], codes[index]
        if around is not None:
            edge = shapely.difference(edge, around)
            if edge.is_empty:
                continue
        found.append(Problem(
            "edge", f"网格 {code} 的边界与相邻网格没有严丝合缝(细缝或细小重叠)",
            f"Grid {code}'s boundary does not meet its neighbour's exactly (a thin gap or overlap)",
            edge, [code]))
    return found


def _outside(grids, shapes, labels, communities: Communities, frame: MetricFrame) -> list[Problem]:
    """`shapes`: the grids, metric."""
    found = []
    parents = np.array([communities.outlines.get(g.community) if g.community else None for g in grids],
                       dtype=object)
    for index in np.flatnonzero(parents == None):  # noqa: E711 (an element-wise test)
        grid = grids[index]
        found.append(Problem("no_community", f"网格 {grid.code} 不属于任何社区",
                             f"Grid {grid.code} belongs to no community", labels[index], [grid.code]))
    placed = np.flatnonzero(parents != None)  # noqa: E711
    if not len(placed):
        return found
    # most grids share their community's vertices and lie inside it exactly: only the others
    # are cut and measured
    used = sorted({grids[i].community for i in placed})
    metric = dict(zip(used, frame.to_metric(np.array([communities.outlines[c] for c in used], dtype=object))))
    outlines = np.array([metric[grids[i].community] for i in placed], dtype=object)
    inside = shapely.covered_by(shapes[placed], outlines)
    stray, outlines = placed[~inside], outlines[~inside]
    beyond = np.array([_polygonal(shapely.difference(shapes[i], o)) for i, o in zip(stray, outlines)],
                      dtype=object)
    for n, area in _over(beyond):
        grid = grids[stray[n]]
        piece, at = _placed(beyond[n], frame)
        found.append(Problem(
            "outside", f"网格 {grid.code} 有 {_m2(area)} 平方米超出社区 {grid.community}",
            f"{_m2(area)} m² of grid {grid.code} lie outside community {grid.community}",
            piece, [grid.code], {"area_m2": _rounded(area), "community": grid.community, "at": at}))
    return found


def _owners(shapes: np.ndarray, buildings: Buildings) -> np.ndarray:
    """The grid holding each building's point on surface (the rule filing applies), -1 for
    none; a point on a shared edge goes to the first grid."""
    owner = np.full(len(buildings.points), -1, dtype=int)
    if not len(shapes) or not len(buildings.points):
        return owner
    # the tree over the points, queried with each grid: a third of the time of the reverse
    g_idx, b_idx = buildings.tree.query(shapes, predicate="contains")
    order = np.lexsort((g_idx, b_idx))
    b_idx, g_idx = b_idx[order], g_idx[order]
    first = np.unique(b_idx, return_index=True)[1]
    owner[b_idx[first]] = g_idx[first]
    return owner


def _cut(shapes, codes, within: Buildings, owner, frame: MetricFrame) -> list[Problem]:
    """Only a building its own grid does not cover can be cut (the generator bends grid lines
    around buildings, so many touch one): one prepared test per building; the few left
    (across a line, or in no grid) are measured."""
    buildings, households = within.footprints, within.households
    if not len(buildings) or not len(shapes):
        return []
    shapely.prepare(shapes)
    whole = np.zeros(len(buildings), dtype=bool)
    placed = np.flatnonzero(owner >= 0)
    # wholly inside, not touching the line (the cheapest prepared test): nearly all are
    whole[placed] = shapely.contains_properly(shapes[owner[placed]], buildings[placed])
    # a footprint may lie along its grid's line, or stick out by the rounding of a vertex:
    # pulled in by a millimetre, most of those are covered too
    again = np.flatnonzero(~whole & (owner >= 0))
    if len(again):
        whole[again] = shapely.covers(shapes[owner[again]], within.pulled_in(again))
    suspects = np.flatnonzero(~whole)
    found = []
    for cut in cut_buildings(shapes, buildings[suspects], frame):
        building = int(suspects[cut.building])
        order = sorted(cut.shares.items(), key=lambda kv: -kv[1])
        # to 0.01 %: a piece of a square metre or two of a large building is a real cut, and
        # rounded to whole percent it read "100% / 0%"
        shares = {codes[p]: round(share, 4) for p, share in order}
        pieces_m2 = {codes[p]: round(float(frame.to_metric(shapely.intersection(buildings[building], shapes[p])).area), 1)
                     for p, _ in order}
        listed_zh = "、".join(f"{c} {percent(s)}" for c, s in shares.items())
        listed_en = ", ".join(f"{percent(s)} in {c}" for c, s in shares.items())
        found.append(Problem(
            "cut_building", f"一栋楼({households[building]} 户)被网格线切开:{listed_zh}",
            f"A building ({households[building]} households) is cut by a grid line: {listed_en}",
            buildings[building], list(shares), {"shares": shares, "pieces_m2": pieces_m2, "building": building,
                                                "households": int(households[building])}))
    return found


def percent(share: float) -> str:
    """A share as people read it: whole percent, but never "0%" or "100%" for a piece that is
    there and not the whole — as many decimals as that takes, to a hundredth of a percent."""
    if share <= 0 or share >= 1:
        return f"{share:.0%}"
    for decimals in (0, 1, 2):
        text = f"{share * 100:.{decimals}f}"
        if float(text) not in (0, 100):
            return f"{text}%"
    return "<0.01%" if share < 0.5 else ">99.99%"


def _households(grids: int, owner: np.ndarray, households: np.ndarray) -> np.ndarray:
    """Each grid's households, a cut building counted once (in the grid holding its point)."""
    held = np.zeros(grids, dtype=int)
    placed = owner >= 0
    np.add.at(held, owner[placed], households[placed])
    return held


def _sizes(grids, labels, held: np.ndarray, rules) -> list[Problem]:
    found = []
    for grid, label, households in zip(grids, labels, held):
        if grid.kind != "comprehensive":
            continue        # special grids (a park, a campus) follow their own logic
        if not rules.min_households <= households <= rules.max_households:
            few = households < rules.min_households
            found.append(Problem(
                "households",
                f"网格 {grid.code} 有 {households} 户,{'少于' if few else '多于'}标准 "
                f"{rules.min_households}–{rules.max_households} 户",
                f"Grid {grid.code} holds {households} households, {'under' if few else 'over'} the "
                f"standard {rules.min_households}–{rules.max_households}",
                label, [grid.code],
                {"households": int(households), "range": [rules.min_households, rules.max_households]}))
    return found


def _staffing(grids, labels, held_elsewhere: dict[str, int]) -> list[Problem]:
    found = []
    for grid, label in zip(grids, labels):
        if grid.kind == "comprehensive" and not grid.worker:
            found.append(Problem("no_worker", f"综合网格 {grid.code} 没有专职网格员",
                                 f"Comprehensive grid {grid.code} has no full-time grid worker",
                                 label, [grid.code]))
    holding = Counter(g.worker for g in grids if g.worker)
    for worker, count in sorted(holding.items()):
        total = count + held_elsewhere.get(worker, 0)
        if total >= 2:
            theirs = [i for i, g in enumerate(grids) if g.worker == worker]
            found.append(Problem(
                "worker_many_grids", f"网格员 {worker} 同时负责 {total} 个网格",
                f"Grid worker {worker} would hold {total} grids",
                shapely.union_all(labels[theirs]),
                [grids[i].code for i in theirs], {"worker": worker, "grid_count": total}))
    return found


@dataclass(frozen=True)
class MappedSite:
    """A site the city maps (a school's grounds, a park…) that a special grid may be carved around."""
    kind: str
    name_zh: str | None         # its Chinese name, else its own
    name_en: str | None         # its English name, else its own
    geom: BaseGeometry


SITE_HELD_SHARE = 0.5       # a special grid holding more of a site than this is its grid


def sites_without_special_grid(grids: Sequence[PlannedGrid], sites: Sequence[MappedSite],
                               frame: MetricFrame) -> list[Problem]:
    """The sites no special grid holds most of: a warning, never blocking — the field carves a
    site out where it is worth a grid of its own, and the planner may judge it is not (a small
    park whose walkers the grid worker knows anyway)."""
    special = [frame.to_metric(g.geom) for g in grids if g.kind == "special"]
    tree = STRtree(special) if special else None
    found = []
    for site in sites:
        ground = frame.to_metric(site.geom)
        if ground.is_empty or ground.area <= 0:
            continue
        near = tree.query(ground) if tree is not None else []
        # summed: a site reaching into two communities is a special grid in each
        held = sum(shapely.intersection(special[i], ground).area for i in near)
        if held > SITE_HELD_SHARE * ground.area:
            continue
        zh, en = site.name_zh or site.kind, site.name_en or site.kind
        found.append(Problem("site_not_special", f"场所 {zh} 没有专属网格", f"Site {en} has no special grid",
                             site.geom, [], {"site_zh": site.name_zh, "site_en": site.name_en,
                                             "site_kind": site.kind, "held_share": round(held / ground.area, 3)}))
    return found


def _labels(shapes: np.ndarray) -> np.ndarray:
    """Where a grid's marker goes: a point inside it (all at once; one call per grid costs
    ten times as much)."""
    return shapely.point_on_surface(shapes) if len(shapes) else np.array([], dtype=object)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    parts = shapely.get_parts(geom)
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]      # polygons, multipolygons
    if not len(parts):
        return shapely.MultiPolygon()
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)
