"""A dispatcher of one community works within it: they read the routes of its workers only,
assign only to its workers and grids, move a case to a grid that does not hold its place only
as a noted transfer, and see links only to cases they may open."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from app import db
from app.services.accounts import accounts
from tests.conftest import PASSWORD


@pytest.fixture(scope="module")
def two_communities(app):
    """Community A with an operator scoped to it; for A and B, a grid, its point and worker."""
    with app.app_context():
        session = db.session()
        rows = session.execute(text("""
            SELECT DISTINCT ON (c.code) c.code, g.code, w.id, w.code,
                   ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))
            FROM area c JOIN grid g ON g.community_id = c.id AND g.valid_to IS NULL
            JOIN worker_assignment a ON a.grid_id = g.id AND a.valid_to IS NULL
            JOIN worker w ON w.id = a.worker_id AND w.role = 'full_time'
            WHERE c.level = 'community' ORDER BY c.code, g.code LIMIT 2""")).all()
        (a, b) = [dict(community=r[0], grid=r[1], worker_id=r[2], worker=r[3], point=[r[4], r[5]])
                  for r in rows]
        tokens = []
        for name, place in (("operator_of_a", a), ("operator_of_b", b)):
            user = accounts.create_user(session, name, PASSWORD, "operator", scope_area_code=place["community"])
            tokens.append(accounts.create_token(session, user, "tests")[1])
            place["headers"] = {"Authorization": f"Bearer {tokens[-1]}"}
        session.commit()
    return a, b, a["headers"]


def report(client, auth, point, category="road_damage"):
    made = client.post("/api/v1/incidents", headers=auth("operator"),
                       json={"category": category, "point": point, "description": "scope test"})
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def step(client, headers, incident, **body):
    return client.post(f"/api/v1/incidents/{incident['id']}/events", headers=headers, json=body)


def test_a_community_operator_reads_the_routes_of_its_workers_only(client, two_communities):
    a, b, headers = two_communities
    assert client.get(f"/api/v1/workers/{a['worker']}/track", headers=headers).status_code == 200
    other = client.get(f"/api/v1/workers/{b['worker']}/track", headers=headers)
    missing = client.get("/api/v1/workers/NOBODY/track", headers=headers)
    assert other.status_code == missing.status_code == 404


def test_a_community_operator_assigns_only_to_its_own_workers_and_grids(client, auth, two_communities):
    a, b, headers = two_communities
    incident = report(client, auth, a["point"])
    outside_worker = step(client, headers, incident, action="assign", worker_id=b["worker_id"], note="try")
    assert outside_worker.status_code == 422 and "worker_id" in outside_worker.get_json()["errors"]
    outside_grid = step(client, headers, incident, action="assign", grid=b["grid"], note="try")
    assert outside_grid.status_code == 422 and "grid" in outside_grid.get_json()["errors"]
    inside = step(client, headers, incident, action="assign", worker_id=a["worker_id"], note="nearest")
    assert inside.status_code == 200, inside.get_json()


def test_a_grid_that_does_not_hold_the_place_takes_the_case_only_as_a_noted_transfer(client, auth, two_communities):
    a, b, _ = two_communities
    incident = report(client, auth, a["point"])
    community = incident["properties"]["community"]["code"]
    refused = step(client, auth("operator"), incident, action="assign", grid=b["grid"], note="move")
    assert refused.status_code == 422 and "transfer" in refused.get_json()["errors"]["grid"]
    unchanged = client.get(f"/api/v1/incidents/{incident['id']}", headers=auth("operator")).get_json()
    assert unchanged["properties"]["community"]["code"] == community
    moved = step(client, auth("operator"), incident, action="assign", grid=b["grid"], transfer=True,
                 note="the owner of the wall is in B")
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["properties"]["community"]["code"] == b["community"]
    history = client.get(f"/api/v1/incidents/{incident['id']}", headers=auth("operator")).get_json()
    assert history["properties"]["history"][-1]["data"]["transfer"] is True


def test_links_name_only_cases_the_reader_may_open(app, client, auth, two_communities):
    a, b, headers = two_communities
    mine, theirs = report(client, auth, a["point"], "greenery"), report(client, auth, b["point"], "greenery")
    with app.app_context():         # as if the report in A had found B's case within its radius
        session = db.session()
        session.execute(text("UPDATE incident SET duplicate_of_id = :b WHERE id = :a"),
                        {"a": mine["id"], "b": theirs["id"]})
        session.commit()
    everyone = client.get(f"/api/v1/incidents/{mine['id']}", headers=auth("operator")).get_json()
    assert everyone["properties"]["possible_duplicate_of"] == theirs["properties"]["code"]
    scoped = client.get(f"/api/v1/incidents/{mine['id']}", headers=headers).get_json()
    assert scoped["properties"]["possible_duplicate_of"] is None
    listed = client.get(f"/api/v1/incidents?code={mine['properties']['code']}", headers=headers).get_json()
    assert listed["features"][0]["properties"]["possible_duplicate_of"] is None
    assert theirs["properties"]["code"] not in str(listed)
    # from B's side: everyone sees A's report listed as a possible duplicate; B's operator does not
    for reader, listed_there in ((auth("operator"), True), (b["headers"], False)):
        other = client.get(f"/api/v1/incidents/{theirs['id']}", headers=reader).get_json()
        codes = {d["code"] for d in other["properties"]["possible_duplicates"]}
        assert (mine["properties"]["code"] in codes) is listed_there
