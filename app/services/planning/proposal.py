"""Propose a division (as a plan to start from): each community of an area has its special
grids carved out first — those it has now, then its mapped sites (schools, hospitals, parks…,
planning.special) — and the rest cut into comprehensive grids made of its blocks, along its
roads, railways, rivers and compound walls, without cutting a building, aiming at a
household range — the generator that makes a city's division (geo.regions), offered to
planners. Every community gets it, whenever and however its outline
was drawn: a grid line that meets the outline between two of its corners becomes the
community's vertex too when the plan is filed (planning.filing)."""
from __future__ import annotations

import re

import numpy as np
import shapely
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ...geo.crs import MetricFrame, frame_for
from ...geo.partition import GRID_SIZE, Part, atomic_units, divide, end_cuts_at_vertices, part_count, polygonal
from ...geo.regions import divide_along_ground
from ...geo.plan_edits import as_multi
from ...geo.sites import without_crumbs
from ...models import Area, GridPlan, GridPlanFeature
from ..city import names
from ..city.frame import city_utm
from ..incidents.responsibility import GRID_WORKER
from . import division, plans, special
from .plans import Actor, InvalidEdit


def propose(session: Session, area_code: str, name: str, actor: Actor, rules, proposal) -> GridPlan:
    low, high = _range(proposal, rules)
    area = plans.area_in_scope(session, area_code, actor.scope)
    plan = GridPlan(name=(name or "").strip()[:200] or
                    f"{area.name_zh} 网格划分建议 / {area.name_en} proposed division",
                    area_id=area.id, status="draft", created_by=actor.user_id,
                    note=f"proposed for {low}–{high} households per grid")
    session.add(plan)
    session.flush()
    plan.base_grid_ids = list(session.execute(text(f"""
        SELECT id FROM grid WHERE valid_to IS NULL AND community_id IN ({plans.COMMUNITIES_UNDER})
        ORDER BY id"""), {"area": area.id}).scalars())
    under = list(session.execute(text(plans.COMMUNITIES_UNDER), {"area": area.id}).scalars())
    communities = session.scalars(select(Area).where(Area.id.in_(under)).order_by(Area.code)).all()
    grids = 0
    for community in communities:
        grids += _divide_community(session, plan, community, low, high)
    plans.fit_all(session, plan)
    # no note: the page says the figures in its reader's language (planner/record.js)
    plans.record(session, plan, actor.name, "proposed", None, "draft", None,
                 {"grids": grids, "min_households": low, "max_households": high})
    return plan


def _range(proposal, rules) -> tuple[int, int]:
    proposal = proposal if isinstance(proposal, dict) else {}
    try:
        low = int(proposal.get("min_households", rules.min_households))
        high = int(proposal.get("max_households", rules.max_households))
    except (TypeError, ValueError):
        raise InvalidEdit("plan.households_whole", field="propose") from None
    if not 1 <= low < high:
        raise InvalidEdit("plan.households_range", field="propose")
    return low, high


