"""The planners' edits as geometry (app/geo/plan_edits.py): a split line drawn close to a grid's
edge or past a corner leaves no crumb of a grid and loses no ground; a building cut by a grid
line goes wholly into the grid that holds most of it, the grids still tiling what they did.
In metres on a 200 m square grid at Helsinki, moved to WGS84 as stored.

On the Helsinki test city, through the API: a split or a moved boundary that meets the
community's outline between two of its vertices leaves the grids exactly inside it — the
plan check finds nothing outside, and a plain overlay in metres agrees (< 0.01 m²)."""
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Polygon, box
from shapely.ops import split as split_by
from sqlalchemy import text

from app import db
from app.geo.crs import MetricFrame, frame_for
from app.geo.partition import GRID_SIZE
from app.geo.plan_edits import LEFTOVER_M2, EditRefused, keep_whole, leftover_floor_m2, split
from app.services.city.frame import city_utm

ORIGIN = shapely.Point(24.94, 60.17)
FRAME = frame_for(ORIGIN)
X0, Y0 = FRAME.to_metric(ORIGIN).coords[0]


def wgs84(geom):
    """A shape drawn in metres from the grid's south-west corner, in degrees on the grid."""
    moved = shapely.affinity.translate(geom, X0, Y0)
    return shapely.set_precision(FRAME.to_wgs84(moved), GRID_SIZE)


def m2(geom) -> float:
    return FRAME.to_metric(geom).area


GRID = wgs84(box(0, 0, 200, 200))


def assert_tiles(pieces, whole):
    together = shapely.union_all(pieces)
    assert m2(together.symmetric_difference(whole)) < 0.01                          # no ground lost
    assert sum(m2(p) for p in pieces) == pytest.approx(m2(together), abs=0.01)     # none twice


def test_a_line_that_clips_a_corner_on_its_way_leaves_no_crumb_grid():
    # it cuts 3 m off each edge at the south-west corner (4.5 m²), goes round outside the
    # grid, and crosses it north–south through the middle
    line = wgs84(LineString([(-2, 5), (5, -2), (100, -5), (100, 205)]))
    raw = sorted(m2(p) for p in split_by(GRID, line).geoms)
    assert len(raw) == 3 and raw[0] == pytest.approx(4.5, abs=0.1)           # what it used to make
    cut = split(GRID, line, FRAME)
    assert len(cut.pieces) == 2
    assert [round(a, 1) for a in cut.absorbed_m2] == [4.5]
    assert min(m2(p) for p in cut.pieces) >= leftover_floor_m2(m2(GRID))
    assert_tiles(cut.pieces, GRID)
    # the crumb went to the piece across the line from it: the west half keeps its corner
    west = next(p for p in cut.pieces if p.representative_point().x < wgs84(shapely.Point(100, 0)).x)
    assert west.covers(wgs84(shapely.Point(0.5, 0.5)))


def test_a_line_that_runs_along_an_edge_before_it_turns_leaves_no_strip():
    # a metre in from the south edge for 50 m, then out through it, round, and across
    line = wgs84(LineString([(-5, 1), (50, 1), (52, -1), (100, -5), (100, 205)]))
    assert len(split_by(GRID, line).geoms) == 3
    cut = split(GRID, line, FRAME)
    assert len(cut.pieces) == 2 and len(cut.absorbed_m2) == 1 and cut.absorbed_m2[0] < LEFTOVER_M2 + 10
    assert_tiles(cut.pieces, GRID)


def test_a_line_that_would_cut_off_only_a_crumb_is_refused_and_says_how_little():
    line = wgs84(LineString([(-2, 5), (5, -2)]))
    with pytest.raises(EditRefused) as refused:
        split(GRID, line, FRAME)
    assert "4.5" in refused.value.message_zh and "平方米" in refused.value.message_zh


