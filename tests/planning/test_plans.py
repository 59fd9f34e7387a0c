"""Grid planning, as planners, reviewers and filers use it: plans copied from the current
grids, each problem the validation names, the operations, two planners on one feature, the
workflow by role, filing and what it moves, history, import/export and printable maps.

The city is the synthetic generator's (zhenxing preset, one street of 12 communities and 64
grids) in a database of its own, since filing changes the current division."""
from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
import shapely
from shapely.geometry import LineString, mapping, shape
from shapely.geometry.polygon import orient
from shapely.ops import split as split_by
from sqlalchemy import text

from app import create_app, db
from app.geo.crs import frame_for
from app.geo.plan_edits import LEFTOVER_SHARE
from app.services.accounts import accounts
from app.services.incidents import loop as incidents
from tests.conftest import PASSWORD, TEST_SETTINGS, serve
from tests.web.test_pages import ARTIFACTS, browser, sign_in  # noqa: F401  (browser is a fixture)
from tests.web.test_wall import wait_until, watch_errors

ROLES = ("planner", "reviewer", "filer", "viewer", "admin")


@pytest.fixture(scope="module")
def city(make_database):
    url = make_database("planning")
    db.upgrade(url)
    app = create_app({"DATABASE_URL": url, **TEST_SETTINGS})
    app.config.update(TESTING=True)
    runner = app.test_cli_runner()
    for args in (["import", "categories"],
                 ["generate", "city", "--preset", "zhenxing", "--scale", "1", "--seed", "11"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    tokens = {}
    with app.app_context():
        session = db.session()
        city_code = session.execute(text("SELECT code FROM area WHERE level = 'city'")).scalar_one()
        for role in ROLES:
            user = accounts.create_user(session, f"p_{role}", PASSWORD, role,
                                        scope_area_code=None if role == "admin" else city_code)
            tokens[role] = accounts.create_token(session, user, "tests")[1]
        session.commit()
    app.tokens = tokens
    app.url = url
    return app


@pytest.fixture()
def api(city):
    client = city.test_client()

    def call(method, path, role="planner", **kwargs):
        headers = {"Authorization": f"Bearer {city.tokens[role]}", **kwargs.pop("headers", {})}
        return client.open(path, method=method, headers=headers, **kwargs)
    return call


def sql(city, query, **params):
    with city.app_context():
        session = db.session()
        try:
            return session.execute(text(query), params).all()
        finally:
            session.rollback()


def community(city, n: int) -> str:
    return sql(city, "SELECT code FROM area WHERE level = 'community' ORDER BY code")[n][0]


def start(api, area, **body):
    response = api("POST", "/api/v1/plans", json={"area": area, **body})
    assert response.status_code == 201, response.json
    return response.json["id"]


def grids_of(api, plan):
    response = api("GET", f"/ogcapi/collections/plan-{plan}/items?limit=1000")
    assert response.status_code == 200, response.json
    return {f["properties"]["code"]: f for f in response.json["features"]}


def problems(api, plan):
    response = api("GET", f"/api/v1/plans/{plan}/problems")
    assert response.status_code == 200, response.json
    return response.json


def kinds(found) -> set[str]:
    return {f["properties"]["kind"] for f in found["features"]}


def patch_geometry(api, plan, feature, geometry):
    response = api("PATCH", f"/ogcapi/collections/plan-{plan}/items/{feature['id']}",
                   json={"geometry": mapping(geometry)},
                   headers={"If-Match": f'"pf{feature["id"]}-{feature["properties"]["version"]}"'})
    assert response.status_code == 200, response.json
    return response.json


def neighbours(grids: dict) -> tuple[dict, dict]:
    """Two grids of the plan that share an edge."""
    items = list(grids.values())
    for a in items:
        for b in items:
            if a["id"] < b["id"] and shape(a["geometry"]).intersection(shape(b["geometry"])).length > 0:
                return a, b
    raise AssertionError("no two grids share an edge")


def metric_buffer(geom, metres):
    frame = frame_for(geom)
    return frame.to_wgs84(frame.to_metric(geom).buffer(metres, join_style="mitre"))


def same_shape(a, b) -> bool:
    """Equal but for the ~1 cm rounding of served coordinates."""
    return a.symmetric_difference(b).area < 1e-4 * max(a.area, b.area)


def split_line(geom, fraction=0.5):
    """A north–south line across the grid at `fraction` of its width."""
    minx, miny, maxx, maxy = geom.bounds
    x = minx + (maxx - minx) * fraction
    return {"type": "LineString", "coordinates": [[x, miny - 1e-4], [x, maxy + 1e-4]]}


# -- a plan starts as a copy --------------------------------------------------------------------

def test_a_plan_is_a_copy_of_the_current_grids_with_their_workers_and_no_problems(city, api):
    plan = start(api, community(city, 0))
    grids = grids_of(api, plan)
    current = sql(city, """SELECT g.code, w.code FROM grid g JOIN area c ON c.id = g.community_id
                           JOIN worker_assignment a ON a.grid_id = g.id AND a.valid_to IS NULL
                           JOIN worker w ON w.id = a.worker_id
                           WHERE g.valid_to IS NULL AND c.code = :c""", c=community(city, 0))
    assert {code: f["properties"]["worker"] for code, f in grids.items()} == dict(current)
    found = problems(api, plan)
    assert found["blocking"] == 0 and not [f for f in found["features"] if f["properties"]["blocking"]]
    assert sum(g["households"] for g in found["grids"]) == sql(
        city, "SELECT households FROM area WHERE code = :c", c=community(city, 0))[0][0]
    summary = api("GET", f"/api/v1/plans/{plan}").json
    assert summary["status"] == "draft" and summary["events"][0]["action"] == "created"


def test_a_street_plan_copies_every_community_and_its_collection_is_listed(city, api):
    street = sql(city, "SELECT code FROM area WHERE level = 'street'")[0][0]
    plan = start(api, street)
    assert len(grids_of(api, plan)) == 64
    listed = [c["id"] for c in api("GET", "/ogcapi/collections").json["collections"]]
    assert f"plan-{plan}" in listed
    assert api("GET", "/ogcapi/collections/plan-999999/items").status_code == 404
    assert api("POST", "/api/v1/plans", json={"area": "nowhere"}).status_code == 404


# -- every problem, one fixture each --------------------------------------------------------------

def test_a_shrunken_grid_leaves_a_gap_that_is_measured(city, api):
    plan = start(api, community(city, 1))
    grid = next(iter(grids_of(api, plan).values()))
    patch_geometry(api, plan, grid, metric_buffer(shape(grid["geometry"]), -5))
    found = problems(api, plan)
    gaps = [f for f in found["features"] if f["properties"]["kind"] == "gap"]
    assert gaps and all(f["properties"]["blocking"] for f in gaps)
    perimeter = shapely.length(frame_for(shape(grid["geometry"])).to_metric(shape(grid["geometry"])))
    assert sum(f["properties"]["area_m2"] for f in gaps) == pytest.approx(perimeter * 5, rel=0.1)
    assert "overlap" not in kinds(found)
    assert gaps[0]["properties"]["message_zh"] and gaps[0]["properties"]["message_en"]


def test_a_grown_grid_overlaps_its_neighbours_and_reaches_outside_its_community(city, api):
    plan = start(api, community(city, 1))
    grid = next(iter(grids_of(api, plan).values()))
    patch_geometry(api, plan, grid, metric_buffer(shape(grid["geometry"]), 8))
    found = problems(api, plan)
    assert {"overlap", "outside"} <= kinds(found)
    overlap = next(f for f in found["features"] if f["properties"]["kind"] == "overlap")
    assert grid["properties"]["code"] in overlap["properties"]["grids"]
    outside = next(f for f in found["features"] if f["properties"]["kind"] == "outside")
    assert outside["properties"]["community"] == community(city, 1)


def test_a_boundary_one_centimetre_off_is_an_edge_problem(city, api):
    plan = start(api, community(city, 2))
    a, b = neighbours(grids_of(api, plan))
    moved = shape(a["geometry"])
    ring = list(moved.geoms[0].exterior.coords)
    shared = shape(b["geometry"])
    # move one vertex that the neighbour shares by about a centimetre
    index = next(i for i, xy in enumerate(ring[:-1]) if shapely.Point(xy).distance(shared) == 0)
    x, y = ring[index]
    ring[index] = (x + 1.5e-7, y + 1e-7)
    if index == 0:
        ring[-1] = ring[0]
    patch_geometry(api, plan, a, shapely.Polygon(ring, [r.coords for r in moved.geoms[0].interiors]))
    found = problems(api, plan)
    assert "edge" in kinds(found) or {"gap", "overlap"} & kinds(found)
    assert found["blocking"] >= 1


def test_a_self_intersecting_outline_is_named_where_it_crosses(city, api):
    plan = start(api, community(city, 3))
    grid = next(iter(grids_of(api, plan).values()))
    minx, miny, maxx, maxy = shape(grid["geometry"]).bounds
    bowtie = {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, maxy], [maxx, miny], [minx, maxy], [minx, miny]]]}
    response = api("PATCH", f"/ogcapi/collections/plan-{plan}/items/{grid['id']}", json={"geometry": bowtie},
                   headers={"If-Match": f'"pf{grid["id"]}-{grid["properties"]["version"]}"'})
    assert response.status_code == 200      # a draft may hold it; the problems list says what is wrong
    invalid = [f for f in problems(api, plan)["features"] if f["properties"]["kind"] == "invalid"]
    assert len(invalid) == 1 and "crosses itself" in invalid[0]["properties"]["message_en"]
    x, y = invalid[0]["geometry"]["coordinates"]
    assert x == pytest.approx((minx + maxx) / 2, abs=1e-6) and y == pytest.approx((miny + maxy) / 2, abs=1e-6)


