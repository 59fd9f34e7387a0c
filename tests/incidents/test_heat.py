"""The wall's heat map: incidents counted in hexagons of the city's UTM grid, checked on a dozen
incidents of Sunday and Monday 15–16 February 2026 (days no other test uses), "now" being that
Monday at 18:00 in Shanghai. Every hexagon's filter, fed to the incident list, lists exactly
the incidents it counts."""
from __future__ import annotations

import json
import math
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import shapely
from sqlalchemy import text

from app.config import IncidentRules
from app.messages import say
from app.services.accounts.scope import Scope
from app.services.city.frame import city_utm
from app.services.incidents import heat, loop as incidents, statistics, views
from app.services.incidents.loop import Participant, Report

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 2, 16, 18, 0, tzinfo=ZONE)
EVERYONE = Scope(everything=True)
TODAY = statistics.period("today", NOW, ZONE)
WEEK = statistics.period("7d", NOW, ZONE)


@pytest.fixture(scope="module")
def mid_february(app):
    """Twelve reports, six in a grid of each of two communities — eight on Monday, four on
    Sunday; six of them road damage — and a thirteenth merged into the first, counted nowhere."""
    from app import db
    with app.app_context():
        session = db.session()
        places = session.execute(text("""
            SELECT DISTINCT ON (a.code) a.id, a.code,
                   (SELECT array_agg(ARRAY[ST_X(p.geom), ST_Y(p.geom)])
                      FROM ST_Dump(ST_GeneratePoints(ST_Buffer(g.geom, -0.0002), 6, 16)) p) AS points
            FROM grid g JOIN area a ON a.id = g.community_id
            WHERE g.valid_to IS NULL ORDER BY a.code DESC, g.code LIMIT 2""")).mappings().all()
        desk = Participant("user:heat", dispatcher=True)
        made = []
        for n, (place, (lon, lat)) in enumerate((p, xy) for p in places for xy in p["points"]):
            when = datetime(2026, 2, 16 if n % 3 else 15, 7 + n // 2, 5 * n, tzinfo=ZONE)
            category = "road_damage" if n % 2 else "greenery"
            made.append(incidents.report(session, Report(category, lon, lat, f"heat fixture {n}", channel="worker"),
                                         desk, IncidentRules(), when).id)
        lon, lat = places[0]["points"][0]
        merged = incidents.report(session, Report("greenery", lon, lat, "heat fixture, again"), desk,
                                  IncidentRules(), datetime(2026, 2, 16, 9, 30, tzinfo=ZONE))
        incidents.act(session, merged.id, "merge", desk, datetime(2026, 2, 16, 9, 40, tzinfo=ZONE), into_id=made[0])
        session.commit()
        return SimpleNamespace(ids=made, merged=merged.id, community_ids=[p["id"] for p in places])


def features(collection_text: str) -> list[dict]:
    collection = json.loads(collection_text)
    assert collection["type"] == "FeatureCollection"
    return collection["features"]


def listing(session, filters, scope=EVERYONE):
    return views.search(session, filters, scope, NOW, limit=1000)


def test_hexagons_count_the_period_s_incidents_and_only_hexagons_with_some_are_sent(session, mid_february):
    week = features(heat.hexagons(session, EVERYONE, WEEK))
    assert sum(f["properties"]["count"] for f in week) == 12
    assert all(f["properties"]["count"] >= 1 for f in week)
    assert [f["properties"]["count"] for f in week] == sorted((f["properties"]["count"] for f in week), reverse=True)
    today = features(heat.hexagons(session, EVERYONE, TODAY))
    assert sum(f["properties"]["count"] for f in today) == 8


def test_a_hexagon_is_named_by_its_size_and_place_and_drawn_in_degrees(session, mid_february):
    [first, *_] = features(heat.hexagons(session, EVERYONE, WEEK))
    p = first["properties"]
    assert p["size"] == heat.DEFAULT_SIZE == 250
    assert first["id"] == f"250,{p['i']},{p['j']}" and p["filter"]["hexagon"] == first["id"]
    ring = first["geometry"]["coordinates"][0]
    assert first["geometry"]["type"] == "Polygon" and len(ring) == 7 and ring[0] == ring[-1]
    assert all(len(repr(v).split(".")[1]) <= 7 for point in ring for v in point)      # the layers' 7 decimals
    # a regular hexagon of 250 m sides: 3√3/2 × 250² square metres in the city's UTM zone
    area = session.execute(text("SELECT ST_Area(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326), :utm))"),
                           {"g": json.dumps(first["geometry"]), "utm": city_utm(session)}).scalar_one()
    assert area == pytest.approx(3 * math.sqrt(3) / 2 * 250 ** 2, rel=1e-3)


@pytest.mark.parametrize("size", [100, 250, 2000])
def test_each_hexagon_s_filter_lists_exactly_the_incidents_inside_it(session, mid_february, size):
    cells = features(heat.hexagons(session, EVERYONE, WEEK, size))
    assert sum(f["properties"]["count"] for f in cells) == 12
    for cell in cells:
        found = listing(session, cell["properties"]["filter"])
        assert found.total == cell["properties"]["count"], cell["id"]
        hexagon = shapely.geometry.shape(cell["geometry"])
        assert all(hexagon.buffer(1e-7).contains(shapely.geometry.shape(f["geometry"])) for f in found.items)
    assert len({c["id"] for c in cells}) == len(cells)


def test_one_category(session, mid_february):
    cells = features(heat.hexagons(session, EVERYONE, WEEK, category="road_damage"))
    assert sum(f["properties"]["count"] for f in cells) == 6
    for cell in cells:
        assert cell["properties"]["filter"]["category"] == "road_damage"
        assert listing(session, cell["properties"]["filter"]).total == cell["properties"]["count"]


def test_a_reader_sees_the_hexagons_of_their_area_only(session, mid_february):
    mine = Scope(area_id=mid_february.community_ids[0])
    cells = features(heat.hexagons(session, mine, WEEK))
    assert sum(f["properties"]["count"] for f in cells) == 6
    for cell in cells:
        assert listing(session, cell["properties"]["filter"], mine).total == cell["properties"]["count"]
    nowhere = statistics.Period("today", datetime(2026, 2, 17, tzinfo=ZONE), datetime(2026, 2, 18, tzinfo=ZONE))
    assert features(heat.hexagons(session, mine, nowhere)) == []


@pytest.mark.parametrize("value, key", [
    ("250,1", "filter.hexagon"), ("250,a,2", "filter.hexagon"), ("250,1.5,2", "filter.hexagon"),
    ("20,1,2", "filter.hexagon_size"), ("6000,1,2", "filter.hexagon_size"), ("nan,1,2", "filter.hexagon_size"),
    ("250,99999999,2", "filter.hexagon"), ("250,2,-99999999", "filter.hexagon")])
def test_the_hexagon_filter_refuses_what_is_not_a_hexagon_of_the_city(session, value, key):
    with pytest.raises(views.BadFilter) as refused:
        listing(session, {"hexagon": value})
    assert (refused.value.name, refused.value.key) == ("hexagon", key)


# -- over HTTP --------------------------------------------------------------------------------------

def test_the_heat_layer_over_http_with_its_etag(client, auth):
    response = client.get("/api/v1/wall/heat?period=30d&size=500", headers=auth("operator"))
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert response.get_json()["type"] == "FeatureCollection"
    assert response.headers["Cache-Control"] == "private, no-cache"
    again = client.get("/api/v1/wall/heat?period=30d&size=500",
                       headers={**auth("operator"), "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    other = client.get("/api/v1/wall/heat?period=30d&size=250", headers=auth("operator"))
    assert other.headers["ETag"] != response.headers["ETag"]


@pytest.mark.parametrize("query, parameter, key, blanks", [
    ("size=50", "size", "param.range", {"name": "size", "low": 100, "high": 2000, "value": 50}),
    ("size=big", "size", "param.whole", {"name": "size", "value": "big"}),
    ("category=nope", "category", "incident.category_unknown", None),
    ("period=year", "period", "param.one_of", {"name": "period", "known": statistics.PERIODS})])
def test_bad_heat_parameters_are_a_400_naming_them_in_chinese(client, auth, query, parameter, key, blanks):
    response = client.get(f"/api/v1/wall/heat?{query}", headers={**auth("operator"), "Accept-Language": "zh"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == parameter
    if blanks is not None:
        assert body["description"] == say(key, "zh", **blanks)
    else:
        assert body["description"].startswith("没有事件类别 nope")


def test_the_incident_list_refuses_a_bad_hexagon_in_the_reader_s_language(client, auth):
    response = client.get("/api/v1/incidents?hexagon=20,1,2", headers={**auth("operator"), "Accept-Language": "zh"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == "hexagon"
    assert body["description"] == say("filter.hexagon_size", "zh", low=50, high=5000, value="20,1,2")
