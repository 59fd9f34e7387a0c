"""Grid plans over HTTP: start one, the planners' operations, its problems and diff, the
review workflow, printable maps, files in and out, and where a place belonged on a date."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from .. import csvfile, db
from ..auth import current_scope, current_user, permits, requires
from ..services.planning import (diff as plan_diff, division_history, edits as plan_edits,
                                 files as plan_files, plans, printable_maps, problems as plan_problems,
                                 proposal as plan_proposal, workflow as plan_workflow)
from ..services.planning.plans import Actor, PlanError
from ..messages import Message
from .errors import Refused, described, in_language, request_language
from .idempotent import transactional
from .params import InvalidParameter, parse_datetime, parse_int

bp = Blueprint("plans", __name__, url_prefix="/api/v1")


def actor() -> Actor:
    user = current_user()
    return Actor(f"user:{user.username}", user.id, current_scope())


def rules():
    return current_app.config["GRIDMAP"].grid_rules


def plan_error(error: PlanError):
    """In the reader's language; `description_zh` always in Chinese (the planner page shows it
    whatever the browser asks for)."""
    body = {"code": error.code, "description": described(error), "description_zh": error.describe("zh"),
            **in_language(error.detail)}
    return jsonify(body), error.status


bp.register_error_handler(PlanError, plan_error)


@bp.errorhandler(InvalidParameter)
def _bad_parameter(error):
    return jsonify(code="InvalidParameterValue", description=described(error), parameter=error.name), 400


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise plans.InvalidEdit("plan.body_object", field="body")
    return body


# -- plans -----------------------------------------------------------------------------------

@bp.get("/plans")
@requires("plans:read")
def listing():
    """?status=draft|submitted|approved|rejected|filed &area=CODE &format=csv"""
    status = request.args.get("status")
    found = plans.listing(db.session(), current_scope(), status, request.args.get("area"))
    if request.args.get("format") == "csv":
        columns = ["id", "name", "status", "area", "grids", "without_worker", "created_at",
                   "submitted_at", "reviewed_at", "filed_at", "effective_from"]
        body = csvfile.table(columns, ([p["area"]["code"] if c == "area" else p[c] for c in columns]
                                       for p in found))
        response = Response(body, mimetype="text/csv")
        response.headers["Content-Disposition"] = "attachment; filename=grid-plans.csv"
        return response
    return jsonify(plans=found)


@bp.post("/plans")
@requires("plans:write")
@transactional
def start():
    """{"area": CODE, "name"?, "note"?, "propose"?: {"min_households", "max_households"}}:
    a draft copied from the area's current grids, or a proposed division of it."""
    body = _body()
    if not body.get("area"):
        raise plans.InvalidEdit("plan.area_needed", field="area")
    session = db.session()
    proposal = body.get("propose")
    if proposal is not None:
        plan = plan_proposal.propose(session, str(body["area"]), body.get("name", ""), actor(), rules(),
                                  proposal)
    else:
        plan = plans.start(session, str(body["area"]), body.get("name", ""), actor(), body.get("note"))
    response = jsonify(plans.summary(session, plan))
    response.status_code = 201
    response.headers["Location"] = url_for(".read", plan_id=plan.id)
    return response


@bp.get("/plans/<int:plan_id>")
@requires("plans:read")
def read(plan_id: int):
    """The plan's header, its record (`events`: the net change, each actor by name in `by`, an
    edit that a redo could make again with `undone`; ?record=all: every event, undos and redos
    too), what undo and redo would do, the kinds of site a special grid may be (`site_kinds`)
    and (to those who may edit it) the full-time workers they may give its grids, those it
    gives none first."""
    session = db.session()
    plan = plans.load(session, plan_id, current_scope())
    events = [{"id": e["id"], "at": e["at"].isoformat(), "actor": e["actor"], "by": e["by"],
               "action": e["action"], "from": e["from_status"], "to": e["to_status"], "note": e["note"],
               "data": e["data"], "undone": e["undone"],
               "map": url_for(".event_map", plan_id=plan.id, event_id=e["id"]) if e["has_map"] else None}
              for e in plan_workflow.history(session, plan.id, full=request.args.get("record") == "all")]
    staffing = plan.status in plans.EDITABLE and permits(current_user().role, "plans:write")
    return jsonify({**plans.summary(session, plan), "events": events, **plan_edits.undo_state(session, plan),
                    "site_kinds": plan_edits.site_kinds_offered(),
                    "workers": plan_edits.assignable_workers(session, plan) if staffing else []})