def test_a_line_across_the_grid_still_makes_its_two_pieces():
    cut = split(GRID, wgs84(LineString([(120, -5), (120, 205)])), FRAME)
    assert sorted(round(m2(p)) for p in cut.pieces) == [16000, 24000] and cut.absorbed_m2 == []


def test_a_cut_building_goes_wholly_into_the_grid_holding_most_of_it():
    west, east = wgs84(box(0, 0, 100, 200)), wgs84(box(100, 0, 200, 200))
    building = wgs84(box(70, 90, 110, 110))                   # 30 m west of the line, 10 m east
    keeper, changed = keep_whole(building, {1: west, 2: east}, FRAME)
    assert keeper == 1 and set(changed) == {1, 2}
    assert m2(building.difference(changed[1])) < 0.01
    assert m2(changed[2].intersection(building)) < 0.01
    assert_tiles(list(changed.values()), shapely.union_all([west, east]))
    with pytest.raises(EditRefused):                          # once whole, there is nothing to do
        keep_whole(building, changed, FRAME)


def test_a_building_over_three_grids_goes_to_the_one_with_most_of_it():
    # the northern grid has the vertex its two neighbours meet at, as a coverage does
    north = Polygon([(0, 100), (100, 100), (200, 100), (200, 200), (0, 200)])
    grids = {1: wgs84(box(0, 0, 100, 100)), 2: wgs84(box(100, 0, 200, 100)), 3: wgs84(north)}
    building = wgs84(Polygon([(80, 80), (130, 80), (130, 105), (80, 105)]))   # most in 2
    keeper, changed = keep_whole(building, grids, FRAME)
    assert keeper == 2 and set(changed) == {1, 2, 3}
    assert m2(building.difference(changed[2])) < 0.01
    assert_tiles(list(changed.values()), shapely.union_all(list(grids.values())))


def test_a_courtyard_the_building_walls_off_goes_with_it_instead_of_staying_a_sliver():
    west, east = wgs84(box(0, 0, 100, 200)), wgs84(box(100, 0, 200, 200))
    # a building round a 10 m courtyard that opens only onto the grid line: 1,100 m² of it west
    building = wgs84(box(70, 80, 130, 120).difference(box(100, 95, 110, 105)))
    keeper, changed = keep_whole(building, {1: west, 2: east}, FRAME)
    assert keeper == 1
    assert changed[2].geom_type == "Polygon"                  # east in one piece, no 100 m² sliver
    assert changed[1].covers(wgs84(shapely.Point(105, 100)))
    assert_tiles(list(changed.values()), shapely.union_all([west, east]))


# -- on the Helsinki test city: a split whose line meets the community's edge -----------------

