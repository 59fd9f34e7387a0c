"""Where the grid workers are now: each one's latest good fix today, whether they stand in
their own grid, and the out-of-grid alert — outside their grid for longer than the
configured minutes during duty hours (脱岗)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...config import PositionRules
from ..accounts.scope import Scope


def live(session: Session, scope: Scope, rules: PositionRules, now: datetime, day_start: datetime) -> dict:
    """A GeoJSON FeatureCollection, one feature per worker with a fix today."""
    condition, params = scope.condition(session, "l")
    window = timedelta(minutes=2 * rules.out_of_grid_minutes)
    # A city has 6,400 grid workers: when they left their grid is asked only of those outside
    # it now (a subquery per worker was two thirds of the answer), and without JIT, which
    # PostGIS's costs would switch on to compile for longer than the query runs.
    session.execute(text("SET LOCAL jit = off"))
    rows = session.execute(text(f"""
        WITH held AS (
            SELECT a.worker_id, ST_Union(g.geom) AS area, array_agg(g.code ORDER BY g.code) AS grids
            FROM worker_assignment a JOIN grid g ON g.id = a.grid_id AND g.valid_to IS NULL
            WHERE a.valid_to IS NULL GROUP BY a.worker_id),
        here AS (
            SELECT w.id, w.code, w.name_zh, w.name_en, w.role, l.fixed_at, l.geom, h.grids, h.area,
                   CASE WHEN h.area IS NULL THEN NULL ELSE ST_Intersects(h.area, l.geom) END AS inside
            FROM worker w
            CROSS JOIN LATERAL (SELECT p.fixed_at, p.geom AS geom FROM position p
                                WHERE p.worker_id = w.id AND p.fixed_at >= :day_start AND p.flag IS NULL
                                ORDER BY p.fixed_at DESC LIMIT 1) l
            LEFT JOIN held h ON h.worker_id = w.id
            WHERE w.active AND ({condition}))
        SELECT t.id, t.code, t.name_zh, t.name_en, t.role, t.fixed_at,
               round(ST_X(t.geom)::numeric, 7), round(ST_Y(t.geom)::numeric, 7), t.grids, t.inside,
               CASE WHEN t.inside IS FALSE THEN
                   (SELECT min(p.fixed_at) FROM position p
                     WHERE p.worker_id = t.id AND p.flag IS NULL AND p.fixed_at >= :window_start
                       -- the last fix inside, looked for backwards from now: a few of the
                       -- worker's fixes (IS TRUE keeps it off the geometry index, which read
                       -- every fix of the day near the grid to find them)
                       AND p.fixed_at > coalesce((SELECT q.fixed_at FROM position q
                                                  WHERE q.worker_id = t.id AND q.flag IS NULL
                                                    AND q.fixed_at >= :window_start
                                                    AND ST_Intersects(t.area, q.geom) IS TRUE
                                                  ORDER BY q.fixed_at DESC LIMIT 1), '-infinity'))
               END AS outside_since
        FROM here t
        ORDER BY t.code"""),
        {**params, "day_start": day_start, "window_start": now - window}).all()
    on_duty = rules.duty_hours[0] <= now.hour < rules.duty_hours[1]
    features = []
    for wid, code, zh, en, role, at, lon, lat, grids, inside, outside_since in rows:
        stale = now - at > timedelta(minutes=rules.stale_minutes)
        if inside is not False:
            outside_since = None
        elif outside_since is None:
            outside_since = now - window       # outside for the whole window, at least
        away = (now - outside_since) if outside_since else None
        features.append({
            "type": "Feature", "id": wid,
            "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
            "properties": {
                "worker_id": wid, "worker": code, "name": {"zh": zh, "en": en}, "role": role,
                "at": at.isoformat(), "stale": stale, "grids": list(grids or []), "inside": inside,
                "outside_since": outside_since.isoformat() if outside_since else None,
                "out_of_grid_alert": bool(on_duty and not stale and away is not None
                                          and away >= timedelta(minutes=rules.out_of_grid_minutes)),
            }})
    return {"type": "FeatureCollection", "features": features,
            "properties": {"now": now.isoformat(), "on_duty": on_duty,
                           "stale_minutes": rules.stale_minutes,
                           "out_of_grid_minutes": rules.out_of_grid_minutes}}
