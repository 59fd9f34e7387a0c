"""Places in words over HTTP: find a building by address in my community, and name the place
where I stand (GET /api/v1/places, /api/v1/places/nearest)."""
from __future__ import annotations

import math

from flask import Blueprint, jsonify, request

from .. import db
from ..auth import requires
from ..auth.identity import current_scope
from ..services.city import places
from .params import InvalidParameter, parse_int

bp = Blueprint("places", __name__, url_prefix="/api/v1")


def _coordinate(name: str, low: float, high: float) -> float:
    raw = request.args.get(name, "")
    try:
        value = float(raw)
    except ValueError:
        raise InvalidParameter(name, "param.degrees", name=name, value=raw[:40]) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidParameter(name, "param.range", name=name, low=low, high=high, value=raw[:40])
    return value


@bp.get("/places")
@requires("layers:read")
def search():
    limit = parse_int(request.args.get("limit"), "limit", 30, 1, 100)
    found = places.search(db.session(), request.args.get("q", ""), current_scope(), limit)
    return jsonify(type="FeatureCollection", features=found, numberReturned=len(found))


@bp.get("/places/nearest")
@requires("layers:read")
def nearest():
    lon, lat = _coordinate("lon", -180, 180), _coordinate("lat", -90, 90)
    return jsonify(places.nearest(db.session(), lon, lat))
