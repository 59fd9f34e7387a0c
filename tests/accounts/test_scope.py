"""A user sees only what lies in their scope — filtered in SQL, on lists and by id alike, and
an out-of-scope id answers exactly like a missing one."""
import pytest
from sqlalchemy import text

from app import db
from app.services.accounts import accounts
from tests.conftest import PASSWORD


@pytest.fixture(scope="module")
def community_viewer(app):
    """A viewer whose scope is the first community, with a token."""
    with app.app_context():
        session = db.session()
        code = session.execute(text("SELECT code FROM area WHERE level = 'community' ORDER BY code LIMIT 1")).scalar_one()
        user = accounts.create_user(session, "scoped_viewer", PASSWORD, "viewer", scope_area_code=code)
        _, token = accounts.create_token(session, user, "tests")
        session.commit()
    return code, {"Authorization": f"Bearer {token}"}


def ids(response):
    assert response.status_code == 200, response.data[:200]
    return {f["id"] for f in response.get_json()["features"]}


def test_a_community_viewer_lists_only_that_communitys_grids_and_buildings(client, session, community_viewer):
    code, headers = community_viewer
    expected_grids = set(session.execute(text("""
        SELECT g.id FROM grid g JOIN area c ON c.id = g.community_id
        WHERE c.code = :code AND g.valid_to IS NULL"""), {"code": code}).scalars())
    assert ids(client.get("/ogcapi/collections/grids/items?limit=10000", headers=headers)) == expected_grids
    expected_buildings = set(session.execute(text("""
        SELECT b.id FROM building b JOIN grid g ON g.id = b.grid_id JOIN area c ON c.id = g.community_id
        WHERE c.code = :code"""), {"code": code}).scalars())
    got = ids(client.get("/ogcapi/collections/buildings/items?limit=10000", headers=headers))
    assert got == expected_buildings
    assert len(got) < session.execute(text("SELECT count(*) FROM building")).scalar_one()


def test_out_of_scope_by_id_is_a_404_like_a_missing_feature(client, session, community_viewer):
    code, headers = community_viewer
    outside = session.execute(text("""
        SELECT g.id FROM grid g JOIN area c ON c.id = g.community_id
        WHERE c.code <> :code AND g.valid_to IS NULL LIMIT 1"""), {"code": code}).scalar_one()
    inside = session.execute(text("""
        SELECT g.id FROM grid g JOIN area c ON c.id = g.community_id
        WHERE c.code = :code LIMIT 1"""), {"code": code}).scalar_one()
    assert client.get(f"/ogcapi/collections/grids/items/{inside}", headers=headers).status_code == 200
    hidden = client.get(f"/ogcapi/collections/grids/items/{outside}", headers=headers)
    missing = client.get("/ogcapi/collections/grids/items/987654321", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json()["description"].replace(str(outside), "N") == \
        missing.get_json()["description"].replace("987654321", "N")


def test_a_worker_sees_their_grid_and_its_neighbours_outlines_but_only_their_own_buildings(
        client, session, users, auth):
    own = session.execute(text("""
        SELECT g.id FROM grid g JOIN worker_assignment a ON a.grid_id = g.id
        JOIN app_user u ON u.worker_id = a.worker_id WHERE u.username = 't_worker'""")).scalar_one()
    neighbours = set(session.execute(text("""
        SELECT n.id FROM grid g JOIN grid n ON ST_Intersects(n.geom, g.geom)
        WHERE g.id = :own AND n.valid_to IS NULL"""), {"own": own}).scalars())
    grids = ids(client.get("/ogcapi/collections/grids/items?limit=10000", headers=auth("worker")))
    assert own in grids and grids == neighbours and len(grids) > 1
    buildings = ids(client.get("/ogcapi/collections/buildings/items?limit=10000", headers=auth("worker")))
    own_buildings = set(session.execute(text("SELECT id FROM building WHERE grid_id = :own"),
                                        {"own": own}).scalars())
    assert buildings == own_buildings
    elsewhere = session.execute(text("SELECT id FROM building WHERE grid_id <> :own LIMIT 1"),
                                {"own": own}).scalar_one()
    assert client.get(f"/ogcapi/collections/buildings/items/{elsewhere}",
                      headers=auth("worker")).status_code == 404


def test_a_user_with_no_scope_sees_nothing_rather_than_everything(client, app):
    with app.app_context():
        session = db.session()
        user = accounts.create_user(session, "unscoped_planner", PASSWORD, "planner")
        _, token = accounts.create_token(session, user, "tests")
        session.commit()
    response = client.get("/ogcapi/collections/grids/items", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["features"] == []


def test_a_grid_set_scope_sees_exactly_those_grids(client, app, session):
    codes = session.execute(text("SELECT code FROM grid ORDER BY code DESC LIMIT 2")).scalars().all()
    with app.app_context():
        s = db.session()
        user = accounts.create_user(s, "two_grids", PASSWORD, "viewer", scope_grid_codes=codes)
        _, token = accounts.create_token(s, user, "tests")
        s.commit()
    got = client.get("/ogcapi/collections/grids/items", headers={"Authorization": f"Bearer {token}"})
    assert sorted(f["properties"]["code"] for f in got.get_json()["features"]) == sorted(codes)
