"""Propose a division (as a plan to start from): each community of an area is cut into grids
along its roads and block edges, without cutting a building, aiming at a household range —
the generator that made the demo city (geo.partition), offered to planners."""
from __future__ import annotations

import numpy as np
import shapely
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ...geo.crs import frame_for
from ...geo.coverage import EXACT_M2
from ...geo.partition import GRID_SIZE, Part, atomic_units, divide, end_cuts_at_vertices, part_count
from ...geo.regions import divide_along_ground
from ...geo.plan_edits import as_multi
from ...models import Area, GridPlan, GridPlanFeature
from ..city import names
from ..incidents.responsibility import GRID_WORKER
from . import division, plans
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
    plans.record(session, plan, actor.name, "proposed", None, "draft",
                 f"{grids} grids proposed for {low}–{high} households", {"min_households": low,
                                                                         "max_households": high})
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
    count = part_count(int(unit_households.sum()), low, high)
    ground = division.ground_lines_in(session, outline)
    frame = frame_for(outline)
    parts = divide_along_ground(outline, units, unit_households, frame, ground.lines, ground.main,
                                [count], (low, high))[0]
    # the community's outline stays as it is: grid lines that meet it part-way along an edge
    # end at its corners instead (or on the edge as the metric frame draws it)
    geoms = end_cuts_at_vertices(outline, [p.geom for p in parts], [units[list(p.units)] for p in parts], frame)
    parts = [Part(g, p.units, p.households) for g, p in zip(geoms, parts)]
    if not (_exact(outline, geoms, frame) and _valid_as_served(geoms)):
        # roads meet an outline drawn before blocks (by bisection, or by hand) part-way along
        # its edges, and those vertices bow against it: the straight bisection, which ends
        # its lines at the outline's corners, keeps the community exactly (and a block cut
        # between buildings can leave a neck that rounding to the layers' precision crosses)
        parts = divide(outline, units, unit_households, count, frame, ground.lines, (low, high))
    # the community's current workers carry over, one per grid, as far as they go
    workers = list(session.execute(text(f"""
        SELECT DISTINCT ON (g.code) ({GRID_WORKER.format(grid='g.id')}) FROM grid g
        WHERE g.valid_to IS NULL AND g.community_id = :community ORDER BY g.code"""),
        {"community": community.id}).scalars())
    workers = [w for w in workers if w is not None]
    community_name = (community.name_zh, community.name_en)
    for number, part in enumerate(parts, start=1):
        code = f"{community.code}-{number:02d}"
        name_zh, name_en = names.grid_name(community_name, number)
        session.add(GridPlanFeature(plan_id=plan.id, code=code, name_zh=name_zh, name_en=name_en,
                                    kind="comprehensive", community_id=community.id,
                                    worker_id=workers[number - 1] if number <= len(workers) else None,
                                    geom=from_shape(as_multi(part.geom), 4326)))
    session.flush()
    return len(parts)


def _exact(outline, geoms, frame) -> bool:
    """Nothing of EXACT_M2 between the community and its grids, measured in metres."""
    union = shapely.union_all(geoms, grid_size=GRID_SIZE)
    left = frame.to_metric(shapely.symmetric_difference(outline, union, grid_size=GRID_SIZE))
    return all(piece.area < EXACT_M2 for piece in shapely.get_parts(left))


SERVED_DECIMALS = 7     # the layers' precision (~1 cm), as OpenStreetMap's


def _valid_as_served(geoms) -> bool:
    return bool(shapely.is_valid(shapely.transform(np.asarray(geoms, dtype=object),
                                                   lambda xy: np.round(xy, SERVED_DECIMALS))).all())
