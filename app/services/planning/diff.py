"""What a plan changes against the current division: grids added, removed and changed, the
buildings (and households) that would change grid, and the boundary lines that move."""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import mapping
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...models import GridPlan

LINE_TOLERANCE_DEG = 1e-7        # ~1 cm: closer than this, a line has not moved


def diff(session: Session, plan: GridPlan) -> dict:
    params = {"plan": plan.id, "base": list(plan.base_grid_ids or []), "area": plan.area_id,
              "tolerance": LINE_TOLERANCE_DEG}
    grids = session.execute(text("""
        WITH planned AS (SELECT * FROM grid_plan_feature WHERE plan_id = :plan),
             current AS (SELECT * FROM grid WHERE id = ANY(:base))
        SELECT coalesce(p.code, c.code) AS code,
               CASE WHEN c.id IS NULL THEN 'added' WHEN p.id IS NULL THEN 'removed'
                    WHEN p.community_id IS NOT DISTINCT FROM c.community_id AND p.kind = c.kind
                         AND p.site_kind IS NOT DISTINCT FROM c.site_kind
                         AND (ST_Equals(p.geom, c.geom)
                              OR ST_HausdorffDistance(p.geom, c.geom) < :tolerance) THEN 'unchanged'
                    ELSE 'changed' END AS change,
               p.id AS feature, c.id AS grid
        FROM planned p FULL JOIN current c ON c.code = p.code
        ORDER BY 1"""), params).all()
    changes = {"added": [], "removed": [], "changed": []}
    unchanged = 0
    for row in grids:
        if row.change == "unchanged":
            unchanged += 1
        else:
            changes[row.change].append({"code": row.code, "feature": row.feature, "grid": row.grid})
    # A building is the plan's business when a base grid holds it now or a planned grid will:
    # a bounding box that merely overlaps a planned grid (the neighbouring community's
    # buildings along the line) is not, or they would all "move" to no grid.
    buildings = session.execute(text("""
        SELECT b.id, b.households, b.address, g.code AS now, p.code AS planned
        FROM building b
        LEFT JOIN grid g ON g.id = b.grid_id
        LEFT JOIN LATERAL (
            SELECT f.code FROM grid_plan_feature f WHERE f.plan_id = :plan AND f.geom && b.geom
              AND ST_IsValid(f.geom) AND ST_Contains(f.geom, ST_PointOnSurface(b.geom))
            ORDER BY f.id LIMIT 1) p ON true
        WHERE (b.grid_id = ANY(:base) OR p.code IS NOT NULL)
          AND g.code IS DISTINCT FROM p.code
        ORDER BY b.id"""), params).all()
    moving = [{"building": b.id, "address": b.address, "from": b.now, "to": b.planned,
               "households": b.households} for b in buildings]
    return {"plan": plan.id, **changes, "unchanged": unchanged, "buildings": moving,
            "households_moving": int(sum(b["households"] for b in moving)),
            "lines": _moved_lines(session, params)}


def _moved_lines(session: Session, params: dict) -> dict:
    """Boundary lines that only the plan has ('new') or only the current division ('old')."""
    planned = shapely.from_wkb(session.execute(text(
        "SELECT ST_AsBinary(geom) FROM grid_plan_feature WHERE plan_id = :plan"), params).scalars().all())
    current = shapely.from_wkb(session.execute(text(
        "SELECT ST_AsBinary(geom) FROM grid WHERE id = ANY(:base)"), params).scalars().all())
    planned_lines = shapely.union_all(shapely.boundary(np.asarray(planned, dtype=object))) \
        if len(planned) else shapely.LineString()
    current_lines = shapely.union_all(shapely.boundary(np.asarray(current, dtype=object))) \
        if len(current) else shapely.LineString()
    features = []
    for kind, lines, other in (("new", planned_lines, current_lines), ("old", current_lines, planned_lines)):
        moved = shapely.line_merge(shapely.difference(lines, shapely.buffer(other, LINE_TOLERANCE_DEG))) \
            if not lines.is_empty else lines
        for part in shapely.get_parts(moved):
            if part.geom_type == "LineString" and not part.is_empty:
                features.append({"type": "Feature", "geometry": mapping(part), "properties": {"kind": kind}})
    return {"type": "FeatureCollection", "features": features}
