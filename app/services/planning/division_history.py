"""The division as it was: which grid, community and street held a place on any date, and
the succession of grids that held it (boundary disputes need the history)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

# A grid held the point at :at if its validity period [valid_from, valid_to) contains :at;
# its worker then is the one assigned at :at (without :at, the grid's first).
_HELD = """
    SELECT g.id, g.code, g.name_zh, g.name_en, g.valid_from, g.valid_to, g.plan_id,
           c.code AS community, s.code AS street,
           (SELECT w.code FROM worker_assignment a JOIN worker w ON w.id = a.worker_id
            WHERE a.grid_id = g.id AND w.role = 'full_time'
              AND (CAST(:at AS timestamptz) IS NULL OR (a.valid_from <= :at
                   AND (a.valid_to IS NULL OR a.valid_to > :at)))
            ORDER BY a.valid_from LIMIT 1) AS worker
    FROM grid g JOIN area c ON c.id = g.community_id LEFT JOIN area s ON s.id = c.parent_id
    WHERE g.geom && ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)
      AND ST_Intersects(g.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
      {when}
    ORDER BY g.valid_from, g.id"""


def place_of_building(session: Session, building_id: int) -> tuple[float, float, str | None] | None:
    row = session.execute(text("""
        SELECT ST_X(p), ST_Y(p), address FROM (
            SELECT ST_PointOnSurface(geom) AS p, address FROM building WHERE id = :id) s"""),
        {"id": building_id}).one_or_none()
    return (row[0], row[1], row[2]) if row else None


def find_address(session: Session, query: str, limit: int = 10) -> list[dict]:
    rows = session.execute(text("""
        SELECT id, address, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat
        FROM building WHERE address ILIKE :q ORDER BY length(address), id LIMIT :limit"""),
        {"q": f"%{query}%", "limit": limit}).all()
    return [{"building": r.id, "address": r.address, "lon": r.lon, "lat": r.lat} for r in rows]


def held_on(session: Session, lon: float, lat: float, at: datetime) -> dict | None:
    row = session.execute(text(_HELD.format(
        when="AND g.valid_from <= :at AND (g.valid_to IS NULL OR g.valid_to > :at)")),
        {"lon": lon, "lat": lat, "at": at}).first()
    return _grid(row) if row else None


def timeline(session: Session, lon: float, lat: float) -> list[dict]:
    rows = session.execute(text(_HELD.format(when="")), {"lon": lon, "lat": lat, "at": None}).all()
    return [_grid(r) for r in rows]


def _grid(row) -> dict:
    return {"grid": row.code, "grid_id": row.id, "name_zh": row.name_zh, "name_en": row.name_en,
            "community": row.community, "street": row.street, "worker": row.worker,
            "valid_from": row.valid_from.isoformat(), "plan": row.plan_id,
            "valid_to": row.valid_to.isoformat() if row.valid_to else None}


def changes(session: Session, scope) -> list[dict]:
    """The moments the division the user may see changed — grids opened or closed, by loading
    the city or by filing a plan — oldest first, each with the plan filed then (id and name),
    if one was: the stops of "the division on a date"."""
    condition, params = scope.condition(session, "g")
    rows = session.execute(text(f"""
        SELECT m.at, p.id AS plan, p.name FROM (
            SELECT g.valid_from AS at FROM grid g WHERE {condition}
            UNION SELECT g.valid_to FROM grid g WHERE g.valid_to IS NOT NULL AND {condition}) m
        LEFT JOIN LATERAL (
            SELECT p.id, p.name FROM grid_plan p WHERE p.status = 'filed' AND p.effective_from = m.at
            ORDER BY p.id LIMIT 1) p ON true
        ORDER BY m.at"""), params).all()
    return [{"at": r.at.isoformat(), "plan": {"id": r.plan, "name": r.name} if r.plan else None} for r in rows]