def test_a_stray_scrap_of_a_grid_is_a_sliver(city, api):
    plan = start(api, community(city, 3))
    grid = next(iter(grids_of(api, plan).values()))
    outline = shape(grid["geometry"])
    corner = shapely.Point(outline.bounds[0], outline.bounds[1])
    scrap = metric_buffer(corner, 2).envelope        # ~16 m², far below the 50 m² sliver limit
    patch_geometry(api, plan, grid, shapely.MultiPolygon([*outline.geoms, scrap]) if not outline.intersects(scrap)
                   else shapely.union_all([outline, metric_buffer(shapely.Point(outline.bounds[2] + 0.001, outline.bounds[3]), 2).envelope]))
    assert "sliver" in kinds(problems(api, plan))


def test_a_split_through_buildings_names_them_with_their_shares_and_the_small_grids(city, api):
    plan = start(api, community(city, 4))
    grid = max(grids_of(api, plan).values(), key=lambda f: shape(f["geometry"]).area)
    outline = shape(grid["geometry"])
    response = api("POST", f"/api/v1/plans/{plan}/split", json={
        "feature": grid["id"], "line": split_line(outline, 0.37), "versions": {grid["id"]: grid["properties"]["version"]}})
    assert response.status_code == 200, response.json
    pieces = [shape(f["geometry"]) for f in response.json["features"]]
    assert len(pieces) == 2 and len(response.json["created"]) == 1
    assert same_shape(shapely.union_all(pieces), outline)
    found = problems(api, plan)
    cut = [f for f in found["features"] if f["properties"]["kind"] == "cut_building"]
    if cut:                                  # the line happened to cross buildings
        assert all(sum(f["properties"]["shares"].values()) == pytest.approx(1, abs=0.01) for f in cut)
    assert not {"gap", "overlap", "edge"} & kinds(found)
    new = next(f for f in response.json["features"] if f["id"] in response.json["created"])
    assert new["properties"]["worker"] is None
    assert any(f["properties"]["kind"] == "no_worker" and new["properties"]["code"] in f["properties"]["grids"]
               for f in found["features"])
    # together the two halves still hold the households the grid held
    held = {g["id"]: g["households"] for g in found["grids"]}
    assert held[grid["id"]] + held[new["id"]] == grid["properties"]["households"]
    small = [f for f in found["features"] if f["properties"]["kind"] == "households"]
    assert all(not f["properties"]["blocking"] for f in small)


def test_a_worker_planned_for_two_grids_is_named(city, api):
    plan = start(api, community(city, 5))
    a, b = list(grids_of(api, plan).values())[:2]
    response = api("PATCH", f"/ogcapi/collections/plan-{plan}/items/{b['id']}",
                   json={"properties": {"worker": a["properties"]["worker"]}},
                   headers={"If-Match": f'"pf{b["id"]}-{b["properties"]["version"]}"'})
    assert response.status_code == 200, response.json
    twice = [f for f in problems(api, plan)["features"] if f["properties"]["kind"] == "worker_many_grids"]
    assert len(twice) == 1 and twice[0]["properties"]["worker"] == a["properties"]["worker"]
    assert sorted(twice[0]["properties"]["grids"]) == sorted([a["properties"]["code"], b["properties"]["code"]])
    bad = api("PATCH", f"/ogcapi/collections/plan-{plan}/items/{b['id']}", json={"properties": {"worker": "nobody"}},
              headers={"If-Match": f'"pf{b["id"]}-{b["properties"]["version"] + 1}"'})
    assert bad.status_code == 422 and "worker" in bad.json["errors"]


# -- the operations ---------------------------------------------------------------------------------

def test_a_community_merged_into_one_grid_has_no_gap(city, api):
    plan = start(api, community(city, 7))
    grids = list(grids_of(api, plan).values())
    assert len(grids) > 1
    response = api("POST", f"/api/v1/plans/{plan}/merge",
                   json={"features": [g["id"] for g in grids],
                         "versions": {g["id"]: g["properties"]["version"] for g in grids}})
    assert response.status_code == 200, response.json
    found = problems(api, plan)
    assert len(found["grids"]) == 1
    assert not {"gap", "overlap", "edge", "outside"} & kinds(found)


def test_merging_two_neighbours_makes_one_grid_and_refuses_grids_apart(city, api):
    plan = start(api, community(city, 6))
    grids = grids_of(api, plan)
    a, b = neighbours(grids)
    versions = {a["id"]: 1, b["id"]: 1}
    response = api("POST", f"/api/v1/plans/{plan}/merge", json={"features": [a["id"], b["id"]], "versions": versions})
    assert response.status_code == 200, response.json
    assert response.json["removed"] == [b["id"]]
    merged = shape(response.json["features"][0]["geometry"])
    assert same_shape(merged, shapely.union_all([shape(a["geometry"]), shape(b["geometry"])]))
    assert not {"gap", "overlap", "edge"} & kinds(problems(api, plan))
    street = start(api, sql(city, "SELECT code FROM area WHERE level = 'street'")[0][0])
    far = sorted(grids_of(api, street).values(), key=lambda f: f["properties"]["code"])
    c, d = far[0], far[-1]
    assert shape(c["geometry"]).distance(shape(d["geometry"])) > 0
    refused = api("POST", f"/api/v1/plans/{street}/merge", headers={"Accept-Language": "en"},
                  json={"features": [c["id"], d["id"]], "versions": {c["id"]: 1, d["id"]: 1}})
    assert refused.status_code == 422 and "share a boundary" in refused.json["description"]
    assert "共同边界" in refused.json["description_zh"]      # the planner page shows it in Chinese


