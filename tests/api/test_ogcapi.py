"""Layers as GeoJSON from PostGIS (the first part of the OGC API – Features)."""
import pytest


def test_grid_items_are_geojson_with_bilingual_names(client, auth):
    response = client.get("/ogcapi/collections/grids/items?limit=5", headers=auth("viewer"))
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection" and body["numberReturned"] == 5
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert {"code", "name_zh", "name_en", "households", "community"} <= feature["properties"].keys()


def test_bbox_limits_the_features_to_those_it_touches(client, auth):
    everything = client.get("/ogcapi/collections/buildings/items?limit=10000", headers=auth("viewer")).get_json()
    corner = client.get("/ogcapi/collections/buildings/items?limit=10000"
                        "&bbox=24.93,60.16,24.94,60.165", headers=auth("viewer")).get_json()
    assert 0 < corner["numberReturned"] < everything["numberReturned"]


@pytest.mark.parametrize("query, message", [
    ("bbox=1,2,3", "four numbers"),
    ("bbox=a,b,c,d", "not a number"),
    ("bbox=10,10,0,0", "must not exceed"),
    ("limit=0", "between 1 and"),
    ("limit=ten", "whole number"),
])
def test_bad_parameters_get_a_400_that_says_what_is_wrong(client, auth, query, message):
    response = client.get(f"/ogcapi/collections/grids/items?{query}",
                          headers={**auth("viewer"), "Accept-Language": "en"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == "InvalidParameterValue" and message in body["description"]


def test_a_limit_above_the_maximum_is_served_at_the_maximum(client, auth):
    """OGC API – Features Part 1, /req/core/fc-limit-response-1: the server may cap a limit; it
    does not refuse one."""
    capped = client.get("/ogcapi/collections/buildings/items?limit=10001", headers=auth("viewer"))
    most = client.get("/ogcapi/collections/buildings/items?limit=10000", headers=auth("viewer"))
    assert capped.status_code == 200
    assert capped.get_json()["numberReturned"] == most.get_json()["numberReturned"]


def test_an_unknown_collection_is_a_404_that_lists_the_real_ones(client, auth):
    response = client.get("/ogcapi/collections/parks/items", headers=auth("viewer"))
    assert response.status_code == 404
    assert "grids" in response.get_json()["description"]
