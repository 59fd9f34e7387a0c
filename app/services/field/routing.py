"""The fastest worker to an incident: the available workers (a fix within the stale minutes)
ranked by travel distance along the roads, each with the route.

The graph is scipy's (app/geo/network.py), not pgRouting: the road network of a city fits in
memory many times over, one Dijkstra from the incident reaches every worker in milliseconds,
and the database needs no extension beyond PostGIS (a managed or locked-down PostGIS at a
command center often cannot add one). Each process builds the graph once and again only when
the roads layer changes (its layer version)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...config import PositionRules
from ...geo import network
from ..accounts.scope import Scope
from ..city import frame

_networks: dict[str, tuple[int, network.RoadNetwork | None]] = {}     # database → (version, graph)
_lock = threading.Lock()


def road_network(session: Session) -> network.RoadNetwork | None:
    version = session.execute(text(
        "SELECT coalesce(sum(version), 0) FROM layer_version WHERE layer = 'road'")).scalar_one()
    database = frame.database_of(session)
    with _lock:
        held = _networks.get(database)
        if held is None or held[0] != version:
            lines = [shapely.from_wkb(w) for w in session.execute(text(
                "SELECT ST_AsBinary(geom) FROM road")).scalars()]
            held = _networks[database] = (version, network.build(lines))
        return held[1]


def nearest_workers(session: Session, lon: float, lat: float, scope: Scope, rules: PositionRules,
                    now: datetime, limit: int = 5) -> list[dict]:
    condition, params = scope.condition(session, "l")
    rows = session.execute(text(f"""
        SELECT w.id, w.code, w.name_zh, w.name_en, w.role, l.fixed_at, ST_X(l.geom), ST_Y(l.geom)
        FROM worker w
        CROSS JOIN LATERAL (SELECT p.fixed_at, p.geom FROM position p
                            WHERE p.worker_id = w.id AND p.flag IS NULL
                              AND p.fixed_at >= :since AND p.fixed_at <= :now
                            ORDER BY p.fixed_at DESC LIMIT 1) l
        WHERE w.active AND w.role IN ('full_time', 'part_time') AND ({condition})"""),
        {**params, "since": now - timedelta(minutes=rules.stale_minutes), "now": now}).all()
    roads = road_network(session)
    if not rows or roads is None:
        return []
    found = network.routes(roads, shapely.Point(lon, lat), [shapely.Point(r[6], r[7]) for r in rows], drawn=limit)
    ranked = []
    for route in found[:limit]:
        wid, code, zh, en, role, at, wlon, wlat = rows[route.target]
        ranked.append({
            "worker_id": wid, "worker": code, "name": {"zh": zh, "en": en}, "role": role,
            "at": at.isoformat(), "position": [wlon, wlat],
            "road_m": round(route.metres, 1) if route.line is not None else None,
            "straight_m": round(route.straight_m, 1),
            "route": shapely.geometry.mapping(route.line) if route.line is not None else None})
    return ranked