def test_moving_a_shared_boundary_changes_both_neighbours_together(city, api):
    plan = start(api, community(city, 7))
    a, b = neighbours(grids_of(api, plan))
    together = shapely.union_all([shape(a["geometry"]), shape(b["geometry"])])
    common = shape(a["geometry"]).intersection(shape(b["geometry"]))
    # the new boundary: the old one pushed 10 m into b, drawn across both grids
    centre = common.centroid
    frame = frame_for(together)
    inward = frame.to_metric(shape(b["geometry"]).centroid)
    c = frame.to_metric(centre)
    dx, dy = inward.x - c.x, inward.y - c.y
    norm = (dx * dx + dy * dy) ** 0.5
    old_m = frame.to_metric(common)
    shifted = shapely.affinity.translate(old_m, 10 * dx / norm, 10 * dy / norm)
    line_m = shapely.affinity.scale(LineString([shifted.coords[0], shifted.coords[-1]])
                                    if shifted.geom_type == "LineString" else LineString(
                                        [shifted.bounds[:2], shifted.bounds[2:]]), 1.6, 1.6)
    line = frame.to_wgs84(line_m)
    response = api("POST", f"/api/v1/plans/{plan}/move-boundary", json={
        "features": [a["id"], b["id"]], "line": mapping(line), "versions": {a["id"]: 1, b["id"]: 1}})
    assert response.status_code == 200, response.json
    new = {f["id"]: shape(f["geometry"]) for f in response.json["features"]}
    assert same_shape(shapely.union_all(list(new.values())), together)
    assert new[a["id"]].area > shape(a["geometry"]).area and new[b["id"]].area < shape(b["geometry"]).area
    assert not {"gap", "overlap", "edge"} & kinds(problems(api, plan))
    # a line that does not cross them is refused with a reason
    stub = LineString([centre.coords[0], (centre.x + 1e-6, centre.y)])
    refused = api("POST", f"/api/v1/plans/{plan}/move-boundary", json={
        "features": [a["id"], b["id"]], "line": mapping(stub),
        "versions": {f["id"]: f["properties"]["version"] for f in response.json["features"]}})
    assert refused.status_code == 422 and refused.json["description_zh"]