@bp.get("/division")
@requires("plans:read")
def division():
    """The current grids the user may see, with their names and full-time workers."""
    return jsonify(grids=plans.current_grids(db.session(), current_scope()))


@bp.get("/division/changes")
@requires("plans:read")
def division_changes():
    """The moments the division the user may see changed, oldest first, each with the plan
    filed then (or null: the division as loaded)."""
    return jsonify(changes=division_history.changes(db.session(), current_scope()))


@bp.get("/plans/<int:plan_id>/problems")
@requires("plans:read")
def problems(plan_id: int):
    found = plan_problems.check(db.session(), plan_id, current_scope(), rules())
    return jsonify(plan_problems.as_geojson(found))


@bp.get("/plans/<int:plan_id>/diff")
@requires("plans:read")
def diff(plan_id: int):
    session = db.session()
    return jsonify(plan_diff.diff(session, plans.load(session, plan_id, current_scope())))


# -- the planners' operations -------------------------------------------------------------------

def _changed(result: dict, note: Message | None = None) -> dict:
    """The features an edit changed or made, what undo and redo would do now, and (`note`,
    with `note_zh` for the planner page) anything the edit did besides what was asked."""
    session = db.session()
    plan = session.get(plans.GridPlan, request.view_args["plan_id"])
    touched = plans.features_of(session, plan.id, result["changed"] + result["created"])
    answer = {"features": [plan_edits.as_feature(session, f) for f in touched],
              "removed": result["removed"], "created": result["created"], "plan_version": plan.version,
              **plan_edits.undo_state(session, plan)}
    if note is not None:
        answer.update(note=note.say(request_language()), note_zh=note.say("zh"))
    return answer


@bp.post("/plans/<int:plan_id>/split")
@requires("plans:write")
@transactional
def split(plan_id: int):
    """{"feature": id, "line": GeoJSON LineString, "versions": {id: version}}"""
    body = _body()
    result = plan_edits.split(db.session(), plan_id, _id(body, "feature"), body.get("line"),
                              plan_edits.parse_versions(body.get("versions")), actor())
    crumbs = result["absorbed_m2"]
    note = Message("plan.split_absorbed", count=len(crumbs), area=f"{sum(crumbs):.1f}") if crumbs else None
    return jsonify({**_changed(result, note), "absorbed_m2": crumbs})


@bp.post("/plans/<int:plan_id>/merge")
@requires("plans:write")
@transactional
def merge(plan_id: int):
    """{"features": [id, id, …], "versions": {…}}: they become the first one."""
    body = _body()
    ids = body.get("features")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise plans.InvalidEdit("plan.features_list", field="features")
    result = plan_edits.merge(db.session(), plan_id, ids, plan_edits.parse_versions(body.get("versions")), actor())
    return jsonify(_changed(result))


@bp.post("/plans/<int:plan_id>/move-boundary")
@requires("plans:write")
@transactional
def move_boundary(plan_id: int):
    """{"features": [a, b], "line": LineString (the new shared boundary), "versions": {…}}"""
    body = _body()
    ids = body.get("features")
    if not isinstance(ids, list) or len(ids) != 2 or not all(isinstance(i, int) for i in ids):
        raise plans.InvalidEdit("plan.features_pair", field="features")
    result = plan_edits.move_boundary(db.session(), plan_id, ids[0], ids[1], body.get("line"),
                                      plan_edits.parse_versions(body.get("versions")), actor())
    return jsonify(_changed(result))


@bp.post("/plans/<int:plan_id>/hand-over")
@requires("plans:write")
@transactional
def hand_over(plan_id: int):
    """{"building": id, "to": featureId, "versions": {…}}"""
    body = _body()
    result = plan_edits.hand_over(db.session(), plan_id, _id(body, "building"), _id(body, "to"),
                                  plan_edits.parse_versions(body.get("versions")), actor())
    return jsonify(_changed(result))


