"""Positions over HTTP: a phone's batch of fixes, a day's GPX file."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text

from .. import db
from ..auth import current_user, permits, requires
from ..auth.identity import current_scope
from ..services.field import positions, tracks, workers_live as workers_live_service
from .idempotent import transactional
from .params import InvalidParameter, parse_date

bp = Blueprint("positions", __name__, url_prefix="/api/v1")


class WhoseFixes(ValueError):
    status = 422


def _worker_id(body: dict | None) -> int:
    """A grid worker sends their own fixes; an integration (positions:write for all) names
    the worker by code or id."""
    user = current_user()
    if permits(user.role, "positions:write") == "own":
        if user.worker_id is None:
            raise WhoseFixes("This account is not linked to a worker; it cannot send positions.")
        return user.worker_id
    named = (body or {}).get("worker", request.args.get("worker"))
    if named is None:
        raise WhoseFixes("Name the worker whose fixes these are: \"worker\" (code or id).")
    found = db.session().execute(text(
        "SELECT id FROM worker WHERE code = :name OR id::text = :name"), {"name": str(named)}).scalar()
    if found is None:
        raise WhoseFixes(f"There is no worker {named!r}.")
    return found


@bp.errorhandler(WhoseFixes)
def _whose(error):
    return jsonify(code="InvalidWorker", description=str(error)), 422


def _answer(worker_id: int, fixes: list[positions.Fix], malformed: int = 0):
    rules = current_app.config["GRIDMAP"].positions
    if len(fixes) + malformed > rules.max_batch:
        return jsonify(code="BatchTooLarge", description=f"Send at most {rules.max_batch:,} fixes "
                       f"at a time (this batch has {len(fixes) + malformed:,})."), 413
    if not fixes and not malformed:
        return jsonify(code="NoFixes", description="The batch holds no fixes: send "
                       "{\"fixes\": [{\"time\", \"lon\", \"lat\", \"accuracy\", \"speed\"}, …]}."), 422
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
        return jsonify(code="InvalidBody", description="Send JSON: {\"fixes\": [{\"time\", \"lon\", "
                       "\"lat\", \"accuracy\", \"speed\"}, …]}."), 400
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
        return jsonify(code="InvalidGpx", description=str(error)), 422
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
        return jsonify(code="NotFound", description=f"There is no worker {code!r} whose route you may see."), 404
    try:
        day = parse_date(request.args.get("date"), "date") or datetime.now(ZoneInfo(settings.timezone)).date()
    except InvalidParameter as error:
        return jsonify(code="InvalidParameterValue", parameter=error.name, description=str(error)), 400
    found = tracks.of_day(db.session(), worker, day, settings.timezone, settings.positions)
    return jsonify(found.as_geojson())


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