def corner_clip_line(geom, metres=3.0):
    """A line drawn as a hurried hand draws it: past a corner of the grid, clipping `metres`
    off each of its edges (a crumb of a few square metres), then round outside and across the
    grid through its middle."""
    frame = frame_for(geom)
    outline = max(shapely.get_parts(frame.to_metric(geom)), key=lambda part: part.area)
    ring = list(orient(outline).exterior.coords)[:-1]

    def unit(a, b):
        length = ((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5
        return ((b[0] - a[0]) / length, (b[1] - a[1]) / length), length
    for n, corner in enumerate(ring):
        (ax, ay), before = unit(corner, ring[n - 1])
        (bx, by), after = unit(corner, ring[(n + 1) % len(ring)])
        turn = ax * by - ay * bx                 # convex (this way round), neither sharp nor flat
        if before > 4 * metres and after > 4 * metres and turn < -0.5:
            break
    else:
        raise AssertionError("no convex corner to clip")
    a2 = (corner[0] + ax * metres, corner[1] + ay * metres)
    b2 = (corner[0] + bx * metres, corner[1] + by * metres)
    (dx, dy), _ = unit(a2, b2)
    start, turn_at = (a2[0] - 3 * dx, a2[1] - 3 * dy), (b2[0] + 3 * dx, b2[1] + 3 * dy)
    middle = outline.representative_point().coords[0]
    (ox, oy), _ = unit(turn_at, middle)
    reach = 2 * max(outline.bounds[2] - outline.bounds[0], outline.bounds[3] - outline.bounds[1])
    line = LineString([start, turn_at, middle, (middle[0] + ox * reach, middle[1] + oy * reach)])
    return frame.to_wgs84(line)


def test_a_split_line_drawn_past_a_corner_leaves_no_crumb_grid_and_says_so(city, api):
    plan = start(api, community(city, 6))
    grid = max(grids_of(api, plan).values(), key=lambda f: shape(f["geometry"]).area)
    outline = shape(grid["geometry"])
    line = corner_clip_line(outline)
    frame = frame_for(outline)
    raw = sorted(frame.to_metric(p).area for p in split_by(
        max(shapely.get_parts(outline), key=lambda part: part.area), line).geoms)
    assert raw[0] < 10 and len(raw) >= 3                  # cut as drawn: a crumb of a grid besides
    response = api("POST", f"/api/v1/plans/{plan}/split", json={
        "feature": grid["id"], "line": mapping(line), "versions": {grid["id"]: grid["properties"]["version"]}},
        headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.json
    pieces = [shape(f["geometry"]) for f in response.json["features"]]
    assert len(pieces) == len(raw) - 1                    # the crumb made no grid
    assert min(frame.to_metric(p).area for p in pieces) > 50
    assert same_shape(shapely.union_all(pieces), outline)  # and no ground was lost
    assert response.json["absorbed_m2"] == [pytest.approx(raw[0], abs=0.1)]
    assert "crumb" in response.json["note"] and "平方米" in response.json["note_zh"]
    found = problems(api, plan)
    assert not {"gap", "overlap", "edge", "sliver"} & kinds(found)


def test_a_building_cut_by_a_split_is_put_wholly_into_the_grid_holding_most_of_it(city, api):
    plan = start(api, community(city, 7))
    grid = max(grids_of(api, plan).values(), key=lambda f: shape(f["geometry"]).area)
    # the largest building well inside the grid, and a line through it, 30 % in from its west
    building, wkb = sql(city, """
        SELECT b.id, ST_AsBinary(b.geom) FROM building b, grid_plan_feature f
        WHERE f.id = :grid AND ST_Contains(ST_Buffer(f.geom, -0.0003), b.geom)
        ORDER BY ST_Area(b.geom) DESC LIMIT 1""", grid=grid["id"])[0]
    footprint = shapely.from_wkb(wkb)
    minx, miny, maxx, maxy = shape(grid["geometry"]).bounds
    x = footprint.bounds[0] + 0.3 * (footprint.bounds[2] - footprint.bounds[0])
    split = api("POST", f"/api/v1/plans/{plan}/split", json={
        "feature": grid["id"], "line": {"type": "LineString", "coordinates": [[x, miny - 1e-4], [x, maxy + 1e-4]]},
        "versions": {grid["id"]: grid["properties"]["version"]}})
    assert split.status_code == 200, split.json
    cut = [f for f in problems(api, plan)["features"]
           if f["properties"]["kind"] == "cut_building" and f["properties"]["building"] == building]
    assert len(cut) == 1                                  # named by the building's own id
    shares = cut[0]["properties"]["shares"]
    assert list(shares.values())[0] > 0.5 and sum(shares.values()) == pytest.approx(1, abs=0.001)
    most = cut[0]["properties"]["grids"][0]               # the grid holding most of it comes first
    grids = grids_of(api, plan)
    fixed = api("POST", f"/api/v1/plans/{plan}/keep-building-whole", json={
        "building": building, "versions": {f["id"]: f["properties"]["version"] for f in grids.values()}})
    assert fixed.status_code == 200, fixed.json
    now = {f["properties"]["code"]: shape(f["geometry"]) for f in fixed.json["features"]}
    frame = frame_for(footprint)
    assert frame.to_metric(footprint.difference(now[most])).area < 0.01
    found = problems(api, plan)
    assert not [f for f in found["features"] if f["properties"]["kind"] == "cut_building"
                and f["properties"]["building"] == building]
    assert not {"gap", "overlap", "edge", "sliver"} & kinds(found)
    assert api("GET", f"/api/v1/plans/{plan}").json["undo"]["op"] == "keep_building_whole"
    again = api("POST", f"/api/v1/plans/{plan}/keep-building-whole", json={
        "building": building, "versions": {f["id"]: f["properties"]["version"] for f in grids_of(api, plan).values()}})
    assert again.status_code == 422 and again.json["description_zh"]


def test_a_building_handed_to_the_neighbour_moves_whole_and_shows_in_the_diff(city, api):
    plan = start(api, community(city, 8))
    a, b = neighbours(grids_of(api, plan))
    # the building of a nearest to b
    building, = sql(city, """
        SELECT bl.id FROM building bl, grid_plan_feature f, grid_plan_feature t
        WHERE f.id = :a AND t.id = :b AND ST_Contains(f.geom, ST_PointOnSurface(bl.geom))
        ORDER BY ST_Distance(bl.geom, t.geom) LIMIT 1""", a=a["id"], b=b["id"])[0]
    response = api("POST", f"/api/v1/plans/{plan}/hand-over", json={
        "building": building, "to": b["id"], "versions": {a["id"]: 1, b["id"]: 1}})
    assert response.status_code == 200, response.json
    taker = next(shape(f["geometry"]) for f in response.json["features"] if f["id"] == b["id"])
    footprint = shapely.from_wkb(sql(city, "SELECT ST_AsBinary(geom) FROM building WHERE id = :id", id=building)[0][0])
    assert footprint.difference(taker).area < 1e-4 * footprint.area
    found = problems(api, plan)
    assert not {"gap", "overlap", "edge"} & kinds(found)
    assert not [f for f in found["features"] if f["properties"]["kind"] == "cut_building"
                and f["properties"]["building"] == building]
    diff = api("GET", f"/api/v1/plans/{plan}/diff").json
    assert {c["code"] for c in diff["changed"]} == {a["properties"]["code"], b["properties"]["code"]}
    moved = [m for m in diff["buildings"] if m["building"] == building]
    assert moved and moved[0]["from"] == a["properties"]["code"] and moved[0]["to"] == b["properties"]["code"]
    assert {f["properties"]["kind"] for f in diff["lines"]["features"]} == {"new", "old"}
    assert diff["households_moving"] == sum(m["households"] for m in diff["buildings"])


# -- undo and redo, a new grid's names and worker, the fix for slivers and tiny grids ---------------

def stored(city, plan):
    """Every feature of the plan exactly as stored: outline bytes, code, names, kind, worker."""
    return {r[0]: tuple(r[1:]) for r in sql(city, """
        SELECT id, ST_AsEWKB(geom), code, name_zh, name_en, kind, community_id, worker_id, source_grid_id
        FROM grid_plan_feature WHERE plan_id = :p""", p=plan)}


def test_undo_restores_a_split_and_the_new_grids_names_and_worker_exactly_and_redo_makes_them_again(city, api):
    plan = start(api, community(city, 11))
    grid = max(grids_of(api, plan).values(), key=lambda f: shape(f["geometry"]).area)
    before = stored(city, plan)
    split = api("POST", f"/api/v1/plans/{plan}/split", json={
        "feature": grid["id"], "line": split_line(shape(grid["geometry"]), 0.45),
        "versions": {grid["id"]: grid["properties"]["version"]}})
    assert split.status_code == 200, split.json
    assert split.json["undo"]["op"] == "split" and split.json["redo"] is None
    new = split.json["created"][0]
    made = next(f for f in split.json["features"] if f["id"] == new)
    assert made["properties"]["name_zh"].endswith("网格")          # a name suggested from the community
    split_state = stored(city, plan)
    named = api("POST", f"/api/v1/plans/{plan}/name", json={
        "feature": new, "name_zh": "幸福里网格", "name_en": "Xingfuli Grid", "new_worker": "李新",
        "versions": {new: made["properties"]["version"]}})
    assert named.status_code == 200, named.json
    after = stored(city, plan)
    assert after[new][2:4] == ("幸福里网格", "Xingfuli Grid")
    code, name, role, active = sql(city, "SELECT code, name_zh, role, active FROM worker WHERE id = :w", w=after[new][6])[0]
    assert (name, role, active) == ("李新", "full_time", True)
    found = problems(api, plan)
    assert next(g for g in found["grids"] if g["id"] == new)["worker"] == {"code": code, "zh": "李新", "en": "李新"}
    assert "no_worker" not in kinds(found)

    assert api("POST", f"/api/v1/plans/{plan}/undo").json["redo"]["op"] == "name"
    assert stored(city, plan) == split_state
    undone = api("POST", f"/api/v1/plans/{plan}/undo")
    assert undone.status_code == 200 and undone.json["removed"] == [new] and undone.json["undo"] is None
    assert stored(city, plan) == before                                    # byte for byte
    nothing = api("POST", f"/api/v1/plans/{plan}/undo", headers={"Accept-Language": "en"})
    assert nothing.status_code == 409 and "no edit to undo" in nothing.json["description"]
    assert "没有可撤销的修改" in nothing.json["description_zh"]

    assert api("POST", f"/api/v1/plans/{plan}/redo").json["created"] == [new]
    assert stored(city, plan) == split_state
    assert api("POST", f"/api/v1/plans/{plan}/redo").status_code == 200
    assert stored(city, plan) == after
    # a client still holding a version read before the undo is refused, not obeyed
    stale = api("PATCH", f"/ogcapi/collections/plan-{plan}/items/{new}", json={"properties": {"name_en": "late"}},
                headers={"If-Match": f'"pf{new}-{made["properties"]["version"]}"'})
    assert stale.status_code == 412
    # the record a reviewer reads is the net change: two undos and two redos add no entry
    events = api("GET", f"/api/v1/plans/{plan}").json["events"]
    assert [e["action"] for e in events] == ["created", "edit", "edit"]
    assert events[1]["data"] == {"op": "split", "grids": [grid["properties"]["code"], made["properties"]["code"]]}
    assert events[2]["data"]["op"] == "name" and "features" not in events[2]["data"]
    assert not any(e["undone"] for e in events)
    # …while the stored record keeps every step, for an audit
    full = api("GET", f"/api/v1/plans/{plan}?record=all").json["events"]
    assert [e["action"] for e in full] == ["created", "edit", "edit", "undo", "undo", "redo", "redo"]
    # an edit undone shows, struck through, while a redo could make it again…
    api("POST", f"/api/v1/plans/{plan}/undo")
    read = api("GET", f"/api/v1/plans/{plan}").json
    assert [(e["data"]["op"], e["undone"]) for e in read["events"] if e["action"] == "edit"] == [
        ("split", False), ("name", True)]
    # …and an edit after it leaves nothing to redo: the undone edit leaves the record
    some = grids_of(api, plan)[grid["properties"]["code"]]
    renamed = api("PATCH", f"/ogcapi/collections/plan-{plan}/items/{some['id']}", json={"properties": {"name_en": "Renamed"}},
                  headers={"If-Match": f'"pf{some["id"]}-{some["properties"]["version"]}"'})
    assert renamed.status_code == 200, renamed.json
    read = api("GET", f"/api/v1/plans/{plan}").json
    assert read["redo"] is None and read["undo"]["op"] == "patch"
    assert [(e["data"]["op"], e["undone"]) for e in read["events"] if e["action"] == "edit"] == [
        ("split", False), ("patch", False)]
    assert [e["undone"] for e in api("GET", f"/api/v1/plans/{plan}?record=all").json["events"]
            if e["action"] == "edit"] == [False, True, False]
    # the worker registered for it is free to be given a grid again: listed with no grid of the plan
    offered = {w["code"]: w for w in read["workers"]}
    assert offered[code]["plan_grids"] == []


def test_undo_is_refused_once_the_plan_is_no_longer_a_draft(city, api):
    plan = start(api, community(city, 10))
    grid = next(iter(grids_of(api, plan).values()))
    renamed = api("PATCH", f"/ogcapi/collections/plan-{plan}/items/{grid['id']}", json={"properties": {"name_en": "Renamed"}},
                  headers={"If-Match": f'"pf{grid["id"]}-{grid["properties"]["version"]}"'})
    assert renamed.status_code == 200
    assert api("POST", f"/api/v1/plans/{plan}/submit").status_code == 200
    refused = api("POST", f"/api/v1/plans/{plan}/undo", headers={"Accept-Language": "en"})
    assert refused.status_code == 409 and refused.json["code"] == "NotEditable"
    assert api("POST", f"/api/v1/plans/{plan}/redo").status_code == 409
    assert api("GET", f"/api/v1/plans/{plan}").json["undo"] is None
    assert api("POST", f"/api/v1/plans/{plan}/undo", role="reviewer").status_code == 403
    # back as a draft, what was handed on stays: the edits before it are not undone
    assert api("POST", f"/api/v1/plans/{plan}/withdraw").status_code == 200
    assert api("POST", f"/api/v1/plans/{plan}/undo").json["code"] == "NothingToUndo"
    assert grids_of(api, plan)[grid["properties"]["code"]]["properties"]["name_en"] == "Renamed"


def test_the_record_names_people_by_their_name(city, api):
    with city.app_context():
        session = db.session()
        session.execute(text("UPDATE app_user SET display_name = '陈晓东' WHERE username = 'p_planner'"))
        session.commit()
    plan = start(api, community(city, 10))
    event = api("GET", f"/api/v1/plans/{plan}").json["events"][0]
    assert event["actor"] == "user:p_planner" and event["by"] == {"kind": "person", "zh": "陈晓东", "en": "陈晓东"}


def tiny_piece_line(geom, share=3 * LEFTOVER_SHARE):
    """A north–south line near the grid's east edge that cuts off a strip of about `share` of
    it: a grid far too small, but more than the crumb a split gives to the piece beside it."""
    frame = frame_for(geom)
    outline = frame.to_metric(geom)
    minx, miny, maxx, maxy = outline.bounds
    metres = 4.0
    while outline.intersection(shapely.box(maxx - metres, miny, maxx, maxy)).area < share * outline.area:
        metres *= 1.25
    return mapping(frame.to_wgs84(LineString([(maxx - metres, miny - 20), (maxx - metres, maxy + 20)])))


def test_a_tiny_grid_is_merged_into_the_neighbour_it_shares_most_boundary_with(city, api):
    plan = start(api, community(city, 8))
    grid = max(grids_of(api, plan).values(), key=lambda f: shape(f["geometry"]).area)
    split = api("POST", f"/api/v1/plans/{plan}/split", json={
        "feature": grid["id"], "line": tiny_piece_line(shape(grid["geometry"])),
        "versions": {grid["id"]: grid["properties"]["version"]}})
    assert split.status_code == 200, split.json
    tiny = [f for f in split.json["features"] if f["id"] in split.json["created"]]
    # a strip too small to be a grid: a sliver, or at least a grid far under the household standard
    small = {c for f in problems(api, plan)["features"] if f["properties"]["kind"] in ("sliver", "households")
             for c in f["properties"]["grids"]}
    assert {f["properties"]["code"] for f in tiny} <= small
    grids = grids_of(api, plan)
    piece = tiny[0]
    asked = api("POST", f"/api/v1/plans/{plan}/merge-into-neighbour",
                json={"feature": piece["id"], "versions": {piece["id"]: piece["properties"]["version"]}})
    assert asked.status_code == 428                          # the neighbour's version too, as every edit
    fixed = api("POST", f"/api/v1/plans/{plan}/merge-into-neighbour", json={
        "feature": piece["id"], "versions": {f["id"]: f["properties"]["version"] for f in grids.values()}})
    assert fixed.status_code == 200, fixed.json
    assert fixed.json["removed"] == [piece["id"]]
    # the grid it was cut from shares the cut line with it: the longest boundary; it keeps its
    # code, names and worker
    assert [f["id"] for f in fixed.json["features"]] == [grid["id"]]
    keeper = fixed.json["features"][0]["properties"]
    assert (keeper["code"], keeper["name_zh"], keeper["worker"]) == (
        grid["properties"]["code"], grid["properties"]["name_zh"], grid["properties"]["worker"])
    assert len(grids_of(api, plan)) == len(grids) - 1
    found = problems(api, plan)
    assert piece["properties"]["code"] not in {c for f in found["features"] for c in f["properties"]["grids"]}
    assert not {"gap", "overlap", "edge"} & kinds(found)
    assert api("GET", f"/api/v1/plans/{plan}").json["undo"]["op"] == "merge_into_neighbour"


def test_a_sliver_part_of_a_grid_goes_to_its_neighbour_and_the_grid_keeps_the_rest(city, api):
    plan = start(api, community(city, 9))
    a, b = neighbours(grids_of(api, plan))
    # the outlines as stored (the served ones are rounded to a centimetre)
    exact = {i: shapely.from_wkb(g) for i, g in sql(
        city, "SELECT id, ST_AsBinary(geom) FROM grid_plan_feature WHERE id IN (:a, :b)", a=a["id"], b=b["id"])}
    # a 4 m square in the middle of b, given to a as a part of its own: a sliver of a
    scrap = shapely.set_precision(metric_buffer(exact[b["id"]].representative_point(), 2).envelope, 1e-9)
    assert exact[b["id"]].contains(scrap)
    patch_geometry(api, plan, b, exact[b["id"]].difference(scrap))
    patch_geometry(api, plan, grids_of(api, plan)[a["properties"]["code"]],
                   shapely.MultiPolygon([*shapely.get_parts(exact[a["id"]]), scrap]))
    found = problems(api, plan)
    assert not {"gap", "overlap", "edge"} & kinds(found)
    sliver = next(f for f in found["features"] if f["properties"]["kind"] == "sliver")
    assert sliver["properties"]["grids"] == [a["properties"]["code"]]
    grids = grids_of(api, plan)
    inside = shape(sliver["geometry"]).representative_point()
    fixed = api("POST", f"/api/v1/plans/{plan}/merge-into-neighbour", json={
        "feature": a["id"], "at": [inside.x, inside.y],
        "versions": {f["id"]: f["properties"]["version"] for f in grids.values()}})
    assert fixed.status_code == 200, fixed.json
    assert fixed.json["removed"] == [] and {f["id"] for f in fixed.json["features"]} == {a["id"], b["id"]}
    now = {f["id"]: shape(f["geometry"]) for f in fixed.json["features"]}
    assert same_shape(now[a["id"]], exact[a["id"]]) and same_shape(now[b["id"]], exact[b["id"]])
    assert not {"sliver", "gap", "overlap", "edge"} & kinds(problems(api, plan))
    refused = api("POST", f"/api/v1/plans/{plan}/merge-into-neighbour", json={
        "feature": a["id"], "at": "here", "versions": {f["id"]: f["properties"]["version"] for f in grids_of(api, plan).values()}})
    assert refused.status_code == 422 and refused.json["field"] == "at"


def test_a_grid_worker_is_named_in_the_problems_and_the_current_division(city, api):
    plan = start(api, community(city, 5))
    a, b = list(grids_of(api, plan).values())[:2]
    api("PATCH", f"/ogcapi/collections/plan-{plan}/items/{b['id']}", json={"properties": {"worker": a["properties"]["worker"]}},
        headers={"If-Match": f'"pf{b["id"]}-{b["properties"]["version"]}"'})
    name_zh, name_en = sql(city, "SELECT name_zh, name_en FROM worker WHERE code = :c", c=a["properties"]["worker"])[0]
    twice = next(f for f in problems(api, plan)["features"] if f["properties"]["kind"] == "worker_many_grids")
    assert name_zh in twice["properties"]["message_zh"] and name_en in twice["properties"]["message_en"]
    # b's own worker is free now, and offered for a grid of the plan before those the plan places
    offered = api("GET", f"/api/v1/plans/{plan}").json["workers"]
    assert [w["code"] for w in offered if not w["plan_grids"]] == [b["properties"]["worker"]]
    assert offered[0]["code"] == b["properties"]["worker"]
    division = api("GET", "/api/v1/division").json["grids"]
    held = next(g for g in division if g["code"] == a["properties"]["code"])
    assert held["worker"] == {"code": a["properties"]["worker"], "zh": name_zh, "en": name_en}


def test_problems_are_said_in_chinese_punctuation(city, api):
    plan = start(api, community(city, 4))
    grid = max(grids_of(api, plan).values(), key=lambda f: shape(f["geometry"]).area)
    api("POST", f"/api/v1/plans/{plan}/split", json={
        "feature": grid["id"], "line": split_line(shape(grid["geometry"]), 0.3),
        "versions": {grid["id"]: grid["properties"]["version"]}})
    said = [f["properties"]["message_zh"] for f in problems(api, plan)["features"]]
    assert said and not [m for m in said if re.search(r"[\u4e00-\u9fff][,:;(]|[(][^)]*[\u4e00-\u9fff]", m)]


# -- two planners ----------------------------------------------------------------------------------

def test_the_second_planner_to_save_gets_412_with_the_current_version(city, api):
    plan = start(api, community(city, 9))
    fid = next(iter(grids_of(api, plan).values()))["id"]
    read = api("GET", f"/ogcapi/collections/plan-{plan}/items/{fid}")
    etag = read.headers["ETag"]
    first = api("PATCH", f"/ogcapi/collections/plan-{plan}/items/{fid}",
                json={"properties": {"name_en": "First planner's name"}}, headers={"If-Match": etag})
    assert first.status_code == 200 and first.headers["ETag"] != etag
    second = api("PATCH", f"/ogcapi/collections/plan-{plan}/items/{fid}",
                 json={"properties": {"name_en": "Second planner's name"}}, headers={"If-Match": etag})
    assert second.status_code == 412
    assert second.json["current"][0]["properties"]["name_en"] == "First planner's name"
    assert second.json["current"][0]["properties"]["version"] == 2
    blind = api("DELETE", f"/ogcapi/collections/plan-{plan}/items/{fid}")
    assert blind.status_code == 428
    now = api("GET", f"/ogcapi/collections/plan-{plan}/items/{fid}").json
    assert now["properties"]["name_en"] == "First planner's name"
    # an operation on a stale version is refused the same way, and changes nothing
    stale = api("POST", f"/api/v1/plans/{plan}/split", json={
        "feature": fid, "line": split_line(shape(now["geometry"])), "versions": {fid: 1}})
    assert stale.status_code == 412
    assert len(grids_of(api, plan)) == len(sql(city, "SELECT 1 FROM grid_plan_feature WHERE plan_id = :p", p=plan))


def test_part4_create_and_delete_and_the_city_layers_stay_read_only(city, api):
    plan = start(api, community(city, 10))
    grids = grids_of(api, plan)
    some = next(iter(grids.values()))
    created = api("POST", f"/ogcapi/collections/plan-{plan}/items", json={
        "type": "Feature", "geometry": mapping(metric_buffer(shape(some["geometry"]).centroid, 20)), "properties": {}})
    assert created.status_code == 201, created.json
    assert created.headers["Location"].endswith(f"/items/{created.json['id']}")
    assert created.json["properties"]["community"] == community(city, 10)
    assert created.json["properties"]["code"].startswith(community(city, 10))
    assert "overlap" in kinds(problems(api, plan))
    gone = api("DELETE", f"/ogcapi/collections/plan-{plan}/items/{created.json['id']}",
               headers={"If-Match": created.headers["ETag"]})
    assert gone.status_code == 204
    assert "overlap" not in kinds(problems(api, plan))
    assert api("POST", "/ogcapi/collections/grids/items", json={"type": "Feature"}).status_code == 409
    bad = api("POST", f"/ogcapi/collections/plan-{plan}/items", json={
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}})
    assert bad.status_code == 422 and bad.json["field"] == "geometry"
    assert api("POST", f"/ogcapi/collections/plan-{plan}/items", role="viewer",
               json={"type": "Feature"}).status_code == 403


# -- the workflow ----------------------------------------------------------------------------------

def test_the_workflow_goes_by_role_and_refuses_what_is_out_of_turn(city, api):
    plan = start(api, community(city, 11))
    assert api("POST", f"/api/v1/plans/{plan}/approve", role="planner").status_code == 403
    assert api("POST", f"/api/v1/plans/{plan}/approve", role="reviewer").status_code == 409
    assert api("POST", f"/api/v1/plans/{plan}/submit", role="reviewer").status_code == 403
    assert api("POST", f"/api/v1/plans/{plan}/submit").status_code == 200
    grid = next(iter(grids_of(api, plan).values()))
    locked = api("PATCH", f"/ogcapi/collections/plan-{plan}/items/{grid['id']}",
                 json={"properties": {"name_en": "late"}},
                 headers={"If-Match": f'"pf{grid["id"]}-1"', "Accept-Language": "en"})
    assert locked.status_code == 409 and "withdraw" in locked.json["description"]
    no_reason = api("POST", f"/api/v1/plans/{plan}/reject", role="reviewer", json={})
    assert no_reason.status_code == 422
    assert api("POST", f"/api/v1/plans/{plan}/reject", role="reviewer",
               json={"note": "Grid 3 is too large"}).json["status"] == "rejected"
    assert api("POST", f"/api/v1/plans/{plan}/file", role="filer").status_code == 409
    assert api("POST", f"/api/v1/plans/{plan}/submit").status_code == 200
    assert api("POST", f"/api/v1/plans/{plan}/withdraw").json["status"] == "draft"
    assert api("POST", f"/api/v1/plans/{plan}/submit").status_code == 200
    assert api("POST", f"/api/v1/plans/{plan}/approve", role="reviewer").status_code == 200
    assert api("POST", f"/api/v1/plans/{plan}/file", role="reviewer").status_code == 403
    events = api("GET", f"/api/v1/plans/{plan}").json["events"]
    assert [e["action"] for e in events] == ["created", "submit", "reject", "submit", "withdraw", "submit", "approve"]
    assert events[2]["note"] == "Grid 3 is too large" and events[2]["actor"] == "user:p_reviewer"
    submitted = next(e for e in events if e["action"] == "submit")
    assert submitted["map"]
    page = api("GET", submitted["map"])
    assert page.status_code == 200 and b"L.map" in page.data


def test_a_plan_with_blocking_problems_cannot_be_submitted(city, api):
    plan = start(api, community(city, 1))
    grid = next(iter(grids_of(api, plan).values()))
    patch_geometry(api, plan, grid, metric_buffer(shape(grid["geometry"]), -5))
    refused = api("POST", f"/api/v1/plans/{plan}/submit")
    assert refused.status_code == 409 and refused.json["code"] == "PlanHasProblems"
    assert any(p["kind"] == "gap" for p in refused.json["problems"])
    assert api("GET", f"/api/v1/plans/{plan}").json["status"] == "draft"


# -- filing ----------------------------------------------------------------------------------------

def _incident_in(city, grid_code):
    with city.app_context():
        session = db.session()
        lon, lat = session.execute(text("""
            SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM grid
                                          WHERE code = :c AND valid_to IS NULL) s"""), {"c": grid_code}).one()
        category = session.execute(text("SELECT code FROM category WHERE default_level = 'grid' LIMIT 1")).scalar()
        filed = incidents.report(session, incidents.Report(category, lon, lat, "planning test"),
                                 incidents.Participant.system(), city.config["GRIDMAP"].incidents,
                                 datetime.now(timezone.utc))
        session.commit()
        return filed.code, (lon, lat)


def test_filing_closes_old_grids_opens_new_ones_and_moves_buildings_incidents_and_workers(city, api):
    area = community(city, 0)
    old = dict(sql(city, """SELECT g.code, g.id FROM grid g JOIN area c ON c.id = g.community_id
                            WHERE c.code = :c AND g.valid_to IS NULL""", c=area))
    incident, (lon, lat) = _incident_in(city, sorted(old)[0])
    before = datetime.now(timezone.utc)
    plan = start(api, area, propose={"min_households": 150, "max_households": 450})
    found = problems(api, plan)
    assert found["blocking"] == 0, [f["properties"]["message_en"] for f in found["features"]]
    assert len(found["grids"]) > len(old)
    assert api("POST", f"/api/v1/plans/{plan}/submit").status_code == 200
    assert api("POST", f"/api/v1/plans/{plan}/approve", role="reviewer").status_code == 200
    listener = psycopg.connect(city.url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
    listener.execute("LISTEN gridmap_stream")
    filed = api("POST", f"/api/v1/plans/{plan}/file", role="filer")
    assert filed.status_code == 200, filed.json
    effective = datetime.fromisoformat(filed.json["effective_from"])
    data = filed.json["event"]["data"]
    assert sorted(data["grids_closed"]) == sorted(old)
    assert len(data["grids_opened"]) == len(found["grids"])
    # the old rows are history, the new ones current, from the same instant
    closed = sql(city, "SELECT valid_to FROM grid WHERE id = ANY(:ids)", ids=list(old.values()))
    assert {r[0] for r in closed} == {effective}
    current = dict(sql(city, """SELECT g.code, g.households FROM grid g JOIN area c ON c.id = g.community_id
                                WHERE c.code = :c AND g.valid_to IS NULL""", c=area))
    assert sorted(current) == sorted(data["grids_opened"])
    # every building of the community is in one of the new grids, and the households add up
    homeless = sql(city, """SELECT count(*) FROM building b, area c WHERE c.code = :c
                            AND ST_Contains(c.geom, ST_PointOnSurface(b.geom))
                            AND b.grid_id NOT IN (SELECT id FROM grid WHERE valid_to IS NULL)""", c=area)
    assert homeless[0][0] == 0
    assert sum(current.values()) == sql(city, "SELECT households FROM area WHERE code = :c", c=area)[0][0]
    assert data["buildings_moved"] and data["households_moved"] > 0
    # the open incident went to the grid that now holds its point, and that is an event
    moved = next(m for m in data["incidents_moved"] if m["incident"] == incident)
    holder = sql(city, """SELECT code FROM grid WHERE valid_to IS NULL AND
                          ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326))""", x=lon, y=lat)[0][0]
    assert moved["to"] == holder
    assert sql(city, """SELECT e.action FROM incident_event e JOIN incident i ON i.id = e.incident_id
                        WHERE i.code = :c ORDER BY e.id DESC LIMIT 1""", c=incident)[0][0] == "regrid"
    # every new grid with a planned worker has them from the effective date
    assigned = sql(city, """SELECT g.code FROM worker_assignment a JOIN grid g ON g.id = a.grid_id
                            WHERE a.valid_to IS NULL AND a.valid_from = :at""", at=effective)
    assert {r[0] for r in assigned} == {g["properties"]["code"] for g in grids_of(api, plan).values()
                                        if g["properties"]["worker"]}
    assert not sql(city, "SELECT 1 FROM worker_assignment WHERE valid_to IS NULL AND grid_id = ANY(:ids)",
                   ids=list(old.values()))
    # the filed plan's grids are the current ones, not a second grid for each of their workers
    assert not [f for f in problems(api, plan)["features"] if f["properties"]["kind"] == "worker_many_grids"]
    # the live stream heard of it
    notices = [json.loads(n.payload) for n in listener.notifies(timeout=2, stop_after=50)
               if '"division"' in n.payload]
    listener.close()
    assert notices and notices[0]["plan"] == plan
    # as of a date: before filing the place was in an old grid, after it in a new one
    then = api("GET", f"/api/v1/history/place?lon={lon}&lat={lat}&at={before.isoformat().replace('+00:00', 'Z')}").json
    assert then["held_by"]["grid"] in old and then["held_by"]["valid_to"] is not None
    now = api("GET", f"/api/v1/history/place?lon={lon}&lat={lat}").json["timeline"]
    assert [t["grid"] for t in now][-1] == holder and len(now) == 2
    grids_then = api("GET", "/ogcapi/collections/grids/items?limit=1000&community=" + area +
                     "&datetime=" + before.isoformat().replace("+00:00", "Z")).json
    assert sorted(f["properties"]["code"] for f in grids_then["features"]) == sorted(old)


def test_a_plan_overtaken_by_another_filing_cannot_be_filed(city, api):
    area = community(city, 2)
    first, second = start(api, area), start(api, area)
    grid = next(iter(grids_of(api, first).values()))
    api("PATCH", f"/ogcapi/collections/plan-{first}/items/{grid['id']}",
        json={"properties": {"name_en": "Renamed"}}, headers={"If-Match": f'"pf{grid["id"]}-1"'})
    a, b = neighbours(grids_of(api, first))
    merged = api("POST", f"/api/v1/plans/{first}/merge", json={"features": [a["id"], b["id"]],
                                                              "versions": {a["id"]: a["properties"]["version"],
                                                                           b["id"]: b["properties"]["version"]}})
    assert merged.status_code == 200
    for action, role in (("submit", "planner"), ("approve", "reviewer")):
        assert api("POST", f"/api/v1/plans/{first}/{action}", role=role).status_code == 200
    assert api("POST", f"/api/v1/plans/{first}/file", role="filer",
               json={"effective_from": "2099-01-01"}).status_code == 422
    assert api("POST", f"/api/v1/plans/{first}/file", role="filer").status_code == 200
    overtaken = api("POST", f"/api/v1/plans/{second}/submit")
    assert overtaken.status_code == 409 and overtaken.json["code"] == "DivisionChanged"


# -- files -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, crs", [("gpkg", 4490), ("shp", 32651), ("geojson", 3857), ("geojson", 4326)])
def test_a_plan_goes_out_and_back_in_each_format_and_crs(city, api, fmt, crs):
    area = community(city, 5)
    source = start(api, area)
    exported = api("GET", f"/api/v1/plans/{source}/export?format={fmt}&crs={crs}")
    assert exported.status_code == 200, exported.data[:300]
    target = start(api, area)
    grid = next(iter(grids_of(api, target).values()))
    api("DELETE", f"/ogcapi/collections/plan-{target}/items/{grid['id']}", headers={"If-Match": f'"pf{grid["id"]}-1"'})
    name = {"gpkg": "plan.gpkg", "shp": "plan.zip", "geojson": "plan.geojson"}[fmt]
    imported = api("POST", f"/api/v1/plans/{target}/import",
                   data={"file": (io.BytesIO(exported.data), name)}, content_type="multipart/form-data")
    assert imported.status_code == 200, imported.json
    assert imported.json["crs"] == f"EPSG:{crs}"
    assert imported.json["created"] == 1 and imported.json["removed"] == 0
    back, original = grids_of(api, target), grids_of(api, source)
    assert sorted(back) == sorted(original)
    for code, feature in original.items():
        assert same_shape(shape(back[code]["geometry"]), shape(feature["geometry"]))
        assert back[code]["properties"]["worker"] == feature["properties"]["worker"]
    assert problems(api, target)["blocking"] == 0


def test_an_import_with_an_invalid_shape_is_refused_per_feature_or_repaired_on_request(city, api):
    plan = start(api, community(city, 6))
    collection = api("GET", f"/api/v1/plans/{plan}/export?format=geojson").json
    victim = collection["features"][1]
    minx, miny, maxx, maxy = shape(victim["geometry"]).bounds
    victim["geometry"] = {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, maxy], [maxx, miny],
                                                              [minx, maxy], [minx, miny]]]}
    body = json.dumps(collection).encode()
    refused = api("POST", f"/api/v1/plans/{plan}/import", data={"file": (io.BytesIO(body), "plan.geojson")},
                  content_type="multipart/form-data")
    assert refused.status_code == 422
    assert refused.json["errors"] == [{"feature": 2, "code": victim["properties"]["code"],
                                       "problem": refused.json["errors"][0]["problem"]}]
    assert "Self-intersection" in refused.json["errors"][0]["problem"]
    repaired = api("POST", f"/api/v1/plans/{plan}/import", data={"file": (io.BytesIO(body), "plan.geojson"),
                                                                "repair": "1"}, content_type="multipart/form-data")
    assert repaired.status_code == 200 and repaired.json["repaired"] == [victim["properties"]["code"]]
    assert grids_of(api, plan)[victim["properties"]["code"]]["properties"]["repaired"] is True
    junk = api("POST", f"/api/v1/plans/{plan}/import", data={"file": (io.BytesIO(b"not a map"), "x.geojson")},
               content_type="multipart/form-data")
    assert junk.status_code == 415


