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
    rows = session.execute(text(f"""
        WITH held AS (
            SELECT a.worker_id, ST_Union(g.geom) AS area, array_agg(g.code ORDER BY g.code) AS grids
            FROM worker_assignment a JOIN grid g ON g.id = a.grid_id AND g.valid_to IS NULL
            WHERE a.valid_to IS NULL GROUP BY a.worker_id)
        SELECT w.id, w.code, w.name_zh, w.name_en, w.role, l.fixed_at,
               round(ST_X(l.geom)::numeric, 7), round(ST_Y(l.geom)::numeric, 7), h.grids,
               CASE WHEN h.area IS NULL THEN NULL ELSE ST_Intersects(h.area, l.geom) END AS inside,
               (SELECT min(p.fixed_at) FROM position p
                 WHERE p.worker_id = w.id AND p.flag IS NULL AND p.fixed_at >= :window_start
                   AND p.fixed_at > coalesce((SELECT max(q.fixed_at) FROM position q
                                              WHERE q.worker_id = w.id AND q.flag IS NULL
                                                AND q.fixed_at >= :window_start
                                                AND ST_Intersects(h.area, q.geom)), '-infinity')
               ) AS outside_since
        FROM worker w
        CROSS JOIN LATERAL (SELECT p.fixed_at, p.geom AS geom FROM position p
                            WHERE p.worker_id = w.id AND p.fixed_at >= :day_start AND p.flag IS NULL
                            ORDER BY p.fixed_at DESC LIMIT 1) l
        LEFT JOIN held h ON h.worker_id = w.id
        WHERE w.active AND ({condition})
        ORDER BY w.code"""),
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
