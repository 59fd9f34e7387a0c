"""Cameras over HTTP: read, add, change and remove one (operators); coverage per area, the
blind spots, and where to add cameras."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .. import csvfile, db
from ..auth import requires
from ..auth.identity import current_scope
from ..services.cameras import edits as camera_edits, placement as camera_placement, stats as camera_stats
from ..messages import Message
from ..services.cameras.sources import InvalidCamera
from .errors import Refused, described, in_language
from .idempotent import transactional
from .params import InvalidParameter, parse_int

bp = Blueprint("cameras", __name__, url_prefix="/api/v1/cameras")


@bp.errorhandler(InvalidParameter)
def _bad_parameter(error):
    return jsonify(code="InvalidParameterValue", description=described(error), parameter=error.name), 400


@bp.errorhandler(InvalidCamera)
def _invalid(error: InvalidCamera):
    # the camera service words each field in English only (app/services/cameras/sources.py)
    return jsonify(code="InvalidCamera", description=described(Message("camera.invalid", fields=list(error.errors))),
                   errors=in_language(error.errors)), 422


@bp.errorhandler(camera_edits.NotFound)
def _not_found(error):
    return jsonify(code="NotFound", description=described(Message("camera.not_found", id=error.args[0]))), 404


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidCamera({"body": Message("camera.body")})
    return body


@bp.post("")
@requires("cameras:write")
@transactional
def create():
    camera_id = camera_edits.create(db.session(), _body(), current_scope())
    return jsonify(camera_edits.feature(db.session(), camera_id, current_scope())), 201


@bp.get("/<int:camera_id>")
@requires("cameras:read")
def read(camera_id: int):
    return jsonify(camera_edits.feature(db.session(), camera_id, current_scope()))


@bp.patch("/<int:camera_id>")
@requires("cameras:write")
@transactional
def change(camera_id: int):
    camera_edits.update(db.session(), camera_id, _body(), current_scope())
    return jsonify(camera_edits.feature(db.session(), camera_id, current_scope()))


@bp.delete("/<int:camera_id>")
@requires("cameras:write")
@transactional
def remove(camera_id: int):
    camera_edits.delete(db.session(), camera_id, current_scope())
    return "", 204


@bp.get("/coverage")
@requires("cameras:read")
def coverage():
    """?level=grid|community|street (default grid) &area=CODE,… &format=csv"""
    level = request.args.get("level", "grid")
    if level not in camera_stats.LEVELS:
        raise InvalidParameter("level", "param.one_of", name="level", known=camera_stats.LEVELS)
    codes = [c for c in request.args.get("area", "").split(",") if c] or None
    rows = camera_stats.coverage_by_area(db.session(), level, current_scope(), codes)
    if request.args.get("format") == "csv":
        body = csvfile.table(camera_stats.Row.__dataclass_fields__, (r.as_dict().values() for r in rows))
        response = Response(body, mimetype="text/csv")
        response.headers["Content-Disposition"] = f"attachment; filename=camera-coverage-{level}.csv"
        return response
    return jsonify(level=level, areas=[r.as_dict() for r in rows])


@bp.get("/blind-spots")
@requires("cameras:read")
def blind_spots():
    """Stretches of road no online camera sees, longest first: ?area=CODE &limit=N (≤ 10,000)"""
    limit = parse_int(request.args.get("limit"), "limit", 100, 1, 10_000)
    return jsonify(camera_stats.blind_spots(db.session(), current_scope(), request.args.get("area"), limit))


@bp.get("/suggestions")
@requires("cameras:read")
def suggestions():
    """Where k new cameras would see the most unwatched road: ?area=CODE&k=5 (&fov=90&range=40)"""
    area = request.args.get("area")
    if not area:
        raise InvalidParameter("area", "camera.area_needed")
    k = parse_int(request.args.get("k"), "k", 5, 1, 50)
    fov = parse_int(request.args.get("fov"), "fov", 90, 10, 360)
    range_m = parse_int(request.args.get("range"), "range", 40, 5, 200)
    try:
        return jsonify(camera_placement.suggest(db.session(), area, k, current_scope(), float(fov), float(range_m)))
    except camera_placement.UnknownArea:
        raise Refused(404, "NotFound", "area.not_found", area=area) from None