def test_a_shapefile_zip_with_its_prj_is_read_in_its_own_crs(city, api):
    plan = start(api, community(city, 7))
    exported = api("GET", f"/api/v1/plans/{plan}/export?format=shp&crs=4490")
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        assert {n.rsplit(".", 1)[1] for n in archive.namelist()} >= {"shp", "shx", "dbf", "prj"}
    assert api("GET", f"/api/v1/plans/{plan}/export?format=shp&crs=2000").status_code == 422


# -- proposals and printable maps ----------------------------------------------------------------

def test_a_proposed_division_of_a_street_is_one_coverage_across_its_community_lines(city, api):
    street = sql(city, "SELECT p.code FROM area c JOIN area p ON p.id = c.parent_id "
                       "WHERE c.code = :c", c=community(city, 0))[0][0]
    plan = start(api, street, propose={"min_households": 200, "max_households": 600})
    outlines = [shape(f["geometry"]) for f in grids_of(api, plan).values()]
    assert len({f["properties"]["community"] for f in grids_of(api, plan).values()}) > 1
    edges = shapely.coverage_invalid_edges(outlines)
    assert all(e is None or e.is_empty for e in edges)       # vertex for vertex, no crumbs
    assert not [f for f in problems(api, plan)["features"] if f["properties"]["blocking"]]