def edge_split(app, frame, crosses: bool):
    """A grid holding whole an edge of its community's outline, and a line drawn as the page
    sends it (7 decimals) from the middle of that edge — between two of the community's
    vertices — straight into the community across the grid; when `crosses`, from 20 m
    outside. The edge is the one where a vertex added at its middle bows off it most in
    metres (straight in degrees, an edge bows in any projection; most of all a long one
    running east–west)."""
    with app.app_context():
        session = db.session()
        try:
            rows = session.execute(text("""
                SELECT c.code, ST_AsBinary(c.geom), g.code, ST_AsBinary(g.geom)
                FROM grid g JOIN area c ON c.id = g.community_id
                WHERE g.valid_to IS NULL ORDER BY c.code, g.code""")).all()
        finally:
            session.rollback()
    edges = []
    for code, wkb_c, grid_code, wkb_g in rows:
        outline, grid = shapely.from_wkb(bytes(wkb_c)), shapely.from_wkb(bytes(wkb_g))
        outline_m, grid_m = frame.to_metric(outline), frame.to_metric(grid)
        for ring in shapely.get_rings(shapely.get_parts(outline)):
            xy = shapely.get_coordinates(ring)
            for a, b in zip(xy[:-1], xy[1:]):
                edge_m = frame.to_metric(LineString([a, b]))
                bow_m2 = frame.to_metric(Polygon([a, (a + b) / 2, b])).area
                if bow_m2 > 0.05 and grid_m.boundary.intersection(edge_m.buffer(0.01)).length > edge_m.length - 0.1:
                    edges.append((bow_m2, code, grid_code, outline_m, grid_m, frame.to_metric(shapely.Point((a + b) / 2))))
    for _, code, grid_code, outline_m, grid_m, middle in sorted(edges, key=lambda e: -e[0]):
        x, y = middle.x, middle.y
        along = shapely.get_coordinates(outline_m.boundary.intersection(middle.buffer(1)))
        if len(along) < 2:
            continue
        dx, dy = along[-1] - along[0]
        inward = np.array([-dy, dx]) / np.hypot(dx, dy)
        if not outline_m.contains(shapely.Point(x + inward[0], y + inward[1])):
            inward = -inward
        start = (x - 20 * inward[0], y - 20 * inward[1]) if crosses else (x, y)
        line_m = LineString([start, (x + 3000 * inward[0], y + 3000 * inward[1])])
        cut = split_by(grid_m, line_m).geoms
        if len(cut) == 2 and min(p.area for p in cut) > 0.2 * grid_m.area:
            line = frame.to_wgs84(line_m)
            return code, grid_code, [[round(x, 7), round(y, 7)] for x, y in line.coords]
    pytest.skip("no grid holds an edge of its community's outline that bows a twentieth of a m²")


def city_frame(app):
    with app.app_context():
        frame = MetricFrame(city_utm(db.session()))
        db.session().rollback()
    return frame


def plan_of(app, users, community, whole_street):
    """A draft of the community, or of its street (where the grids across its outline are
    the plan's too); its client, headers and features by code."""
    with app.app_context():
        area = db.session().execute(text("""
            SELECT coalesce(s.code, c.code) FROM area c LEFT JOIN area s ON s.id = c.parent_id AND :street
            WHERE c.code = :code"""), {"code": community, "street": whole_street}).scalar_one()
        db.session().rollback()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {users['planner']['token']}"}
    plan = client.post("/api/v1/plans", json={"area": area}, headers=headers).json["id"]
    features = client.get(f"/ogcapi/collections/plan-{plan}/items?limit=1000", headers=headers).json["features"]
    return plan, client, headers, {f["properties"]["code"]: f for f in features}


@pytest.mark.parametrize("whole_street", [False, True], ids=["community-plan", "street-plan"])
@pytest.mark.parametrize("crosses", [False, True], ids=["ends-on-the-edge", "crosses-the-edge"])
def test_a_split_from_between_the_communitys_vertices_keeps_the_grids_exactly_inside_it(
        app, users, crosses, whole_street):
    frame = city_frame(app)
    community, grid_code, line = edge_split(app, frame, crosses)
    plan, client, headers, features = plan_of(app, users, community, whole_street)
    grid = features[grid_code]
    response = client.post(f"/api/v1/plans/{plan}/split", headers=headers, json={
        "feature": grid["id"], "line": {"type": "LineString", "coordinates": line},
        "versions": {grid["id"]: grid["properties"]["version"]}})
    assert response.status_code == 200, response.json
    assert len(response.json["created"]) == 1
    assert_exactly_inside(app, client, headers, plan, community, frame)


