"""Every endpoint × every role: the roles its policy names get past it, the others get 401
(anonymous) or 403 (signed in). An endpoint added later without a policy stops the app from
starting; one added without an example here fails this test until it gets one."""
import itertools

import pytest
from sqlalchemy import text
from flask import Blueprint, Flask

from app import auth
from app.api import stream as stream_view
from app.auth import policy_of
from app.config import DEFAULT_ROLES
from app.models import USER_ROLES

# endpoint -> (method, path, JSON body); {viewer} and {grid} are filled in with real ids.
EXAMPLES = {
    "health.healthz": ("GET", "/healthz", None),
    "static": ("GET", "/static/favicon.svg", None),
    "login.form": ("GET", "/login", None),
    "login.submit": ("POST", "/login", None),
    "login.logout": ("POST", "/logout", None),
    "pages.city_map": ("GET", "/", None),
    "pages.wall": ("GET", "/wall", None),
    "pages.worker": ("GET", "/worker", None),
    "wall.summary": ("GET", "/api/v1/wall", None),
    "wall.extent": ("GET", "/api/v1/wall/extent", None),
    "charts.panels": ("GET", "/api/v1/wall/charts", None),
    "charts.heat": ("GET", "/api/v1/wall/heat", None),
    "positions.batch": ("POST", "/api/v1/positions", {"fixes": []}),
    "positions.gpx": ("POST", "/api/v1/positions/gpx", None),
    "positions.track": ("GET", "/api/v1/workers/nobody/track", None),
    "patrol.coverage": ("GET", "/api/v1/patrol?grid=none", None),
    "patrol.segments": ("GET", "/api/v1/patrol/segments?segment=none", None),
    "positions.workers_live": ("GET", "/api/v1/workers/live", None),
    "positions.workers_found": ("GET", "/api/v1/workers?q=x", None),
    "cameras.create": ("POST", "/api/v1/cameras", {"lon": 0, "lat": 0}),
    "cameras.read": ("GET", "/api/v1/cameras/999999", None),
    "cameras.change": ("PATCH", "/api/v1/cameras/999999", {"status": "online"}),
    "cameras.remove": ("DELETE", "/api/v1/cameras/999999", None),
    "cameras.coverage": ("GET", "/api/v1/cameras/coverage?area=none", None),
    "cameras.blind_spots": ("GET", "/api/v1/cameras/blind-spots?limit=1", None),
    "cameras.suggestions": ("GET", "/api/v1/cameras/suggestions?area=none&k=1", None),
    "ogcapi.landing": ("GET", "/ogcapi", None),
    "ogcapi.conformance": ("GET", "/ogcapi/conformance", None),
    "ogcapi.api": ("GET", "/ogcapi/api", None),
    "ogcapi.collections": ("GET", "/ogcapi/collections", None),
    "ogcapi.collection_": ("GET", "/ogcapi/collections/grids", None),
    "ogcapi.queryables": ("GET", "/ogcapi/collections/grids/queryables", None),
    "ogcapi.feature_schema": ("GET", "/ogcapi/collections/grids/schema", None),
    "tiles.tilejson": ("GET", "/tiles/grids.json", None),
    "tiles.tile": ("GET", "/tiles/grids/14/9326/4739.mvt", None),
    # OGC API – Tiles (z/row/col), the collection's permission checked as on its items
    "ogctiles.tile_matrix_sets": ("GET", "/ogcapi/tileMatrixSets", None),
    "ogctiles.tile_matrix_set": ("GET", "/ogcapi/tileMatrixSets/WebMercatorQuad", None),
    "ogctiles.collection_tilesets": ("GET", "/ogcapi/collections/grids/tiles", None),
    "ogctiles.collection_tileset": ("GET", "/ogcapi/collections/grids/tiles/WebMercatorQuad", None),
    "ogctiles.collection_tile": ("GET", "/ogcapi/collections/grids/tiles/WebMercatorQuad/14/4741/9326", None),
    "ogctiles.dataset_tilesets": ("GET", "/ogcapi/tiles", None),
    "ogctiles.dataset_tileset": ("GET", "/ogcapi/tiles/WebMercatorQuad?collections=grids", None),
    "ogctiles.dataset_tile": ("GET", "/ogcapi/tiles/WebMercatorQuad/14/4741/9326?collections=grids", None),
    "ogcapi.items": ("GET", "/ogcapi/collections/grids/items?limit=1", None),
    "ogcapi.item": ("GET", "/ogcapi/collections/grids/items/{grid}", None),
    "tokens.create": ("POST", "/api/v1/tokens", {"name": "matrix"}),
    "tokens.index": ("GET", "/api/v1/tokens", None),
    "tokens.revoke": ("DELETE", "/api/v1/tokens/999999", None),
    "users.index": ("GET", "/api/v1/users", None),
    "users.create": ("POST", "/api/v1/users", {"username": "matrix_{n}", "password": "long enough pw",
                                                "role": "viewer", "scope_area": "HEL"}),
    "users.change": ("PATCH", "/api/v1/users/{viewer}", {"active": True}),
    "users.me": ("GET", "/api/v1/users/me", None),
    "places.search": ("GET", "/api/v1/places?q=katu", None),
    "pages.worker_service_worker": ("GET", "/worker-sw.js", None),
    "places.nearest": ("GET", "/api/v1/places/nearest?lon=24.95&lat=60.17", None),
    # null: no choice, as the accounts start, so other tests' answers stay in their language
    "users.change_me": ("PATCH", "/api/v1/users/me", {"language": None}),
    "audit.entries": ("GET", "/api/v1/audit?limit=1", None),
    "incidents.categories": ("GET", "/api/v1/categories", None),
    "incidents.report": ("POST", "/api/v1/incidents", {"category": "matrix"}),
    "incidents.index": ("GET", "/api/v1/incidents?limit=1", None),
    "incidents.show": ("GET", "/api/v1/incidents/999999", None),
    "incidents.act": ("POST", "/api/v1/incidents/999999/events", {"action": "comment", "note": "x"}),
    "incidents.upload_photo": ("POST", "/api/v1/photos", None),
    "incidents.photo": ("GET", "/api/v1/photos/999999", None),
    "incidents.nearest_workers": ("GET", "/api/v1/incidents/999999/nearest-workers", None),
    # a bad Last-Event-ID answers at once instead of opening a stream that never ends
    "stream.events": ("GET", "/api/v1/stream?last_event_id=x", None),
    "assessment.ranking": ("GET", "/api/v1/assessment?unit=street", None),
    "assessment.report": ("GET", "/api/v1/assessment/report.pdf?month=1999-01", None),
    "open311.services": ("GET", "/open311/v2/services.json", None),
    "open311.requests_": ("GET", "/open311/v2/requests.json", None),
    "open311.request_": ("GET", "/open311/v2/requests/none.json", None),
    "open311.create": ("POST", "/open311/v2/requests.json", {"service_code": "matrix"}),
    "plans.listing": ("GET", "/api/v1/plans", None),
    "plans.division": ("GET", "/api/v1/division", None),
    "plans.undo": ("POST", "/api/v1/plans/999999/undo", None),
    "plans.redo": ("POST", "/api/v1/plans/999999/redo", None),
    "plans.name_grid": ("POST", "/api/v1/plans/999999/name", {"feature": 1}),
    "plans.merge_into_neighbour": ("POST", "/api/v1/plans/999999/merge-into-neighbour", {"feature": 1}),
    "plans.keep_building_whole": ("POST", "/api/v1/plans/999999/keep-building-whole", {"building": 1}),
    "plans.division_changes": ("GET", "/api/v1/division/changes", None),
    "plans.start": ("POST", "/api/v1/plans", {"area": "none"}),
    "plans.read": ("GET", "/api/v1/plans/999999", None),
    "plans.problems": ("GET", "/api/v1/plans/999999/problems", None),
    "plans.diff": ("GET", "/api/v1/plans/999999/diff", None),
    "plans.split": ("POST", "/api/v1/plans/999999/split", {"feature": 1}),
    "plans.merge": ("POST", "/api/v1/plans/999999/merge", {"features": [1, 2]}),
    "plans.move_boundary": ("POST", "/api/v1/plans/999999/move-boundary", {"features": [1, 2]}),
    "plans.hand_over": ("POST", "/api/v1/plans/999999/hand-over", {"building": 1, "to": 2}),
    "plans.submit": ("POST", "/api/v1/plans/999999/submit", {}),
    "plans.withdraw": ("POST", "/api/v1/plans/999999/withdraw", {}),
    "plans.approve": ("POST", "/api/v1/plans/999999/approve", {}),
    "plans.reject": ("POST", "/api/v1/plans/999999/reject", {"note": "x"}),
    "plans.file": ("POST", "/api/v1/plans/999999/file", {}),
    "plans.plan_map": ("GET", "/api/v1/plans/999999/map.html", None),
    "plans.event_map": ("GET", "/api/v1/plans/999999/events/1/map.html", None),
    "plans.grid_map": ("GET", "/api/v1/grids/none/map.html", None),
    "plans.export": ("GET", "/api/v1/plans/999999/export", None),
    "plans.import_": ("POST", "/api/v1/plans/999999/import", None),
    "plans.place_history": ("GET", "/api/v1/history/place?lon=0&lat=0", None),
    "ogcapi_edits.create": ("POST", "/ogcapi/collections/plan-999999/items", {"type": "Feature"}),
    "ogcapi_edits.replace": ("PUT", "/ogcapi/collections/plan-999999/items/1", {"type": "Feature"}),
    "ogcapi_edits.patch": ("PATCH", "/ogcapi/collections/plan-999999/items/1", {"properties": {}}),
    "ogcapi_edits.delete": ("DELETE", "/ogcapi/collections/plan-999999/items/1", None),
    "pages.planner": ("GET", "/planner", None),
    "pages.department": ("GET", "/department", None),
    # the residents' side: anyone, no account (an unknown token is a 404 for everyone alike)
    "open311.token_": ("GET", "/open311/v2/tokens/none.json", None),
    "public_pages.report": ("GET", "/report", None),
    "public_pages.follow": ("GET", "/r/none", None),
    "public_pages.cases": ("GET", "/public", None),
    "residents.categories": ("GET", "/api/v1/public/categories", None),
    "residents.address_search": ("GET", "/api/v1/public/addresses?q=katu", None),
    "residents.address_nearest": ("GET", "/api/v1/public/addresses/nearest?lon=24.95&lat=60.17", None),
    "residents.report": ("POST", "/api/v1/public/reports", {"category": "matrix"}),
    "residents.follow_case": ("GET", "/api/v1/public/follow/none", None),
    "residents.rate": ("POST", "/api/v1/public/follow/none/rating", {"satisfaction": 5}),
    "residents.own_photo": ("GET", "/api/v1/public/follow/none/photos/1", None),
    "residents.cases": ("GET", "/api/v1/public/cases", None),
    "residents.photo": ("GET", "/api/v1/public/photos/999999", None),
    "residents.tile": ("GET", "/api/v1/public/tiles/roads/14/9326/4739.mvt", None),
    # departments and the routing rules (协同)
    "departments.listed": ("GET", "/api/v1/departments", None),
    "departments.rules": ("GET", "/api/v1/routing-rules", None),
    "departments.put_rule": ("POST", "/api/v1/routing-rules", {"category": "matrix_{n}", "handling": "grid"}),
    "departments.end_rule": ("DELETE", "/api/v1/routing-rules/999999", None),
    # the base register (人、房、单位)
    "register.building": ("GET", "/api/v1/register/buildings/999999", None),
    "register.add_unit": ("POST", "/api/v1/register/buildings/999999/units", {"room": "101", "use": "owner"}),
    "register.add_household": ("POST", "/api/v1/register/buildings/999999/households",
                               {"unit": {"room": "101", "use": "owner"}, "residents": []}),
    "register.change_unit": ("PATCH", "/api/v1/register/units/999999", {"use": "rented"}),
    "register.end_unit": ("DELETE", "/api/v1/register/units/999999", None),
    "register.add_resident": ("POST", "/api/v1/register/units/999999/residents", {"name": "matrix"}),
    "register.resident": ("GET", "/api/v1/register/residents/999999", None),
    "register.change_resident": ("PATCH", "/api/v1/register/residents/999999", {"name": "matrix"}),
    "register.end_resident": ("DELETE", "/api/v1/register/residents/999999", None),
    "register.reveal": ("POST", "/api/v1/register/residents/999999/reveal", {"field": "phone", "reason": "matrix"}),
    "register.search": ("GET", "/api/v1/register/residents?q=matrix", None),
    "register.add_organisation": ("POST", "/api/v1/register/buildings/999999/organisations",
                                  {"name": "matrix", "kind": "shop"}),
    "register.change_organisation": ("PATCH", "/api/v1/register/organisations/999999", {"name": "matrix"}),
    "register.end_organisation": ("DELETE", "/api/v1/register/organisations/999999", None),
    "register.history": ("GET", "/api/v1/register/residents/999999/history", None),
    "register.record_visit": ("POST", "/api/v1/register/visits", {"building": 999999}),
    "register.building_visits": ("GET", "/api/v1/register/buildings/999999/visits", None),
    "register.grid_figures": ("GET", "/api/v1/register/figures", None),
    "register.access_log": ("GET", "/api/v1/register/access-log?limit=1", None),
    "pages.register_access_log": ("GET", "/register/access-log", None),
    "register.residents_workbook": ("GET", "/api/v1/register/residents.xlsx?grid=none&reason=matrix", None),
    # 扫码定责: a grid's door plates (an unknown grid is a 404 to each role that may ask), and
    # where a plate leads (an unknown token is a 404 for everyone alike)
    "register.plates_sheet": ("GET", "/api/v1/register/plates.pdf?grid=none", None),
    "plates.plate": ("GET", "/q/none", None),
}