def test_a_proposed_division_cuts_no_building_and_keeps_to_the_range(city, api):
    plan = start(api, community(city, 3), propose={"min_households": 200, "max_households": 600})
    found = problems(api, plan)
    assert not [f for f in found["features"] if f["properties"]["blocking"]]
    households = [g["households"] for g in found["grids"]]
    assert sum(households) == sql(city, "SELECT households FROM area WHERE code = :c", c=community(city, 3))[0][0]
    assert sum(200 <= h <= 600 for h in households) >= len(households) - 1
    assert api("POST", "/api/v1/plans", json={"area": community(city, 3),
                                               "propose": {"min_households": 500, "max_households": 100}}).status_code == 422


def test_printable_maps_are_self_contained_and_sandboxed(city, api):
    plan = start(api, community(city, 4))
    for path in (f"/api/v1/plans/{plan}/map.html",
                 f"/api/v1/grids/{sql(city, 'SELECT code FROM grid WHERE valid_to IS NULL LIMIT 1')[0][0]}/map.html"):
        page = api("GET", path)
        assert page.status_code == 200 and page.mimetype == "text/html"
        html = page.data.decode()
        # nothing is fetched: no script, style sheet or image from elsewhere
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html)
        assert "cdn" not in html.lower() and "url(http" not in html
        assert "L.map(" in html and "leaflet" in html.lower()
        assert page.headers["Content-Security-Policy"].startswith("sandbox")
    assert api("GET", "/api/v1/grids/none/map.html").status_code == 404


