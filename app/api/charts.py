"""The figures behind the command-center wall's charts, and its heat map layer:

- GET /api/v1/wall/charts?period=today|7d|30d|month → {now, period: {name, start, end},
  timezone, panels: {by_hour, by_day, by_category, by_channel, open_by_status, on_time, by_area}}
- GET /api/v1/wall/heat?period=…&category=…&size=… → a GeoJSON FeatureCollection of hexagons

Both scoped to the reader; every bar and hexagon carries the incident list's query that opens
the incidents behind it (services/incidents/statistics.py, heat.py). The period defaults to today.
Both read from the replica when there is one (app/api/layers/request.py): the wall asks for them
4 s after a burst of events, past the replica's bound of 2 s, so an event it heard is there."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from ..auth import requires
from ..auth.identity import current_scope
from ..models import Category
from ..services.incidents import heat as heat_map, statistics
from ..services.layers import versions
from . import http
from .layers.request import read_session
from .params import InvalidParameter, parse_int

bp = Blueprint("charts", __name__, url_prefix="/api/v1/wall")

GEOJSON = "application/geo+json"


def _now() -> tuple[datetime, ZoneInfo]:
    zone = ZoneInfo(current_app.config["GRIDMAP"].timezone)
    return datetime.now(zone), zone


@bp.get("/charts")
@requires("incidents:read")
def panels():
    now, zone = _now()
    # in a transaction: the charts turn JIT off for it (statistics.without_jit)
    return jsonify(statistics.charts(read_session(), current_scope(), now, zone, request.args.get("period") or "today"))


@bp.get("/heat")
@requires("incidents:read")
def heat():
    """The hexagons of side `size` metres (default 250) holding incidents reported in the
    period, of one category when asked; an ETag that changes when an incident does, so a
    wall that asks again after every event of the stream mostly gets 304."""
    now, zone = _now()
    within = statistics.period(request.args.get("period") or "today", now, zone)
    size = parse_int(request.args.get("size"), "size", heat_map.DEFAULT_SIZE, *heat_map.SIZES)
    category = request.args.get("category") or None
    session, scope = read_session(), current_scope()
    if category is not None and session.get(Category, category) is None:
        known = session.scalars(select(Category.code).order_by(Category.code)).all()
        raise InvalidParameter("category", "incident.category_unknown", category=category, known=known)
    # read before the answer, so a change made meanwhile is never hidden behind this tag
    etag = versions.etag(session, ("incident",), scope,
                         f"heat|{within.start.isoformat()}|{within.end.isoformat()}|{size}|{category}")
    unchanged = http.not_modified(etag)
    if unchanged is not None:
        return unchanged
    body = heat_map.hexagons(session, scope, within, size, category)
    return http.whole(body.encode(), GEOJSON, etag)