@bp.post("/plans/<int:plan_id>/keep-building-whole")
@requires("plans:write")
@transactional
def keep_building_whole(plan_id: int):
    """{"building": id, "versions": {…} (the grids holding a piece of it)}: the fix for a
    building cut by a grid line — the grid holding most of it takes it whole."""
    body = _body()
    result = plan_edits.keep_building_whole(db.session(), plan_id, _id(body, "building"),
                                            plan_edits.parse_versions(body.get("versions")), actor())
    return jsonify(_changed(result))


@bp.post("/plans/<int:plan_id>/merge-into-neighbour")
@requires("plans:write")
@transactional
def merge_into_neighbour(plan_id: int):
    """{"feature": id, "at"?: [lon, lat] (the part of it to move: a sliver), "versions": {…}
    (the grid's and its neighbours')}: the fix for a sliver or a tiny grid."""
    body = _body()
    result = plan_edits.merge_into_neighbour(db.session(), plan_id, _id(body, "feature"), body.get("at"),
                                             plan_edits.parse_versions(body.get("versions")), actor())
    return jsonify(_changed(result))


@bp.post("/plans/<int:plan_id>/name")
@requires("plans:write")
@transactional
def name_grid(plan_id: int):
    """{"feature": id, "name_zh"?, "name_en"?, "kind"?: comprehensive | special, "site_kind"?:
    CODE | null, "worker"?: CODE | null, "new_worker"?: NAME, "versions": {…}}: a grid's names,
    its kind (a special grid with its site kind: school, park…) and its full-time worker (a new
    one registered by name)."""
    body = _body()
    result = plan_edits.name_grid(db.session(), plan_id, _id(body, "feature"), body,
                                  plan_edits.parse_versions(body.get("versions")), actor())
    return jsonify(_changed(result))


@bp.post("/plans/<int:plan_id>/undo")
@requires("plans:write")
@transactional
def undo(plan_id: int):
    """The draft's last edit taken back (409 when there is none, or the plan is no draft)."""
    return jsonify(_changed(plan_edits.undo(db.session(), plan_id, actor())))


@bp.post("/plans/<int:plan_id>/redo")
@requires("plans:write")
@transactional
def redo(plan_id: int):
    """The edit undone last made again."""
    return jsonify(_changed(plan_edits.redo(db.session(), plan_id, actor())))


