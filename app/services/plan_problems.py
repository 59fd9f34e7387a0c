"""A plan's problems, as planners see them while they draw: everything geo.plan_check finds,
read from the plan, its area, the area's communities and buildings, and who else the
planned workers already answer for."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import mapping
from sqlalchemy import text
from sqlalchemy.orm import Session

from ..geo.crs import frame_for
from ..geo.plan_check import Check, PlannedGrid, check_plan
from ..models import GridPlan
from . import plans
from .scope import Scope

COORDINATE_DECIMALS = 7


@dataclass
class PlanCheck:
    plan: GridPlan
    grids: list[PlannedGrid]
    check: Check


def check(session: Session, plan_id: int, scope: Scope, rules) -> PlanCheck:
    plan = plans.load(session, plan_id, scope)
    return check_loaded(session, plan, rules)


def check_loaded(session: Session, plan: GridPlan, rules) -> PlanCheck:
    rows = session.execute(text("""
        SELECT f.id, f.code, f.kind, c.code AS community, w.code AS worker, ST_AsBinary(f.geom) AS wkb
        FROM grid_plan_feature f LEFT JOIN area c ON c.id = f.community_id
        LEFT JOIN worker w ON w.id = f.worker_id
        WHERE f.plan_id = :plan ORDER BY f.code, f.id"""), {"plan": plan.id}).all()
    shapes = shapely.from_wkb([r.wkb for r in rows]) if rows else []
    grids = [PlannedGrid(r.id, r.code, r.kind, r.community, r.worker, g) for r, g in zip(rows, shapes)]
    area = shapely.from_wkb(session.execute(text("SELECT ST_AsBinary(geom) FROM area WHERE id = :id"),
                                            {"id": plan.area_id}).scalar_one())
    communities = {code: shapely.from_wkb(wkb) for code, wkb in session.execute(text(f"""
        SELECT code, ST_AsBinary(geom) FROM area WHERE id IN ({plans.COMMUNITIES_UNDER})"""),
        {"area": plan.area_id})}
    # by bounding box only: a building outside the area lies in no grid and crosses none
    buildings = session.execute(text("""
        SELECT ST_AsBinary(b.geom) AS wkb, b.households FROM building b
        WHERE b.geom && (SELECT geom FROM area WHERE id = :area)
        ORDER BY b.id"""), {"area": plan.area_id}).all()
    footprints = shapely.from_wkb([b.wkb for b in buildings]) if buildings else np.array([], dtype=object)
    held_elsewhere = dict(session.execute(text("""
        SELECT w.code, count(*) FROM worker_assignment a
        JOIN worker w ON w.id = a.worker_id JOIN grid g ON g.id = a.grid_id
        WHERE a.valid_to IS NULL AND g.valid_to IS NULL AND NOT g.id = ANY(:base)
          AND w.id IN (SELECT worker_id FROM grid_plan_feature WHERE plan_id = :plan)
        GROUP BY w.code"""), {"base": list(plan.base_grid_ids or []), "plan": plan.id}).all())
    result = check_plan(grids, area, communities, footprints, [b.households for b in buildings],
                        rules, frame_for(area), held_elsewhere)
    return PlanCheck(plan, grids, result)


def as_geojson(found: PlanCheck) -> dict:
    """The problems as a FeatureCollection (a map layer), with each grid's households."""
    features = []
    for n, problem in enumerate(found.check.problems):
        # rounded to ~1 cm like every layer; rounding the numbers only, so nothing collapses
        geometry = shapely.transform(problem.geometry, lambda xy: np.round(xy, COORDINATE_DECIMALS))
        features.append({"type": "Feature", "id": n + 1,
                         "geometry": mapping(geometry) if not geometry.is_empty else None,
                         "properties": {"kind": problem.kind, "blocking": problem.blocking,
                                        "message_zh": problem.message_zh, "message_en": problem.message_en,
                                        "grids": problem.grids, **problem.detail}})
    by_kind: dict[str, int] = {}
    for problem in found.check.problems:
        by_kind[problem.kind] = by_kind.get(problem.kind, 0) + 1
    return {"type": "FeatureCollection", "plan": found.plan.id, "version": found.plan.version,
            "status": found.plan.status, "blocking": len(found.check.blocking),
            "counts": by_kind, "features": features,
            "grids": [{"id": g.id, "code": g.code, "households": found.check.households.get(g.id, 0)}
                      for g in found.grids]}