def assert_exactly_inside(app, client, headers, plan, community, frame):
    """The plan check finds nothing outside, no gap, overlap or unmatched edge; and a plain
    overlay in metres of the community's grids agrees."""
    problems = client.get(f"/api/v1/plans/{plan}/problems", headers=headers).json
    found = [p["properties"]["message_en"] for p in problems["features"]
             if p["properties"]["kind"] in ("outside", "gap", "overlap", "edge")]
    assert found == [], found
    with app.app_context():
        session = db.session()
        outline, *shapes = [shapely.from_wkb(bytes(g)) for g, in session.execute(text("""
            SELECT ST_AsBinary(geom) FROM (
                SELECT 0 AS n, geom FROM area WHERE code = :community
                UNION ALL SELECT 1, f.geom FROM grid_plan_feature f JOIN area c ON c.id = f.community_id
                WHERE f.plan_id = :plan AND c.code = :community) s ORDER BY n"""),
            {"community": community, "plan": plan})]
        session.rollback()
    outline_m, union_m = frame.to_metric(outline), frame.to_metric(shapely.union_all(shapes))
    assert outline_m.difference(union_m).area < 0.01
    assert union_m.difference(outline_m).area < 0.01


def boundary_move(app, frame):
    """Two grids of the city's first community (in code order) that has them, whose shared
    boundary meets the community's outline at one of its vertices, on an edge 50 m or longer;
    and a new boundary for them: the old one moved 15 m along that edge, so that it meets the
    edge between two of the community's vertices, drawn on 30 m beyond each end (7 decimals,
    as the page sends it)."""
    with app.app_context():
        session = db.session()
        communities = session.execute(text(
            "SELECT code, ST_AsBinary(geom) FROM area WHERE level = 'community' ORDER BY code")).all()
        for code, outline in communities:
            grids = [(c, shapely.from_wkb(bytes(g))) for c, g in session.execute(text("""
                SELECT g.code, ST_AsBinary(g.geom) FROM grid g JOIN area c ON c.id = g.community_id
                WHERE c.code = :code AND g.valid_to IS NULL ORDER BY g.code"""), {"code": code})]
            found = _moved_boundary(code, outline, grids, frame)
            if found:
                session.rollback()
                return found
        session.rollback()
    pytest.skip("no two grids of a community meet its outline on a long edge")


def _moved_boundary(code, outline, grids, frame):
    outline_m = frame.to_metric(shapely.from_wkb(bytes(outline)))
    ring = shapely.get_coordinates(shapely.get_exterior_ring(shapely.get_parts(outline_m)[0]))
    for n, (a_code, a) in enumerate(grids):
        for b_code, b in grids[n + 1:]:
            shared = shapely.line_merge(frame.to_metric(a).intersection(frame.to_metric(b)))
            if shared.geom_type != "LineString" or shared.length < 50:
                continue
            for end in (shared.coords[0], shared.coords[-1]):
                for p, q in zip(ring[:-1], ring[1:]):
                    for at, to in ((p, q), (q, p)):
                        if np.hypot(*(at - np.asarray(end))) > 0.01 or np.hypot(*(to - at)) < 50:
                            continue
                        along = (to - at) / np.hypot(*(to - at)) * 15
                        moved = shapely.affinity.translate(shared, *along)
                        xy = shapely.get_coordinates(moved)
                        first, last = xy[1] - xy[0], xy[-1] - xy[-2]
                        xy = np.vstack([xy[0] - first / np.hypot(*first) * 30, xy,
                                        xy[-1] + last / np.hypot(*last) * 30])
                        line = frame.to_wgs84(LineString(xy))
                        return code, a_code, b_code, [[round(x, 7), round(y, 7)] for x, y in line.coords]
    return None


def test_a_boundary_moved_to_between_the_communitys_vertices_keeps_the_grids_exactly_inside_it(app, users):
    frame = city_frame(app)
    community, a_code, b_code, line = boundary_move(app, frame)
    plan, client, headers, features = plan_of(app, users, community, False)
    a, b = features[a_code], features[b_code]
    response = client.post(f"/api/v1/plans/{plan}/move-boundary", headers=headers, json={
        "features": [a["id"], b["id"]], "line": {"type": "LineString", "coordinates": line},
        "versions": {a["id"]: a["properties"]["version"], b["id"]: b["properties"]["version"]}})
    assert response.status_code == 200, response.json
    assert_exactly_inside(app, client, headers, plan, community, frame)
