"""The base register over HTTP (人、房、单位、走访). Every answer that shows people is logged in
the register's access log by the service that reads them; here only the reader is named.

GET    /api/v1/register/buildings/{id}                 the building's card: houses, residents (masked), organisations
POST   /api/v1/register/buildings/{id}/units           add a house        {entrance, floor, room, use, floor_area, households}
PATCH  /api/v1/register/units/{id}                     change it (If-Match: "v{version}" or "version" in the body)
DELETE /api/v1/register/units/{id}                     end it (If-Match)
POST   /api/v1/register/units/{id}/residents           add a resident     {name, sex, birth_year, id_number, phone, …}
GET    /api/v1/register/residents/{id}                 one resident, masked
PATCH  /api/v1/register/residents/{id}                 change (or move: "unit")
DELETE /api/v1/register/residents/{id}                 moved out
POST   /api/v1/register/residents/{id}/reveal          {"field": "phone", "reason": "…"}: the number whole, logged
GET    /api/v1/register/residents?q=…                  search by name, ID number or phone
POST   /api/v1/register/buildings/{id}/organisations   add an organisation; PATCH/DELETE /organisations/{id}
GET    /api/v1/register/{kind}s/{id}/history           every version
POST   /api/v1/register/visits                         a visit (走访), idempotent by "client_key"
GET    /api/v1/register/buildings/{id}/visits          the building's visits
GET    /api/v1/register/figures?since=&until=          each grid's figures in the reader's scope
GET    /api/v1/register/access-log                     who read whose record (admins)
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, g, jsonify, request

from .. import db
from ..auth import current_user, permits, requires
from ..auth.identity import current_scope
from ..services.register import access, entries, figures, reads, views, visits
from ..services.register.errors import Invalid, NotYours, RegisterError, Stale
from ..messages import Message
from .errors import Refused, described, in_language
from .idempotent import transactional
from .incidents import participant
from .. import csvfile
from .params import parse_datetime, parse_int

bp = Blueprint("register", __name__, url_prefix="/api/v1/register")
KINDS = {"units": "unit", "residents": "resident", "organisations": "organisation"}


@bp.errorhandler(RegisterError)
def register_error(error: RegisterError):
    body = {"code": type(error).__name__, "description": described(error)}
    if isinstance(error, Invalid):
        body["errors"] = in_language(error.errors)
    if isinstance(error, Stale):
        body["current_version"] = error.current
    if isinstance(error, NotYours):
        body["grid"], body["workers"] = error.grid, error.workers
    response = jsonify(body)
    response.status_code = error.status
    if isinstance(error, Stale):
        response.headers["ETag"] = f'"v{error.current}"'
    return response


def reader() -> access.Reader:
    user = current_user()
    return access.Reader(
        actor=f"user:{user.username}", scope=current_scope(),
        permissions=frozenset(p for p in access.PERMISSIONS if permits(user.role, p)),
        user_id=getattr(user, "id", None), role=user.role, worker_id=user.worker_id,
        address=request.remote_addr, request_id=g.get("request_id"))


def body() -> dict:
    sent = request.get_json(silent=True)
    if not isinstance(sent, dict):
        raise Refused(400, "InvalidBody", "register.body")
    return sent


def version_asked(sent: dict | None = None) -> int | None:
    """The version the client changes: If-Match "v3", or "version" in the body."""
    match = request.headers.get("If-Match", "").strip().strip('"')
    if match.startswith("v") and match[1:].isdigit():
        return int(match[1:])
    value = (sent or {}).pop("version", None)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid({"version": Message("register.number_range", low=1, high=2**31 - 1)})
    return value


def written(row, view: dict, status: int = 200):
    response = jsonify(view)
    response.status_code = status
    response.headers["ETag"] = f'"v{row.version}"'
    return response


# -- buildings and houses --------------------------------------------------------------------

@bp.get("/buildings/<int:building_id>")
@requires("register:read")
@transactional
def building(building_id: int):
    return jsonify(reads.building_card(db.session(), reader(), building_id))


@bp.post("/buildings/<int:building_id>/units")
@requires("register:write")
@transactional
def add_unit(building_id: int):
    row = entries.add_unit(db.session(), reader(), building_id, body())
    return written(row, views.unit(row), 201)


@bp.post("/buildings/<int:building_id>/households")
@requires("register:write")
@transactional
def add_household(building_id: int):
    """{"unit": {entrance, floor, room, use, …}, "residents": [{name, id_number, phone, relation, …}, …]}"""
    who, sent = reader(), body()
    unit = sent.get("unit")
    if not isinstance(unit, dict):
        raise Invalid({"unit": Message("register.body")})
    row, people = entries.add_household(db.session(), who, building_id, unit, sent.get("residents") or [])
    return written(row, {**views.unit(row), "residents": [views.resident(p, who) for p in people]}, 201)


@bp.patch("/units/<int:unit_id>")
@requires("register:write")
@transactional
def change_unit(unit_id: int):
    sent = body()
    row = entries.change_unit(db.session(), reader(), unit_id, version_asked(sent), sent)
    return written(row, views.unit(row))


@bp.delete("/units/<int:unit_id>")
@requires("register:write")
@transactional
def end_unit(unit_id: int):
    entries.end_unit(db.session(), reader(), unit_id, version_asked())
    return "", 204


# -- residents -------------------------------------------------------------------------------

@bp.post("/units/<int:unit_id>/residents")
@requires("register:write")
@transactional
def add_resident(unit_id: int):
    who = reader()
    row = entries.add_resident(db.session(), who, unit_id, body())
    return written(row, views.resident(row, who), 201)


@bp.get("/residents/<int:resident_id>")
@requires("register:read")
@transactional
def resident(resident_id: int):
    return jsonify(reads.resident(db.session(), reader(), resident_id))


@bp.patch("/residents/<int:resident_id>")
@requires("register:write")
@transactional
def change_resident(resident_id: int):
    who, sent = reader(), body()
    version = version_asked(sent)
    unit = sent.pop("unit", None)
    if unit is not None and (not isinstance(unit, int) or isinstance(unit, bool)):
        raise Invalid({"unit": Message("register.number_range", low=1, high=2**31 - 1)})
    row = entries.change_resident(db.session(), who, resident_id, version, sent, unit_id=unit)
    return written(row, views.resident(row, who))


@bp.delete("/residents/<int:resident_id>")
@requires("register:write")
@transactional
def end_resident(resident_id: int):
    entries.end_resident(db.session(), reader(), resident_id, version_asked())
    return "", 204


@bp.post("/<any(residents, organisations):kinds>/<int:entry_id>/reveal")
@requires("register:reveal")
@transactional
def reveal(kinds: str, entry_id: int):
    sent = body()
    value = reads.reveal(db.session(), reader(), KINDS[kinds], entry_id, sent.get("field"), sent.get("reason"))
    response = jsonify(field=sent.get("field"), value=value)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/residents")
@requires("register:read")
@transactional
def search():
    limit = parse_int(request.args.get("limit"), "limit", reads.SEARCH_LIMIT, 1, 200)
    return jsonify(residents=reads.search(db.session(), reader(), request.args.get("q", ""), limit))


# -- organisations ---------------------------------------------------------------------------

@bp.post("/buildings/<int:building_id>/organisations")
@requires("register:write")
@transactional
def add_organisation(building_id: int):
    who = reader()
    row = entries.add_organisation(db.session(), who, building_id, body())
    return written(row, views.organisation(row, who), 201)


@bp.patch("/organisations/<int:organisation_id>")
@requires("register:write")
@transactional
def change_organisation(organisation_id: int):
    who, sent = reader(), body()
    row = entries.change_organisation(db.session(), who, organisation_id, version_asked(sent), sent)
    return written(row, views.organisation(row, who))


@bp.delete("/organisations/<int:organisation_id>")
@requires("register:write")
@transactional
def end_organisation(organisation_id: int):
    entries.end_organisation(db.session(), reader(), organisation_id, version_asked())
    return "", 204


@bp.get("/<any(units, residents, organisations):kinds>/<int:entry_id>/history")
@requires("register:read")
@transactional
def history(kinds: str, entry_id: int):
    return jsonify(versions=reads.history(db.session(), reader(), KINDS[kinds], entry_id))


# -- visits and figures ----------------------------------------------------------------------

@bp.post("/visits")
@requires("register:write")
@transactional
def record_visit():
    sent = body()
    now = datetime.now(timezone.utc)
    errors = {}

    def number(name, whole=True):
        value = sent.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and not isinstance(value, int)):
            errors[name] = Message("register.number_range", low=0, high=2**31 - 1)
            return None
        return value

    def words(name, most):
        value = sent.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str) or len(value) > most:
            errors[name] = Message("register.too_long", most=most)
            return None
        return value.strip()

    photos = sent.get("photos") or []
    if not isinstance(photos, list) or len(photos) > 6 or not all(isinstance(p, int) for p in photos):
        errors["photos"] = Message("incident.photos_list")
    at = parse_datetime(sent.get("at"), "at") if isinstance(sent.get("at"), str) else (
        now if sent.get("at") is None else None)
    if at is None:
        errors["at"] = Message("register.visit_time", days=visits.LATEST_DELAY.days)
    draft = visits.Draft(
        building_id=number("building") or 0, unit_id=number("unit"), at=at or now,
        lon=number("lon", whole=False), lat=number("lat", whole=False), met=words("met", 200),
        note=words("note", 2000), photo_ids=tuple(photos) if not errors.get("photos") else (),
        follow_up=words("follow_up", 32), follow_up_note=words("follow_up_note", 2000),
        client_key=words("client_key", 64))
    if errors:
        raise Invalid(errors)
    visit, new = visits.record(db.session(), reader(), draft, participant(),
                               current_app.config["GRIDMAP"].incidents, now)
    return jsonify(id=visit.id, far=visit.far, distance_m=visit.distance_m,
                   incident=visit.incident_id), 201 if new else 200


@bp.get("/buildings/<int:building_id>/visits")
@requires("register:read")
def building_visits(building_id: int):
    return jsonify(visits=visits.of_building(db.session(), reader(), building_id))


@bp.get("/figures")
@requires("register:read")
def grid_figures():
    now = datetime.now(timezone.utc)
    until = parse_datetime(request.args.get("until"), "until") or now
    since = parse_datetime(request.args.get("since"), "since") or until - timedelta(days=30)
    return jsonify(since=since.isoformat(), until=until.isoformat(),
                   grids=figures.per_grid(db.session(), reader(), since, until))


@bp.get("/access-log")
@requires("audit:read")
def access_log():
    """?resident=ID, ?user=NAME, ?since=, ?until=, ?limit= (at most 10,000); ?format=csv for a file."""
    resident = request.args.get("resident")
    rows = access.entries(
        db.session(), resident_id=parse_int(resident, "resident", 0, 1, 2**62) if resident else None,
        actor=request.args.get("user") or None,
        # a time without its offset is the city's, as the admin reads it
        since=parse_datetime(request.args.get("since"), "since", ZoneInfo(current_app.config["GRIDMAP"].timezone)),
        until=parse_datetime(request.args.get("until"), "until", ZoneInfo(current_app.config["GRIDMAP"].timezone)),
        limit=parse_int(request.args.get("limit"), "limit", 200, 1, 10_000))
    if request.args.get("format") == "csv":
        response = current_app.response_class(
            csvfile.table(access.LOG_COLUMNS, ([r[c] for c in access.LOG_COLUMNS] for r in rows)), mimetype="text/csv")
        response.headers["Content-Disposition"] = "attachment; filename=register-access-log.csv"
        return response
    return jsonify(entries=rows)


# -- the register as a workbook ----------------------------------------------------------------

@bp.get("/residents.xlsx")
@requires("register:export")
@transactional
def residents_workbook():
    """?grid=CODE&reason=…&lang=zh|en (default: the request's language): the grid's residents as
    an Excel workbook (the import's layout), numbers masked, the file saying who took it, when
    and why. Without a reason (2 to 200 characters), 422; the export, its reason and everyone in
    it go into the access log. `flask register export` writes houses and organisations too."""
    from ..messages import LANGUAGES
    from ..services.register import exporting
    from .errors import request_language
    code, language = request.args.get("grid", "").strip(), request.args.get("lang") or request_language()
    if not code:
        raise Refused(400, "InvalidParameterValue", "param.required", extra={"parameter": "grid"}, name="grid")
    if language not in LANGUAGES:
        raise Refused(400, "InvalidParameterValue", "param.one_of", extra={"parameter": "lang"},
                      name="lang", known=LANGUAGES)
    made = exporting.grid_register(db.session(), reader(), code, request.args.get("reason"), language,
                                   datetime.now(timezone.utc), current_app.config["GRIDMAP"].timezone,
                                   kinds=("resident",))
    response = current_app.response_class(made.content, mimetype=exporting.MIMETYPE)
    response.headers["Content-Disposition"] = f"attachment; filename={made.filename}"
    response.headers["Cache-Control"] = "no-store"
    return response


# -- 扫码定责: the door plates ----------------------------------------------------------------

@bp.get("/plates.pdf")
@requires("register:read")
def plates_sheet():
    """?grid=CODE&lang=zh|en (default zh: the plates hang in the city): the grid's door plates,
    one per building entrance, as a PDF to print — a grid in the reader's scope (a worker:
    their own), else 404. The codes lead under GRIDMAP_PUBLIC_URL, or without it under the
    address this sheet was asked at."""
    import re

    from ..messages import LANGUAGES
    from ..services.register import plates
    code, language = request.args.get("grid", "").strip(), request.args.get("lang") or "zh"
    if not code:
        raise Refused(400, "InvalidParameterValue", "param.required", extra={"parameter": "grid"}, name="grid")
    if language not in LANGUAGES:
        raise Refused(400, "InvalidParameterValue", "param.one_of", extra={"parameter": "lang"},
                      name="lang", known=LANGUAGES)
    settings = current_app.config["GRIDMAP"]
    sheet = plates.sheet(db.session(), current_scope(), code, settings.secret_key)
    printed = plates.pdf(sheet, settings.notify.public_url or request.url_root, language, zone=settings.timezone)
    response = current_app.response_class(printed.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = \
        f"attachment; filename=plates-{re.sub(r'[^A-Za-z0-9_.-]', '_', sheet.grid['code'])}.pdf"
    return response
