"""The edits planners make to a division, as pure geometry: split a grid by a line, merge
grids, move the boundary two grids share, hand a building to the neighbouring grid, put a
building that a grid line cuts wholly into the grid that holds most of it.

Every edit keeps the parts it touches a tiling of what they covered before: what one grid
loses, its neighbour gains, edge for edge, so an edit never opens a gap or an overlap of its
own. Geometries come and go in WGS84 on the division's precision grid (partition.GRID_SIZE).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_by

from .crs import MetricFrame
from .partition import GRID_SIZE, clean_coverage

# A building further than this from the grid it is handed to is not that grid's neighbour.
NEIGHBOUR_REACH_M = 60.0
# The corridor joining a building to the grid it is handed to, so the grid stays in one piece.
CORRIDOR_M = 1.0
# A drawn line that runs close to a grid's edge or past one of its corners cuts off a crumb
# (a few square metres) besides the pieces meant. A piece under LEFTOVER_M2, or under
# LEFTOVER_SHARE of what was cut, is such a crumb: it goes to the piece beside it that it
# shares the longest edge with — as if the line had been drawn onto the edge — never becoming
# a grid of its own, and never dropped (that would open a gap).
LEFTOVER_M2 = 50.0
LEFTOVER_SHARE = 0.01
# A drawn point this close to the grid's outline is meant to be on it (a click on the edge
# lands a few pixels off, and the page sends 7 decimals): it is put there, onto the outline's
# vertex when one lies within OUTLINE_VERTEX_M.
ON_OUTLINE_M = 0.5
OUTLINE_VERTEX_M = 2.0


class EditRefused(ValueError):
    """The edit cannot be made as asked; the message says why, for the planner."""

    def __init__(self, message_en: str, message_zh: str):
        super().__init__(message_en)
        self.message_zh = message_zh


@dataclass
class Cut:
    """The pieces a line cut a shape into (largest first), and the area in m² of each crumb
    that was given to a piece beside it instead of becoming a piece."""
    pieces: list[Polygon]
    absorbed_m2: list[float] = field(default_factory=list)


def split(grid: BaseGeometry, line: LineString, frame: MetricFrame,
          parent: BaseGeometry | None = None) -> Cut:
    """The pieces a drawn line cuts a grid into, largest first; crumbs go to their neighbour.
    `parent`: the grid's community, whose outline the pieces must keep meeting exactly (see
    onto_parent)."""
    grid = shapely.set_precision(grid, GRID_SIZE)
    if not grid.is_valid:
        raise EditRefused("The grid's own outline is invalid; repair it before splitting.",
                          "该网格的边界本身无效,请先修复再拆分。")
    line = drawn_onto(line, grid, frame)
    pieces = [p for polygon in _polygons(grid) for p in split_by(polygon, line).geoms]
    if parent is not None:
        pieces = onto_parent(pieces, grid, parent, frame)
    cut = _absorb_leftovers(pieces, frame, leftover_floor_m2(frame.to_metric(grid).area))
    if len(cut.pieces) < 2:
        if cut.absorbed_m2:
            total = sum(cut.absorbed_m2)
            raise EditRefused(f"The line would cut off only {total:.1f} m², too little for a grid: draw "
                              "it across the grid from one edge to another.",
                              f"这条线只会切下 {total:.1f} 平方米,不足以成为网格:请从网格一边画到另一边。")
        raise EditRefused("The line does not cut the grid in two: draw it from one edge of the "
                          "grid across to another.", "这条线没有把网格分成两部分:请从网格一边画到另一边。")
    return cut


def drawn_onto(line: LineString, outline: BaseGeometry, frame: MetricFrame) -> LineString:
    """The line with each point drawn within ON_OUTLINE_M of the outline put on it (on its
    vertex, when one is within OUTLINE_VERTEX_M); an end put there is carried a metre on, so
    the line crosses the outline rather than stopping on it a rounding short."""
    outline_m = frame.to_metric(outline)
    edge_m = shapely.boundary(outline_m)
    corners = shapely.multipoints(shapely.get_coordinates(edge_m))
    points = shapely.get_coordinates(frame.to_metric(line))
    moved, placed = points.copy(), set()
    for n, xy in enumerate(points):
        here = shapely.Point(xy)
        if shapely.distance(here, edge_m) > ON_OUTLINE_M:
            continue
        corner = shapely.shortest_line(here, corners).coords[1]
        moved[n] = corner if np.hypot(*(np.asarray(corner) - xy)) <= OUTLINE_VERTEX_M else \
            shapely.shortest_line(here, edge_m).coords[1]
        placed.add(n)
    if not placed:
        return line
    last = len(moved) - 1
    for end, before in ((last, last - 1), (0, 1)):      # the far end first: indexes stay put
        way = moved[end] - moved[before] if last else np.zeros(2)
        if end in placed and np.hypot(*way):
            beyond = moved[end] + way / np.hypot(*way)
            moved = np.vstack([moved, beyond]) if end else np.vstack([beyond, moved])
    return frame.to_wgs84(LineString(moved))


def onto_parent(pieces: Sequence[BaseGeometry], grid: BaseGeometry, parent: BaseGeometry,
                frame: MetricFrame) -> list[BaseGeometry]:
    """Pieces whose new vertices on the parent's outline lie where the parent's edge does.

    A cut that ends part-way along an edge of the community adds a vertex there that the
    community lacks: straight in degrees, the edge bows in the metric frame (and on the
    ellipsoid), so measured there the pieces leave slivers against the community, tenths of
    a square metre along a few hundred metres' edge, which the plan check reports. Such a
    vertex moves to the edge's nearer end when that lies within OUTLINE_VERTEX_M (then they
    share it exactly), else onto the edge as drawn straight in the metric frame (the city's
    UTM zone, where plans are checked), as partition.end_cuts_at_vertices does for a new
    division. A move that would leave a piece invalid is not made."""
    parent = shapely.set_precision(parent, GRID_SIZE)
    rings = shapely.get_rings(shapely.get_parts(parent))
    coords = [shapely.get_coordinates(r) for r in rings]
    starts = np.vstack([xy[:-1] for xy in coords])
    stops = np.vstack([xy[1:] for xy in coords])
    edges = shapely.linestrings(np.stack([starts, stops], axis=1))
    had = {(float(x), float(y)) for x, y in shapely.get_coordinates(grid)} | \
        {(float(x), float(y)) for x, y in starts}
    vertices = np.unique(np.vstack([shapely.get_coordinates(p) for p in pieces]), axis=0)
    new = np.array([(float(x), float(y)) not in had for x, y in vertices], dtype=bool)
    if not new.any():
        return list(pieces)
    vertices = vertices[new]
    vertices = vertices[shapely.dwithin(shapely.boundary(parent), shapely.points(vertices), GRID_SIZE * 2)]
    result = list(pieces)
    for xy in vertices:
        on = int(np.argmin(shapely.distance(edges, shapely.Point(xy))))
        here, a, b = shapely.get_coordinates(frame.to_metric(shapely.multipoints([xy, starts[on], stops[on]])))
        to_a, to_b = np.hypot(*(a - here)), np.hypot(*(b - here))
        if min(to_a, to_b) <= OUTLINE_VERTEX_M:
            target = starts[on] if to_a <= to_b else stops[on]
        else:
            target = _on_chord(a, b, here, frame)
        trial = [_moved(p, xy, target) for p in result]
        if all(t.is_valid and not t.is_empty for t in trial):
            result = trial
    return result


CHORD_STEP_M = 0.001     # the spots along a chord tried for the one the precision grid lies closest to
CHORD_STEPS = 25


def _on_chord(a: np.ndarray, b: np.ndarray, here: np.ndarray, frame: MetricFrame) -> np.ndarray:
    """The point of the metric chord a–b nearest `here`, in WGS84 on the precision grid the
    pieces are stored at (GRID_SIZE). Rounded where it falls, a point lies up to a twentieth of
    a millimetre off the chord, and along an edge of half a kilometre that is a hundredth of a
    square metre the plan check reports: of the spots a millimetre apart along the chord
    around it, the one whose rounding lies closest to the chord is taken."""
    chord = b - a
    length = float(np.hypot(*chord))
    along = chord / length
    t = float((here - a) @ chord / (chord @ chord))
    steps = np.arange(-CHORD_STEPS, CHORD_STEPS + 1) * CHORD_STEP_M
    spots = a + t * chord + steps[:, None] * along
    rounded = shapely.set_precision(frame.to_wgs84(shapely.points(spots)), GRID_SIZE)
    back = shapely.get_coordinates(frame.to_metric(rounded)) - a
    off = np.abs(back[:, 0] * along[1] - back[:, 1] * along[0])
    inside = (back @ along > 0) & (back @ along < length)
    best = int(np.argmin(np.where(inside, off, np.inf)))
    return shapely.get_coordinates(rounded[best])[0]


def _moved(geom: BaseGeometry, key: np.ndarray, target: np.ndarray) -> BaseGeometry:
    def move(coords: np.ndarray) -> np.ndarray:
        at = (coords[:, 0] == key[0]) & (coords[:, 1] == key[1])
        if not at.any():
            return coords
        coords = coords.copy()
        coords[at] = target
        return coords
    moved = shapely.transform(geom, move)
    return moved if moved.is_valid else shapely.set_precision(moved, GRID_SIZE)


def leftover_floor_m2(whole_m2: float) -> float:
    """Under this a piece of a cut of `whole_m2` is a crumb, not a grid."""
    return max(LEFTOVER_M2, LEFTOVER_SHARE * whole_m2)


def merge(grids: Sequence[BaseGeometry]) -> Polygon:
    """Grids that share boundaries, as one."""
    merged = shapely.set_precision(shapely.union_all(list(grids)), GRID_SIZE)
    if merged.geom_type != "Polygon":
        raise EditRefused("These grids do not share a boundary, so they cannot become one grid.",
                          "这些网格没有共同边界,不能合并为一个网格。")
    return merged


def move_boundary(a: BaseGeometry, b: BaseGeometry, line: LineString, frame: MetricFrame,
                  parent: BaseGeometry | None = None) -> tuple[BaseGeometry, BaseGeometry]:
    """Two neighbours with `line` as their new shared boundary: the land they hold together is
    cut by the line, and each piece goes to the grid that held most of it. `parent`: their
    community, when they share one (see onto_parent)."""
    together = shapely.set_precision(shapely.union_all([a, b]), GRID_SIZE)
    if together.geom_type != "Polygon":
        raise EditRefused("These two grids are not neighbours.", "这两个网格不相邻。")
    cut = list(split_by(together, drawn_onto(line, together, frame)).geoms)
    if parent is not None:
        cut = onto_parent(cut, together, parent, frame)
    pieces = _absorb_leftovers(cut, frame,
                               leftover_floor_m2(frame.to_metric(together).area)).pieces
    if len(pieces) < 2:
        raise EditRefused("The new boundary must cross the two grids from one edge to another.",
                          "新边界必须从两个网格的一边画到另一边。")
    goes_to_a = [shapely.intersection(p, a).area >= shapely.intersection(p, b).area for p in pieces]
    to_a = [p for p, is_a in zip(pieces, goes_to_a) if is_a]
    to_b = [p for p, is_a in zip(pieces, goes_to_a) if not is_a]
    if not to_a or not to_b:
        raise EditRefused("With this line one grid would take all of the other.",
                          "按这条线,一个网格会吞并另一个网格。")
    return _clean(shapely.union_all(to_a)), _clean(shapely.union_all(to_b))


def hand_over(building: BaseGeometry, giver: BaseGeometry, taker: BaseGeometry,
              frame: MetricFrame) -> tuple[BaseGeometry, BaseGeometry]:
    """The building (and a strip joining it to `taker`, if they do not touch) moves from
    `giver` to `taker`."""
    building_m, taker_m = frame.to_metric(building), frame.to_metric(taker)
    if building_m.distance(taker_m) > NEIGHBOUR_REACH_M:
        raise EditRefused(f"The building is more than {NEIGHBOUR_REACH_M:.0f} m from that grid: "
                          "hand it to a neighbouring grid.",
                          f"该楼栋距离目标网格超过 {NEIGHBOUR_REACH_M:.0f} 米,只能划给相邻网格。")
    if shapely.intersection(building, giver).area <= 0:
        raise EditRefused("The building does not lie in the grid it is taken from.",
                          "该楼栋不在被划出的网格内。")
    piece_m = building_m
    if building_m.distance(taker_m) > 0:
        joint = shapely.shortest_line(building_m, taker_m)
        piece_m = shapely.convex_hull(shapely.union_all([building_m, joint.buffer(CORRIDOR_M)]))
    piece = shapely.intersection(frame.to_wgs84(piece_m), giver)
    given = _clean(shapely.difference(giver, piece))
    if given.is_empty:
        raise EditRefused("That would leave the grid empty.", "这样会使原网格为空。")
    return given, _clean(shapely.union_all([taker, piece]))


def keep_whole(building: BaseGeometry, holders: Mapping[int, BaseGeometry],
               frame: MetricFrame) -> tuple[int, dict[int, BaseGeometry]]:
    """A building that grid lines cut, wholly in the grid that holds most of it: its pieces in
    the other grids move to that one (the line goes round the building). Returns that grid's
    key and the new shapes of every grid that changed. Measured in metres, moved in degrees,
    so the pieces moved are exactly the ones taken away."""
    pieces = {key: shapely.intersection(building, grid) for key, grid in holders.items()}
    areas = {key: frame.to_metric(piece).area for key, piece in pieces.items()}
    keeper = max(areas, key=areas.get)
    moving = [key for key in holders if key != keeper and areas[key] > 0]
    if not moving:
        raise EditRefused("The building lies in one grid already.", "该楼栋已完整位于一个网格内。")
    taken = shapely.union_all([holders[keeper], *(pieces[key] for key in moving)])
    changed, strays = {}, []
    for key in moving:
        left = _polygons(_clean(shapely.difference(holders[key], pieces[key])))
        if not left:
            raise EditRefused("That would leave a grid empty.", "这样会使一个网格为空。")
        # where the building reached across the grid, what it cut off beyond it is a crumb
        # walled off by the building: it goes with the building, not left as a sliver
        areas = shapely.area(frame.to_metric(np.asarray(left, dtype=object)))
        floor = leftover_floor_m2(frame.to_metric(holders[key]).area)
        main = int(np.argmax(areas))
        cut_off = [n for n, part in enumerate(left) if n != main and areas[n] < floor
                   and shapely.intersection(part.boundary, taken.boundary).length > 0]
        strays += [left[n] for n in cut_off]
        changed[key] = _clean(shapely.union_all([part for n, part in enumerate(left) if n not in cut_off]))
    changed[keeper] = _clean(shapely.union_all([taken, *strays]))
    return keeper, changed


def fit(changed: Mapping[int, BaseGeometry], neighbours: Mapping[int, BaseGeometry]) -> dict[int, BaseGeometry]:
    """Changed grids and their neighbours with matching vertices along every shared edge (the
    form a coverage check and a topology editor expect), cleaned as a plan starts
    (partition.clean_coverage): a line that passes within a nanodegree of a vertex leaves a
    zigzag that size where it crosses an edge, which matching vertices alone keeps and the
    check flags as an edge that does not meet. Returns those whose shape in storage changes:
    all changed grids, and neighbours that gained a vertex."""
    keys = list(changed) + [k for k in neighbours if k not in changed]
    geoms = [shapely.set_precision(changed[k] if k in changed else neighbours[k], GRID_SIZE)
             for k in keys]
    fitted = clean_coverage(geoms)
    result = {}
    for key, geom in zip(keys, fitted):
        if key in changed or not shapely.equals_exact(geom, neighbours[key], 0):
            result[key] = as_multi(geom)
    return result


def as_multi(geom: BaseGeometry) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    return MultiPolygon(_polygons(geom))


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    found = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon" and not part.is_empty:
            found.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            found += _polygons(part)
    return found


def _absorb_leftovers(pieces: list[BaseGeometry], frame: MetricFrame, floor_m2: float) -> Cut:
    """The pieces of a cut at or over `floor_m2`, largest first, each crumb under it united
    with the piece it shares the longest edge with (the nearest, when it shares only a point)."""
    polygons = [q for p in pieces for q in _polygons(shapely.set_precision(p, GRID_SIZE))]
    if not polygons:
        return Cut([])
    metric = frame.to_metric(np.asarray(polygons, dtype=object))
    areas = shapely.area(metric)
    kept = [i for i in np.argsort(-areas) if areas[i] >= floor_m2]
    crumbs = [i for i in np.argsort(areas) if areas[i] < floor_m2]
    if not kept:
        return Cut([], [float(areas[i]) for i in crumbs])
    taken: dict[int, list[int]] = {i: [] for i in kept}
    for crumb in crumbs:
        edge = shapely.boundary(metric[crumb])
        shared = [shapely.intersection(edge, shapely.boundary(metric[i])).length for i in kept]
        best = int(np.argmax(shared)) if max(shared) > 0 else \
            int(np.argmin([shapely.distance(metric[crumb], metric[i]) for i in kept]))
        taken[kept[best]].append(crumb)
    united = [_clean(shapely.union_all([polygons[i], *(polygons[c] for c in taken[i])])) if taken[i]
              else polygons[i] for i in kept]
    return Cut(united, [float(areas[c]) for c in crumbs])


def _clean(geom: BaseGeometry) -> BaseGeometry:
    """Polygons only (an overlay may leave a shared point or line behind), on the grid."""
    polygons = _polygons(shapely.set_precision(geom, GRID_SIZE))
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
