"""Open311 GeoReport v2: the shapes the spec gives, for a citizen's app or another city
system — services, posting a request, following it, and the spec's error list."""
from __future__ import annotations

from xml.etree import ElementTree

import pytest
from sqlalchemy import text

REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code",
                  "description", "agency_responsible", "service_notice", "requested_datetime",
                  "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
                  "lat", "long", "media_url"}


@pytest.fixture(scope="module")
def spot(app):
    from app import db
    with app.app_context():
        lon, lat = db.session().execute(text("""
            SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid
            WHERE valid_to IS NULL ORDER BY code DESC LIMIT 1 OFFSET 2""")).one()
    return lon, lat


def test_services_list_our_categories(client):
    services = client.get("/open311/v2/services.json").get_json()
    codes = {s["service_code"] for s in services}
    assert {"environment", "road_damage", "illegal_construction"} <= codes
    assert all(set(s) >= {"service_code", "service_name", "description", "metadata", "type",
                          "keywords", "group"} for s in services)
    assert all(s["metadata"] is False and s["type"] == "realtime" for s in services)
    zh = client.get("/open311/v2/services.json", headers={"Accept-Language": "zh-CN"}).get_json()
    assert "环境卫生" in {s["service_name"] for s in zh}


def test_services_in_xml(client):
    response = client.get("/open311/v2/services.xml")
    assert response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "services" and root.find("service/service_code") is not None


def test_an_anonymous_report_is_accepted_and_waits_in_triage(client, spot, auth):
    lon, lat = spot
    response = client.post("/open311/v2/requests.json", data={
        "service_code": "public_facility", "lat": lat, "long": lon,
        "description": "Broken bench by the bus stop", "email": "resident@example.org"})
    assert response.status_code == 201
    [made] = response.get_json()
    assert set(made) == {"service_request_id", "token", "service_notice", "account_id"}
    code = made["service_request_id"]
    # not public until an operator has looked at it
    assert client.get(f"/open311/v2/requests/{code}.json").status_code == 404
    queue = client.get(f"/api/v1/incidents?triage=true&code={code}", headers=auth("operator")).get_json()
    [incident] = queue["features"]
    assert incident["properties"]["status"] == "reported" and incident["properties"]["assignee"] is None
    dispatched = client.post(f"/api/v1/incidents/{incident['id']}/events", headers=auth("operator"),
                             json={"action": "assign", "level": "grid"})
    assert dispatched.status_code == 200, dispatched.get_json()
    assert dispatched.get_json()["properties"]["assignee"] is not None
    [public] = client.get(f"/open311/v2/requests/{code}.json").get_json()
    assert set(public) == REQUEST_FIELDS
    assert public["status"] == "open" and public["service_code"] == "public_facility"
    # the place to about 100 m, and none of the reporter's words or contact (the public view)
    assert abs(public["lat"] - lat) <= 0.0005 and abs(public["long"] - lon) <= 0.0005
    assert "resident@example.org" not in str(public) and "Broken bench" not in str(public)


def test_a_signed_in_system_report_is_dispatched_directly_and_listed(client, spot, auth):
    lon, lat = spot
    response = client.post("/open311/v2/requests.json", headers=auth("operator"), json={
        "service_code": "greenery", "lat": lat, "long": lon, "description": "Tree down across path"})
    [made] = response.get_json()
    listed = client.get("/open311/v2/requests.json?status=open&service_code=greenery").get_json()
    assert made["service_request_id"] in {r["service_request_id"] for r in listed}
    box = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    inside = client.get(f"/open311/v2/requests.json?bbox={box}").get_json()
    assert made["service_request_id"] in {r["service_request_id"] for r in inside}
    away = client.get("/open311/v2/requests.json?bbox=0,0,0.1,0.1").get_json()
    assert away == []
    closed = client.get("/open311/v2/requests.json?status=closed&service_code=greenery").get_json()
    assert made["service_request_id"] not in {r["service_request_id"] for r in closed}


def test_errors_come_as_the_specs_list(client):
    response = client.post("/open311/v2/requests.json", data={"service_code": "unicorns", "lat": "x"})
    assert response.status_code == 400
    body = response.get_json()
    assert isinstance(body, list) and all(set(e) == {"code", "description"} for e in body)
    described = " ".join(e["description"] for e in body)
    assert "service_code" in described and "lat/long" in described and "description" in described
    bad_date = client.get("/open311/v2/requests.json?start_date=yesterday")
    assert bad_date.status_code == 400 and bad_date.get_json()[0]["code"] == 400
    xml = client.get("/open311/v2/requests/nothing.xml")
    assert xml.status_code == 404 and ElementTree.fromstring(xml.data).tag == "errors"


def test_anonymous_reports_are_rate_limited(database_url, spot):
    from app import create_app
    from tests.conftest import TEST_SETTINGS
    limited = create_app({"DATABASE_URL": database_url, **TEST_SETTINGS, "public_rate": "2/minute"})
    client = limited.test_client()
    lon, lat = spot
    form = {"service_code": "environment", "lat": lat, "long": lon, "description": "litter"}
    codes = [client.post("/open311/v2/requests.json", data=form).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