def _id(body: dict, name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise plans.InvalidEdit("plan.whole_id", {"name": name}, field=name)
    return value


# -- the workflow ----------------------------------------------------------------------------

def _workflow_view(action: str):
    def step(plan_id: int):
        body = request.get_json(silent=True) or {}
        effective = _effective(body.get("effective_from")) if action == "file" else None
        session = db.session()
        plan, event = plan_workflow.act(session, plan_id, action, actor(), rules(), note=body.get("note"),
                                        effective=effective,
                                        printable=lambda p: printable_maps.plan_map(session, p, rules()))
        return jsonify({**plans.summary(session, plan), "event": {
            "id": event.id, "action": event.action, "from": event.from_status, "to": event.to_status,
            "note": event.note, "data": event.data}})
    step.__name__ = action
    step.__doc__ = f"{action}: {{\"note\"?}}" + (", {\"effective_from\"?: ISO date-time, default now}"
                                                 if action == "file" else "")
    return requires(plan_workflow.STEPS[action].permission)(transactional(step))


# each step is its own endpoint, so its policy names the role that takes it
for _action in plan_workflow.STEPS:
    bp.add_url_rule(f"/plans/<int:plan_id>/{_action}", endpoint=_action, view_func=_workflow_view(_action),
                    methods=["POST"])


def _effective(value) -> datetime | None:
    return parse_datetime(None if value is None else str(value), "effective_from")


# -- printable maps --------------------------------------------------------------------------

def _printable(body: str, filename: str) -> Response:
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = printable_maps.CSP
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.get("/plans/<int:plan_id>/map.html")
@requires("plans:read")
def plan_map(plan_id: int):
    session = db.session()
    plan = plans.load(session, plan_id, current_scope())
    return _printable(printable_maps.plan_map(session, plan, rules()), f"plan-{plan.id}.html")


@bp.get("/plans/<int:plan_id>/events/<int:event_id>/map.html")
@requires("plans:read")
def event_map(plan_id: int, event_id: int):
    session = db.session()
    plans.load(session, plan_id, current_scope())
    event = session.get(plans.GridPlanEvent, event_id)
    if event is None or event.plan_id != plan_id or not event.map_html:
        raise Refused(404, "NotFound", "plan.no_step_map", event=event_id, plan=plan_id)
    return _printable(event.map_html, f"plan-{plan_id}-step-{event_id}.html")


@bp.get("/grids/<code>/map.html")
@requires("layers:read")
def grid_map(code: str):
    body = printable_maps.grid_map(db.session(), code, current_scope())
    if body is None:
        raise Refused(404, "NotFound", "grid.not_found", code=code)
    return _printable(body, f"grid-{code}.html")


# -- files -----------------------------------------------------------------------------------

@bp.get("/plans/<int:plan_id>/export")
@requires("plans:read")
def export(plan_id: int):
    """?format=geojson|gpkg|shp &crs=4326|4490|3857|UTM EPSG (326xx/327xx)"""
    session = db.session()
    plan = plans.load(session, plan_id, current_scope())
    fmt = request.args.get("format", "geojson")
    crs = parse_int(request.args.get("crs"), "crs", 4326, 1, 999_999)
    data, mimetype, filename = plan_files.export(session, plan, fmt, crs)
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.post("/plans/<int:plan_id>/import")
@requires("plans:write")
@transactional
def import_(plan_id: int):
    """multipart: file (GeoJSON, GeoPackage, or a zipped Shapefile), crs? (when the file does
    not say), repair=1 to repair invalid shapes (flagged) instead of refusing them."""
    upload = request.files.get("file")
    if upload is None:
        raise plans.InvalidEdit("plan.file_field", field="file")
    crs = parse_int(request.form.get("crs"), "crs", 0, 0, 999_999) or None
    repair = request.form.get("repair") in ("1", "true", "yes")
    result = plan_files.import_file(db.session(), plan_id, upload.filename or "", upload.read(), crs,
                                    repair, actor())
    return jsonify(result)


# -- history -----------------------------------------------------------------------------------

@bp.get("/history/place")
@requires("layers:read")
def place_history():
    """Where a place belonged: ?lon=&lat= | ?building=ID | ?address=TEXT, and &at=DATE for one
    date (otherwise every grid that ever held it)."""
    session = db.session()
    args = request.args
    address = None
    if args.get("building"):
        found = division_history.place_of_building(session, parse_int(args["building"], "building", 0, 1, 2**31 - 1))
        if found is None:
            raise Refused(404, "NotFound", "place.building_not_found", id=args["building"])
        lon, lat, address = found
    elif args.get("address"):
        matches = division_history.find_address(session, args["address"])
        if not matches:
            raise Refused(404, "NotFound", "place.no_address", address=args["address"])
        lon, lat, address = matches[0]["lon"], matches[0]["lat"], matches[0]["address"]
    else:
        lon, lat = _coordinate(args.get("lon"), "lon", 180), _coordinate(args.get("lat"), "lat", 90)
    if not current_scope().contains_point(session, lon, lat):
        raise Refused(404, "NotFound", "place.outside_scope")
    at = _effective(args.get("at"))
    answer = {"lon": lon, "lat": lat, "address": address}
    if at is not None:
        answer.update(at=at.isoformat(), held_by=division_history.held_on(session, lon, lat, at))
    else:
        answer.update(timeline=division_history.timeline(session, lon, lat))
    return jsonify(answer)


def _coordinate(value, name: str, limit: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidParameter(name, "place.coordinates") from None
    if not -limit <= number <= limit:
        raise InvalidParameter(name, "place.coordinate_range", name=name, limit=limit)
    return number