def _divide_community(session: Session, plan: GridPlan, community: Area, low: int, high: int) -> int:
    outline = to_shape(community.geom)
    rows = session.execute(text("""
        SELECT ST_AsBinary(b.geom) AS wkb, b.households FROM building b, area c
        WHERE c.id = :community AND b.geom && c.geom AND ST_Contains(c.geom, ST_PointOnSurface(b.geom))
        ORDER BY b.id"""), {"community": community.id}).all()
    footprints = shapely.from_wkb([r.wkb for r in rows]) if rows else np.array([], dtype=object)
    households = np.array([r.households for r in rows], dtype=int)
    groups = atomic_units(footprints)
    units = np.array([shapely.union_all(footprints[g]) if len(g) > 1 else footprints[g[0]] for g in groups],
                     dtype=object)
    unit_households = np.array([households[g].sum() for g in groups], dtype=int)
    frame = frame_for(outline)
    specials, carving = special.carve(outline, special.current_special_grids(session, community.id)
                                      + special.sites_in(session, outline), units, unit_households, frame)
    rest = carving.rest_units
    count = part_count(int(unit_households[rest].sum()), low, high)
    ground = division.ground_lines_in(session, outline)
    parts = divide_along_ground(carving.rest, units[rest], unit_households[rest], frame, ground.lines,
                                ground.main, [count], (low, high))[0]
    comprehensive = len(parts)
    # the parts' units as indexes into the community's, beside the special grids
    parts = [Part(p.geom, tuple(int(rest[u]) for u in p.units), p.households) for p in parts] + \
        [Part(g.geom, g.units, g.households) for g in specials]
    geoms = without_crumbs([p.geom for p in parts], [units[list(p.units)] for p in parts], frame)
    parts = [Part(geom, p.units, p.households) for geom, p in zip(geoms, parts)]
    # where a grid line follows a road to the community's edge between two of its corners, it
    # ends there, on the edge: filing gives the community that vertex (geo.vertices), and the
    # plan check measures the community as filing leaves it. Grids beyond the plan's area
    # cannot take it (a stored grid never changes): on their edges an end moves to a corner
    # they share, or onto the edge as the city's frame draws it.
    geoms = [p.geom for p in parts]
    beyond = _grids_beyond(session, plan, community)
    if beyond is not None:
        geoms = end_cuts_at_vertices(outline, geoms, [units[list(p.units)] for p in parts],
                                     MetricFrame(city_utm(session)), only_along=beyond)
    geoms = _as_served(geoms, outline)
    if not _valid_as_served(geoms):
        # a neck no rounding closed without moving the outline (seen only on synthetic towns,
        # whose coordinates lie off the served precision): the straight bisection, whose
        # lines bend around buildings without such necks, serves the rest of this community
        geoms = [p.geom for p in divide(carving.rest, units[rest], unit_households[rest], count, frame,
                                        ground.lines, (low, high))] + [g.geom for g in specials]
    # the community's current workers carry over, one per grid, as far as they go
    workers = list(session.execute(text(f"""
        SELECT DISTINCT ON (g.code) ({GRID_WORKER.format(grid='g.id')}) FROM grid g
        WHERE g.valid_to IS NULL AND g.community_id = :community ORDER BY g.code"""),
        {"community": community.id}).scalars())
    workers = [w for w in workers if w is not None]
    community_name = (community.name_zh, community.name_en)
    kinds = [None] * comprehensive + specials       # the comprehensive grids first, then the special ones
    special_names = [None] * comprehensive + special.special_names(specials, community_name)
    for number, (geom, grid, special_name) in enumerate(zip(geoms, kinds, special_names), start=1):
        code = f"{community.code}-{number:02d}"
        name_zh, name_en = special_name or names.grid_name(community_name, number)
        session.add(GridPlanFeature(plan_id=plan.id, code=code, name_zh=name_zh, name_en=name_en,
                                    kind="special" if grid else "comprehensive", site_kind=grid.kind if grid else None,
                                    community_id=community.id,
                                    worker_id=workers[number - 1] if number <= len(workers) else None,
                                    geom=from_shape(as_multi(geom), 4326)))
    session.flush()
    return len(parts)


def _grids_beyond(session: Session, plan: GridPlan, community: Area):
    """The edges of the current grids outside the plan's area that touch the community (None
    when there are none)."""
    rows = session.execute(text(f"""
        SELECT ST_AsBinary(ST_Boundary(g.geom)) FROM grid g, area c
        WHERE c.id = :community AND g.valid_to IS NULL AND g.geom && c.geom
          AND g.community_id NOT IN ({plans.COMMUNITIES_UNDER}) AND ST_Intersects(g.geom, c.geom)"""),
        {"community": community.id, "area": plan.area_id}).scalars().all()
    return shapely.union_all(shapely.from_wkb(rows)) if rows else None


SERVED_DECIMALS = 7     # the layers' precision (~1 cm), as OpenStreetMap's
SERVED_GRID = 10.0 ** -SERVED_DECIMALS
NECK_DEG = 1e-6         # around a neck, lines are put on the served precision this far (~10 cm)
NECK_TRIES = 8


