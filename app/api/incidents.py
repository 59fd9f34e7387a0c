"""The incident loop over HTTP: report, list, read, act (one step of the loop), photos."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import text

from .. import db
from ..auth import current_user, permits, requires
from ..auth.identity import current_scope
from ..models import Category, IncidentPhoto
from ..services.field import roster, routing
from ..messages import LANGUAGES, Message
from ..services.incidents import departments as incident_departments, loop as incidents, photos, ratings, \
    tasks as incident_tasks, views as incident_views
from .errors import Refused, described, in_language, request_language
from .idempotent import transactional
from .params import InvalidParameter, parse_datetime, parse_int

bp = Blueprint("incidents", __name__, url_prefix="/api/v1")


def now() -> datetime:
    return datetime.now(timezone.utc)


def participant() -> incidents.Participant:
    user = current_user()
    return incidents.Participant(
        name=f"user:{user.username}",
        dispatcher=permits(user.role, "incidents:dispatch") == "all",
        worker_id=user.worker_id, department_id=user.department_id if user.role == "department" else None,
        scope=current_scope())


def etag(version: int) -> str:
    return f'"v{version}"'


@bp.errorhandler(incidents.IncidentError)
def incident_error(error: incidents.IncidentError):
    body = {"code": type(error).__name__, "description": described(error)}
    if isinstance(error, incidents.Invalid):
        body["errors"] = in_language(error.errors)
    if isinstance(error, incidents.Stale):
        body["current_version"] = error.incident.version
    response = jsonify(body)
    response.status_code = error.status
    if isinstance(error, incidents.Stale):
        response.headers["ETag"] = etag(error.incident.version)
    return response


@bp.errorhandler(incident_views.BadFilter)
@bp.errorhandler(InvalidParameter)
def _bad_parameter(error):
    return jsonify(code="InvalidParameterValue", description=described(error), parameter=error.name), 400


# -- categories ----------------------------------------------------------------------------

@bp.get("/categories")
@requires("layers:read")
def categories():
    rows = db.session().query(Category).order_by(Category.weight.desc(), Category.code).all()
    return jsonify(categories=[dict(
        code=c.code, name={"zh": c.name_zh, "en": c.name_en}, respond_within_min=c.respond_within_min,
        resolve_within_min=c.resolve_within_min, default_level=c.default_level, complex=c.complex,
        duplicate_radius_m=c.duplicate_radius_m) for c in rows])


# -- reporting -----------------------------------------------------------------------------

def read_point(body: dict) -> tuple[float | None, float | None]:
    """{"point": {"type": "Point", "coordinates": [lon, lat]}}, {"point": [lon, lat]} or
    {"lon": …, "lat": …}; anything else gives None and the service says what is wrong."""
    point = body.get("point")
    if isinstance(point, dict):
        point = point.get("coordinates") if point.get("type") == "Point" else None
    if isinstance(point, (list, tuple)) and len(point) == 2:
        return _number(point[0]), _number(point[1])
    return _number(body.get("lon")), _number(body.get("lat"))


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def report_from(body: dict, default_channel: str) -> incidents.Report:
    lon, lat = read_point(body)
    photo_ids = body.get("photos") or []
    if not isinstance(photo_ids, list) or not all(isinstance(i, int) for i in photo_ids):
        raise incidents.Invalid({"photos": Message("incident.photos_list")})
    return incidents.Report(
        category=body.get("category"), lon=lon, lat=lat, description=body.get("description"),
        severity=body.get("severity", "normal"), channel=body.get("channel", default_channel),
        address=_text(body.get("address"), 300), reporter_contact=_text(body.get("contact"), 200),
        photo_ids=tuple(photo_ids), part_id=body.get("part"))


def _text(value, limit: int) -> str | None:
    return str(value)[:limit] if value not in (None, "") else None


@bp.post("/incidents")
@requires("incidents:report")
@transactional
def report():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refused(400, "InvalidBody", "incident.body_report")
    user = current_user()
    draft = report_from(body, "worker" if user.role == "worker" else "hotline")
    settings = current_app.config["GRIDMAP"]
    session = db.session()
    filed = incidents.report(session, draft, participant(), settings.incidents, now())
    return _answer(filed.id, 201, filed.answer)


def _seen(features: list[dict]) -> list[dict]:
    """Links to other incidents only where the reader may follow them."""
    return incident_views.without_unseen_links(db.session(), features, current_scope(),
                                               current_user().worker_id)


def _answer(incident_id: int, status: int = 200, body: dict | None = None):
    body = body or incident_views.describe(db.session(), incident_id, now())
    _seen([body])
    response = jsonify(body)
    response.status_code = status
    response.headers["ETag"] = etag(body["properties"]["version"])
    response.headers["Location"] = url_for("incidents.show", incident_id=incident_id)
    return response


# -- reading -------------------------------------------------------------------------------

LIST_ARGS = ("limit", "offset", "format", "order", "lang")


def _with_own_task(features: list[dict]) -> list[dict]:
    """A department's staff read their own part in each case (`own_task`: its role and state),
    so that a case they transferred, returned or finished does not look like work to do."""
    user = current_user()
    if user.role != "department" or user.department_id is None or not features:
        return features
    found = incident_departments.own_tasks(db.session(), user.department_id, [f["id"] for f in features])
    for feature in features:
        feature["properties"]["own_task"] = found.get(feature["id"])
    return features


def _csv(items: list[dict]) -> Response:
    """The list as a spreadsheet opens it: ?lang=zh|en (default: the request's language) for the
    header and the names; times in the city's; a BOM, without which Excel in China reads UTF-8
    as GBK; the day in the file's name."""
    language = request.args.get("lang") or request_language()
    if language not in LANGUAGES:
        raise Refused(400, "InvalidParameterValue", "param.one_of", extra={"parameter": "lang"},
                      name="lang", known=LANGUAGES)
    zone = current_app.config["GRIDMAP"].timezone
    response = Response("\ufeff" + incident_views.as_csv(items, language, zone), mimetype="text/csv")
    day = now().astimezone(ZoneInfo(zone)).date().isoformat()
    response.headers["Content-Disposition"] = f"attachment; filename=incidents-{day}.csv"
    return response


@bp.get("/incidents")
@requires("incidents:read")
def index():
    user = current_user()
    filters = {k: v for k, v in request.args.items() if k not in LIST_ARGS and v != ""}
    for name in ("since", "until"):
        if name in filters:
            filters[name] = parse_datetime(filters[name], name)
    export = request.args.get("format") == "csv"
    limit = parse_int(request.args.get("limit"), "limit", 100, 1, 50_000 if export else 1000)
    offset = parse_int(request.args.get("offset"), "offset", 0, 0, 10_000_000)
    order = request.args.get("order", "reported")
    if order not in ("reported", "deadline", "lateness"):
        raise InvalidParameter("order", "incident.order")
    listing = incident_views.search(
        db.session(), filters, current_scope(), now(), worker_id=user.worker_id,
        own_only=permits(user.role, "incidents:read") == "own", limit=limit, offset=offset, order=order)
    if export:
        return _csv(listing.items)
    return jsonify(type="FeatureCollection", numberMatched=listing.total,
                   numberReturned=len(listing.items), features=_with_own_task(_seen(listing.items)))


@bp.get("/incidents/<int:incident_id>")
@requires("incidents:read")
def show(incident_id: int):
    session = db.session()
    incident = incidents.load(session, incident_id)
    if not incidents.visible_to(session, incident, participant()):
        raise incidents.NotFound("incident.not_in_area", id=incident_id)
    body = _with_own_task(_seen([incident_views.describe(session, incident_id, now())]))[0]
    body["properties"]["history"] = incident_views.history(session, incident_id, request_language())
    body["properties"]["allowed"] = incidents.allowed_steps(incident, participant(), session)
    body["properties"]["tasks"] = incident_tasks.of_case(session, incident_id)
    body["properties"]["possible_duplicates"] = [
        {"id": i.id, "code": i.code, "status": i.status}
        for i in incidents.duplicates_of(session, incident_id)
        if incidents.visible_to(session, i, participant())]
    response = jsonify(body)
    response.headers["ETag"] = etag(incident.version)
    return response


# -- acting --------------------------------------------------------------------------------

def _expected_version() -> int | None:
    sent = request.headers.get("If-Match")
    if sent is None or sent.strip() == "*":
        return None
    value = sent.strip().removeprefix("W/").strip('"').removeprefix("v")
    if not value.isdigit():
        raise InvalidParameter("If-Match", "incident.if_match", sent=sent)
    return int(value)


@bp.post("/incidents/<int:incident_id>/events")
@requires("incidents:read")
@transactional
def act(incident_id: int):
    """One step of the loop: {"action": "accept" | "start" | "resolve" | …, "note": …}; to a
    department: {"action": "assign", "department": "SZ-01", "helpers": ["CG-01"]}, or as the
    routing rules say: {"action": "assign", "route": true}; {"action": "transfer", "department",
    "note"}; {"action": "return", "reason": "not_ours" | "wrong_place" | "duplicate", "note"}."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("action"), str):
        raise Refused(400, "InvalidBody", "incident.body_act", actions=list(incidents.RULES))
    photo_ids = body.get("photos") or []
    if not isinstance(photo_ids, list) or not all(isinstance(i, int) for i in photo_ids):
        raise incidents.Invalid({"photos": Message("incident.photos_list")})
    worker_id = body.get("worker_id")
    into = body.get("into")
    if body["action"] == "rate":
        # an operator's call-back rating: once, and only for a case whose reporter cannot rate it
        ratings.by_callback(db.session(), incident_id, participant(), now(), satisfaction=body.get("satisfaction"),
                            note=body.get("note"), expected_version=_expected_version())
        return _answer(incident_id)
    incidents.act(db.session(), incident_id, body["action"], participant(), now(),
                  note=body.get("note"), expected_version=_expected_version(),
                  worker_id=worker_id if isinstance(worker_id, int) else None,
                  grid_code=body.get("grid"), level=body.get("level"),
                  into_id=into if isinstance(into, int) else None,
                  satisfaction=body.get("satisfaction"), photo_ids=tuple(photo_ids),
                  transfer=body.get("transfer") is True, department=body.get("department"),
                  helpers=body.get("helpers") or (), reason=body.get("reason"), route=body.get("route") is True,
                  until=body.get("until"))
    return _answer(incident_id)


# -- photos --------------------------------------------------------------------------------

@bp.post("/photos")
@requires("incidents:read")
@transactional
def upload_photo():
    """The photo's bytes as the body (image/jpeg, image/png, image/webp), or a multipart form
    with one file named "photo"."""
    user = current_user()
    data = request.files["photo"].read() if "photo" in request.files else request.get_data()
    settings = current_app.config["GRIDMAP"]
    try:
        photo = photos.store(db.session(), data, f"user:{user.username}", settings.incidents.photo_max_bytes)
    except photos.PhotoRefused as error:
        status = 413 if isinstance(error, photos.PhotoTooLarge) else 422
        return jsonify(code="PhotoRefused", description=described(error), errors={"photo": described(error)}), status
    return jsonify(id=photo.id, content_type=photo.content_type, width=photo.width,
                   height=photo.height, size_bytes=photo.size_bytes,
                   url=url_for("incidents.photo", photo_id=photo.id)), 201


@bp.get("/photos/<int:photo_id>")
@requires("incidents:read")
def photo(photo_id: int):
    session = db.session()
    row = session.get(IncidentPhoto, photo_id)
    user = current_user()
    if row is None:
        raise incidents.NotFound("photo.not_found", id=photo_id)
    if row.incident_id is None:
        if row.uploaded_by != f"user:{user.username}":
            raise incidents.NotFound("photo.not_found", id=photo_id)
    elif not incidents.visible_to(session, incidents.load(session, row.incident_id), participant()):
        raise incidents.NotFound("photo.not_found", id=photo_id)
    response = Response(row.data, mimetype=row.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.get("/incidents/<int:incident_id>/nearest-workers")
@requires("incidents:dispatch")
def nearest_workers(incident_id: int):
    """The available workers by travel distance along the roads, each with the route:
    ?limit=5 (at most 50)."""
    session = db.session()
    incident = incidents.load(session, incident_id)
    if not incidents.visible_to(session, incident, participant()):
        raise incidents.NotFound("incident.not_in_area", id=incident_id)
    limit = parse_int(request.args.get("limit"), "limit", 5, 1, 50)
    settings = current_app.config["GRIDMAP"]
    lon, lat = session.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM incident WHERE id = :id"),
                               {"id": incident_id}).one()
    ranked = routing.nearest_workers(session, lon, lat, current_scope(), settings.positions, now(), limit)
    held = roster.holdings(session, [w["worker_id"] for w in ranked])
    community = session.execute(text("SELECT code FROM area WHERE id = :id"), {"id": incident.community_id}).scalar()
    for worker in ranked:
        worker.update(held.get(worker["worker_id"], {"grids": [], "communities": []}))
    return jsonify(incident=incident.code, community=community,
                   stale_minutes=settings.positions.stale_minutes, workers=ranked)