# -- the /planner page, in the real browser ---------------------------------------------------------

@pytest.fixture(scope="module")
def planner_server(city):
    yield from serve(city)


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_a_planner_draws_a_split_and_sees_the_problems_update(city, api, browser, planner_server, locale):
    plan = start(api, community(city, 9))
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale=locale)
    errors = watch_errors(page)
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(planner_server) else None)
    sign_in(page, planner_server, "p_planner")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{planner_server}/planner?plan={plan}")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    wait_until(page, "window.gridmapPlanner.problemCount() >= 0 && !window.gridmapPlanner.busy()")
    # the generated division is clean; at most a grid cut as a strip from its block is warned of
    assert set(page.evaluate("window.gridmapPlanner.problemKinds()")) <= {"strip"}
    assert page.locator("#problems li.blocking").count() == 0
    assert page.locator("#on-ground").inner_text().strip()        # how much of the lines are on roads
    assert page.locator("#legend div").count() >= 8
    grids = page.evaluate("window.gridmapPlanner.gridCount()")
    target = max(grids_of(api, plan).values(), key=lambda f: shape(f["geometry"]).area)
    # choose the tool, click the grid, draw a line across it from above to below
    page.click("#tools button[data-tool='split']")
    centre = page.evaluate(f"window.gridmapPlanner.centre({target['id']})")
    page.mouse.click(centre["x"], centre["y"])
    (top_left, bottom_right) = page.evaluate(f"window.gridmapPlanner.boundsOf({target['id']})")
    x = top_left["x"] + (bottom_right["x"] - top_left["x"]) * 0.42
    page.mouse.click(x, top_left["y"] - 25)
    page.mouse.dblclick(x, bottom_right["y"] + 25)
    wait_until(page, f"window.gridmapPlanner.gridCount() === {grids + 1} && !window.gridmapPlanner.busy()", timeout=15)
    kinds_now = page.evaluate("window.gridmapPlanner.problemKinds()")
    assert "no_worker" in kinds_now                            # the new half has no worker yet
    assert page.locator("#problems li[data-kind='no_worker']").count() == 1
    assert len(grids_of(api, plan)) == grids + 1
    # a click on a problem zooms to it
    before = page.evaluate("document.querySelector('.leaflet-map-pane').style.transform")
    page.click("#problems li[data-kind='no_worker']")
    page.wait_for_timeout(600)
    assert page.evaluate("document.querySelector('.leaflet-map-pane').style.transform") != before \
        or page.evaluate("document.querySelector('.leaflet-proxy').style.transform") != ""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"planner-split-{locale}.png"))
    assert page.locator("#workflow button[data-action='submit']").count() == 1
    assert not external, external
    assert not errors, errors
    page.close()