def _as_served(geoms: list, outline) -> list:
    """The grids, each still valid when the layers round it to SERVED_DECIMALS: a block cut
    between buildings, or a curved road's close vertices, can leave a neck a hundredth of a
    millimetre wide that rounding folds over. Around each such neck (NECK_DEG) the community's
    grid lines are put on that precision grid together (GEOS's snap-rounding: the same line the
    same way for the grids on either side) and the grids made again of the faces the lines
    bound: the neck closes and the grids still tile the community. Where that does not close it,
    every line of the community is put on the precision grid. Either way the vertices on the
    community's outline stay where they were (grids beyond the plan may share them, and filing
    gives them to the community), and the nodes rounding would add to it are left out."""
    geoms = np.asarray(geoms, dtype=object)
    for attempt in range(NECK_TRIES):
        served = shapely.transform(geoms, lambda xy: np.round(xy, SERVED_DECIMALS))
        bad = ~shapely.is_valid(served)
        if not bad.any():
            break
        # around the necks first; then, where that does not close them, every line
        necks = shapely.buffer(shapely.multipoints([_defect(g) for g in served[bad]]), NECK_DEG)
        redrawn = _rounded_around(geoms, necks if attempt < NECK_TRIES // 2 else None, outline)
        if redrawn is None:
            break
        geoms = redrawn
    return list(geoms)


def _valid_as_served(geoms) -> bool:
    return bool(shapely.is_valid(shapely.transform(np.asarray(geoms, dtype=object),
                                                   lambda xy: np.round(xy, SERVED_DECIMALS))).all())


def _rounded_around(geoms: np.ndarray, necks, outline) -> np.ndarray | None:
    """The grids with their lines around the necks (everywhere, when `necks` is None) put on
    the served precision grid, all but the outline's own vertices."""
    lines = shapely.union_all(shapely.boundary(geoms), grid_size=GRID_SIZE)
    if necks is None:
        inside, outside, ends = lines, shapely.LineString(), np.empty((0, 2))
    else:
        inside = shapely.intersection(lines, necks, grid_size=GRID_SIZE)
        outside = shapely.difference(lines, necks, grid_size=GRID_SIZE)
        ends = shapely.get_coordinates(shapely.intersection(lines, shapely.boundary(necks), grid_size=GRID_SIZE))
    # where a line leaves the neck's surroundings it keeps its place, so the rounded piece
    # still meets the rest; so do the vertices on the community's outline, which grids
    # beyond may share and which filing gives the community
    xy = np.unique(shapely.get_coordinates(geoms), axis=0)
    on_outline = xy[shapely.dwithin(shapely.points(xy), shapely.boundary(outline), 2 * GRID_SIZE)]
    ends = np.vstack([ends, on_outline[shapely.intersects(shapely.points(on_outline), shapely.buffer(inside, SERVED_GRID))]])
    rounded = shapely.set_precision(inside, SERVED_GRID)
    if len(ends):
        tree = shapely.STRtree(shapely.points(ends))

        def pinned(coords: np.ndarray) -> np.ndarray:
            at, which = tree.query_nearest(shapely.points(coords), max_distance=SERVED_GRID)
            coords = coords.copy()
            coords[at] = ends[which]
            return coords
        rounded = shapely.transform(rounded, pinned)
    noded = shapely.union_all([rounded, outside], grid_size=GRID_SIZE)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    if not len(faces):
        return None
    # each face to the grid holding it (a face that rounding moved off every grid, to the nearest)
    owner = shapely.STRtree(geoms).query_nearest(shapely.point_on_surface(faces), all_matches=False)[1]
    result = np.array([polygonal(shapely.union_all(faces[owner == i], grid_size=GRID_SIZE))
                       if (owner == i).any() else g for i, g in enumerate(geoms)], dtype=object)
    result = _without_new_outline_nodes(result, outline, {(float(x), float(y)) for x, y in on_outline})
    return result if shapely.is_valid(result).all() else None


def _without_new_outline_nodes(grids: np.ndarray, outline, kept: set) -> np.ndarray:
    """The grids without the nodes rounding made on the community's outline where a vertex
    inside lay within a pixel of it: one grid holds such a node, no line ends there, and no
    grid beyond the plan has it. The outline's edge runs straight between its own vertices
    again."""
    edge = shapely.boundary(outline)
    held: dict[tuple[float, float], int] = {}
    for grid in grids:
        for x, y in {(float(x), float(y)) for x, y in shapely.get_coordinates(grid)}:
            held[(x, y)] = held.get((x, y), 0) + 1
    stray = {p for p, n in held.items() if n == 1 and p not in kept}
    stray = {p for p in stray if shapely.dwithin(edge, shapely.Point(p), SERVED_GRID)}
    if not stray:
        return grids

    def ring(r):
        xy = [tuple(map(float, c)) for c in shapely.get_coordinates(r)[:-1]]
        left = [c for c in xy if c not in stray]
        return left + left[:1] if len(left) >= 3 else xy + xy[:1]

    def cleaned(grid):
        polygons = [shapely.Polygon(ring(p.exterior), [ring(i) for i in p.interiors])
                    for p in shapely.get_parts(grid)]
        return polygonal(shapely.union_all(polygons, grid_size=GRID_SIZE)) if len(polygons) > 1 else polygons[0]
    return np.array([cleaned(g) if any(p in stray for p in map(tuple, shapely.get_coordinates(g))) else g
                     for g in grids], dtype=object)


def _defect(geom) -> tuple[float, float]:
    """Where an invalid outline fails (GEOS names a point), or a point of it."""
    found = re.search(r"\[([-\d.e]+) ([-\d.e]+)\]", shapely.is_valid_reason(geom))
    return (float(found[1]), float(found[2])) if found else tuple(shapely.get_coordinates(geom)[0])