def endpoints(app):
    for rule in app.url_map.iter_rules():
        yield rule.endpoint


def test_every_endpoint_has_an_example_here(app):
    missing = sorted(set(endpoints(app)) - set(EXAMPLES))
    assert not missing, f"add an example request for {missing} to EXAMPLES"


def allowed(policy, role):
    if policy.public:
        return True
    if role is None:
        return False
    if policy.permission is None:
        return True
    granted = DEFAULT_ROLES[role]
    return policy.permission in granted or f"{policy.permission}:own" in granted


_counter = itertools.count()


@pytest.mark.parametrize("role", [None, *USER_ROLES], ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("endpoint", sorted(EXAMPLES))
def test_each_role_gets_exactly_what_the_policy_grants(app, client, users, auth, session, endpoint, role):
    method, path, body = EXAMPLES[endpoint]
    grid = session.execute(text(
        "SELECT id FROM grid ORDER BY code LIMIT 1")).scalar_one()
    path = path.format(grid=grid, viewer=users["viewer"]["id"])
    if body:
        body = {k: v.format(n=next(_counter)) if isinstance(v, str) else v for k, v in body.items()}
    headers = auth(role) if role else {}
    response = client.open(path, method=method, json=body, headers=headers)
    policy = policy_of(app.view_functions[endpoint])
    if allowed(policy, role):
        assert response.status_code not in (401, 403), (response.status_code, response.data[:300])
    elif role is None:
        if policy.page:
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            assert response.status_code == 401
            assert "Bearer" in response.headers["WWW-Authenticate"]
            assert response.get_json()["description"]
    else:
        assert response.status_code == 403, (response.status_code, response.data[:300])
        assert role in response.get_json()["description"]


def test_an_endpoint_without_a_policy_stops_the_app_from_starting():
    app = Flask(__name__)
    bp = Blueprint("careless", __name__)

    @bp.get("/careless")
    def careless():
        return "oops"

    @bp.get("/careful")
    @auth.requires("layers:read")
    def careful():
        return "ok"

    app.register_blueprint(bp)
    auth.policy.public(app.view_functions["static"]) if "static" in app.view_functions else None
    with pytest.raises(RuntimeError, match="careless.careless"):
        auth.check_every_endpoint(app)


def test_cameras_are_for_the_roles_that_watch_them(client, auth):
    # the layers endpoint is open to every role, but the cameras collection is not
    for role in USER_ROLES:
        status = client.get("/ogcapi/collections/cameras/items?limit=1", headers=auth(role)).status_code
        assert status == (200 if "cameras:read" in DEFAULT_ROLES[role] else 403), role


# -- an open stream keeps to the matrix: what is taken away ends it ----------------------

STREAM_ROLES = [r for r in USER_ROLES if allowed(policy_of(stream_view.events), r)]
# change -> (how the admin or the user makes it, what reconnecting gets)
TAKEN_AWAY = {
    "revoke": (lambda client, auth, who: client.delete(
        f"/api/v1/tokens/{who['token_id']}", headers={"Authorization": f"Bearer {who['token']}"}), 401),
    "disable": (lambda client, auth, who: client.patch(
        f"/api/v1/users/{who['id']}", headers=auth("admin"), json={"active": False}), 401),
    "rescope": (lambda client, auth, who: client.patch(
        f"/api/v1/users/{who['id']}", headers=auth("admin"), json={"scope_area": who["community"]}), 200),
}


@pytest.mark.parametrize("role", STREAM_ROLES)
@pytest.mark.parametrize("change", sorted(TAKEN_AWAY))
def test_an_open_stream_ends_within_seconds_when_its_access_changes(app, client, auth, users, session,
                                                                     live_server, change, role):
    from app.services.accounts import accounts
    from tests.conftest import PASSWORD
    from tests.live.sse import EventStream, stream_status

    city, community, worker = session.execute(text(
        "SELECT (SELECT code FROM area WHERE parent_id IS NULL), "
        "(SELECT code FROM area WHERE level = 'community' ORDER BY code LIMIT 1), "
        "(SELECT w.code FROM worker w JOIN app_user u ON u.worker_id = w.id WHERE u.id = :worker)"),
        {"worker": users["worker"]["id"]}).one()
    user = accounts.create_user(session, f"matrix_{change}_{role}_{next(_counter)}", PASSWORD, role,
                                scope_area_code=None if role in ("admin", "worker") else city,
                                worker_code=worker if role == "worker" else None,
                                department_code="SZ" if role == "department" else None)
    row, token = accounts.create_token(session, user, "matrix")
    session.commit()
    who = {"id": user.id, "token": token, "token_id": row.id, "community": community}
    stream = EventStream(live_server, token)
    try:
        make, reconnecting = TAKEN_AWAY[change]
        assert make(client, auth, who).status_code == 200
        assert stream.ends_within(5.0) is not None, f"{role}'s stream outlived the {change}"
        assert stream_status(live_server, token) == reconnecting
    finally:
        stream.close()
