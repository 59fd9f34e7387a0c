"""Positions over HTTP: a phone's batch of fixes, a day's GPX file."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text

from .. import db
from ..auth import current_user, permits, requires
from ..auth.identity import current_scope
from ..messages import Said
from ..services.field import positions, roster, tracks, workers_live as workers_live_service
from .errors import Refused, described
from .idempotent import transactional
from .params import InvalidParameter, parse_date, parse_int

bp = Blueprint("positions", __name__, url_prefix="/api/v1")


class WhoseFixes(Said, ValueError):
    status = 422


def _worker_id(body: dict | None) -> int:
    """A grid worker sends their own fixes; an integration (positions:write for all) names
    the worker by code or id."""
    user = current_user()
    if permits(user.role, "positions:write") == "own":
        if user.worker_id is None:
            raise WhoseFixes("positions.not_a_worker")
        return user.worker_id
    named = (body or {}).get("worker", request.args.get("worker"))
    if named is None:
        raise WhoseFixes("positions.name_worker")
    found = db.session().execute(text(
        "SELECT id FROM worker WHERE code = :name OR id::text = :name"), {"name": str(named)}).scalar()
    if found is None:
        raise WhoseFixes("positions.no_worker", worker=named)
    return found


@bp.errorhandler(WhoseFixes)
def _whose(error):
    return jsonify(code="InvalidWorker", description=described(error)), 422


def _answer(worker_id: int, fixes: list[positions.Fix], malformed: int = 0):
    rules = current_app.config["GRIDMAP"].positions
    if len(fixes) + malformed > rules.max_batch:
        raise Refused(413, "BatchTooLarge", "positions.too_many", most=rules.max_batch,
                      count=len(fixes) + malformed)
    if not fixes and not malformed:
        raise Refused(422, "NoFixes", "positions.none")
    settings = current_app.config["GRIDMAP"]
    now = datetime.now(timezone.utc)
    result = positions.intake(db.session(), worker_id, fixes, rules, now, malformed)
    if result.stored:
        tracks.keep_late(db.session(), worker_id, [f.at for f in fixes], settings.timezone, rules,
                         now.astimezone(ZoneInfo(settings.timezone)).date())
    return jsonify(worker_id=worker_id, **result.as_dict())


@bp.post("/positions")
@requires("positions:write")
@transactional
def batch():
    """{"fixes": [{"time": ISO 8601 or epoch seconds, "lon", "lat", "accuracy", "speed"}, …]}
    (or the list alone)."""
    body = request.get_json(silent=True)
    items = body.get("fixes") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise Refused(400, "InvalidBody", "positions.body")
    fixes, malformed = positions.read_fixes(items)
    return _answer(_worker_id(body if isinstance(body, dict) else None), fixes, malformed)


@bp.post("/positions/gpx")
@requires("positions:write")
@transactional
def gpx():
    """A GPX file as the body, or a multipart form with one file named "gpx"."""
    data = request.files["gpx"].read() if "gpx" in request.files else request.get_data()
    try:
        fixes = positions.read_gpx(data)
    except positions.BadGpx as error:
        return jsonify(code="InvalidGpx", description=described(error)), 422
    return _answer(_worker_id(None), fixes)


@bp.get("/workers/<code>/track")
@requires("tracks:read")
def track(code: str):
    """?date=YYYY-MM-DD (default: today where the city is): the day's route, its pieces and
    stops, as GeoJSON."""
    settings = current_app.config["GRIDMAP"]
    user = current_user()
    session = db.session()
    worker = session.execute(text("SELECT id FROM worker WHERE code = :code"), {"code": code}).scalar()
    # a worker's own route, or (for those who read routes) a worker of their area
    own = permits(user.role, "tracks:read") == "own"
    if worker is None or (worker != user.worker_id if own else not current_scope().holds_worker(session, worker)):
        raise Refused(404, "NotFound", "track.not_found", worker=code)
    try:
        day = parse_date(request.args.get("date"), "date") or datetime.now(ZoneInfo(settings.timezone)).date()
    except InvalidParameter as error:
        return jsonify(code="InvalidParameterValue", parameter=error.name, description=described(error)), 400
    found = tracks.of_day(db.session(), worker, day, settings.timezone, settings.positions)
    return jsonify(found.as_geojson())


@bp.get("/workers")
@requires("incidents:dispatch")
def workers_found():
    """?q=张 (a name or code, at least one character): active grid workers in the dispatcher's
    area, each with the grids and communities they hold — whom to send, found by name."""
    query = (request.args.get("q") or "").strip()
    if not query:
        raise Refused(400, "InvalidParameterValue", "param.required", extra={"parameter": "q"}, name="q")
    limit = parse_int(request.args.get("limit"), "limit", 10, 1, 50)
    return jsonify(workers=roster.search(db.session(), current_scope(), query[:50], limit))


@bp.get("/workers/live")
@requires("tracks:read")
def workers_live():
    """Each worker's latest position today, stale or not, inside their grid or not, and the
    out-of-grid alert."""
    settings = current_app.config["GRIDMAP"]
    now = datetime.now(ZoneInfo(settings.timezone))
    user = current_user()
    found = workers_live_service.live(db.session(), current_scope(), settings.positions, now,
                                      now.replace(hour=0, minute=0, second=0, microsecond=0))
    if permits(user.role, "tracks:read") == "own":
        found["features"] = [f for f in found["features"] if f["id"] == user.worker_id]
    return jsonify(found)
