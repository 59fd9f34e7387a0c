"""Places in words: a worker finds a building by address anywhere in their community (and not
beyond it), and the phone names the place where a report is made — the building at whose door
the worker stands, else the street."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import text


@pytest.fixture(scope="module")
def community(app, users):
    """Addresses of the worker's community outside their own grid, and one in another community."""
    from app import db
    with app.app_context():
        session = db.session()
        mine = session.execute(text("""
            SELECT g.id, g.community_id FROM app_user u
            JOIN worker_assignment a ON a.worker_id = u.worker_id AND a.valid_to IS NULL
            JOIN grid g ON g.id = a.grid_id WHERE u.username = :name"""), {"name": users["worker"]["username"]}).one()
        neighbour = session.execute(text("""
            SELECT b.address, g.code FROM building b JOIN grid g ON g.id = b.grid_id AND g.valid_to IS NULL
            WHERE g.community_id = :community AND g.id <> :grid AND b.address IS NOT NULL
            ORDER BY b.id LIMIT 1"""), {"community": mine[1], "grid": mine[0]}).one()
        far = session.execute(text("""
            SELECT b.address FROM building b JOIN grid g ON g.id = b.grid_id AND g.valid_to IS NULL
            WHERE g.community_id <> :community AND b.address IS NOT NULL
              AND b.address NOT IN (SELECT address FROM building x JOIN grid h ON h.id = x.grid_id
                                    WHERE h.community_id = :community AND x.address IS NOT NULL)
            ORDER BY b.id LIMIT 1"""), {"community": mine[1]}).scalar_one()
        door = session.execute(text("""
            SELECT ST_X(c), ST_Y(c), address FROM (
                SELECT ST_PointOnSurface(geom) AS c, address FROM building WHERE address IS NOT NULL
                ORDER BY id LIMIT 1) s""")).one()
    return {"neighbour": neighbour, "far": far, "door": door}


def test_a_worker_finds_a_neighbours_building_in_the_community_by_its_address(client, auth, community):
    address, grid = community["neighbour"]
    found = client.get(f"/api/v1/places?q={address.lower()}", headers=auth("worker")).get_json()
    hit = next(f for f in found["features"] if f["properties"]["address"] == address)
    assert hit["properties"]["grid"] == grid and hit["properties"]["grid_name"]["zh"]
    assert hit["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_spaces_do_not_matter_and_streets_are_found_by_name(client, auth, community):
    address, _ = community["neighbour"]
    squeezed = "".join(address.split()).upper()
    found = client.get(f"/api/v1/places?q={squeezed}", headers=auth("worker")).get_json()
    assert address in [f["properties"].get("address") for f in found["features"]]
    street = re.match(r"(\D+?)\s*\d", address).group(1)        # "Snellmaninkatu 12" → "Snellmaninkatu"
    found = client.get(f"/api/v1/places?q={street}", headers=auth("worker")).get_json()
    first = found["features"][0]
    assert first["properties"]["kind"] == "street" and street.lower() in first["properties"]["name"].lower()
    assert first["geometry"]["type"] in ("LineString", "MultiLineString")


def test_a_workers_search_stops_at_the_community(client, auth, community):
    worker = client.get(f"/api/v1/places?q={community['far']}", headers=auth("worker")).get_json()
    operator = client.get(f"/api/v1/places?q={community['far']}", headers=auth("operator")).get_json()
    assert worker["features"] == [] and operator["features"]


def test_wildcards_in_the_words_are_words(client, auth):
    assert client.get("/api/v1/places?q=%25", headers=auth("operator")).get_json()["features"] == []
    assert client.get("/api/v1/places?q=_", headers=auth("operator")).get_json()["features"] == []


def test_the_place_of_a_report_is_named_by_the_building_at_its_door(client, auth, community):
    lon, lat, address = community["door"]
    named = client.get(f"/api/v1/places/nearest?lon={lon}&lat={lat}", headers=auth("worker")).get_json()
    assert named["building"]["properties"]["address"] == address and named["distance_m"] == 0


def test_far_from_anything_a_place_has_no_name(client, auth):
    assert client.get("/api/v1/places/nearest?lon=0&lat=0", headers=auth("worker")).get_json() == {}


@pytest.mark.parametrize("query", ["lon=abc&lat=60", "lon=200&lat=60", "lon=24.9", "lon=nan&lat=60"])
def test_a_bad_coordinate_is_refused_by_name(client, auth, query):
    response = client.get(f"/api/v1/places/nearest?{query}", headers=auth("worker"))
    assert response.status_code == 400
    assert response.get_json()["parameter"] in ("lon", "lat")


def test_places_need_a_signed_in_user(client):
    assert client.get("/api/v1/places?q=a").status_code == 401


def test_a_worker_sees_the_roads_of_the_whole_city_but_only_their_grids_buildings(client, auth):
    """Roads are the ground a worker walks to a task beyond the grid; buildings carry households."""
    worker = lambda c: client.get(f"/ogcapi/collections/{c}/items?limit=10000", headers=auth("worker")).get_json()
    operator = lambda c: client.get(f"/ogcapi/collections/{c}/items?limit=10000", headers=auth("operator")).get_json()
    assert worker("roads")["numberMatched"] == operator("roads")["numberMatched"]
    assert 0 < worker("buildings")["numberMatched"] < operator("buildings")["numberMatched"]
