"""Positions from the field: batches stored once each, every kind of bad fix refused or
flagged with its count, GPX uploads — against PostGIS on the Helsinki demo data."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from app.geo.distance import haversine_m

NOW = datetime.now(timezone.utc).replace(microsecond=0)
M_LAT = 1 / 111_320      # one metre north, in degrees


@pytest.fixture(scope="module")
def start(app):
    """A point inside the worker's own grid: where a patrol begins."""
    from app import db
    with app.app_context():
        row = db.session().execute(text("""
            SELECT ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)) FROM grid g
            WHERE g.valid_to IS NULL ORDER BY g.code LIMIT 1""")).one()
    return row[0], row[1]


def walk(start, n, first: datetime, every_s=10, step_m=12.0, **extra):
    """A worker pacing up and down a 120 m street: a fix every `every_s` seconds."""
    lon, lat = start
    pace = lambda i: min(i % 20, 20 - i % 20)     # noqa: E731  (0 … 10 … 0 steps)
    return [{"time": (first + timedelta(seconds=i * every_s)).isoformat(), "lon": lon,
             "lat": lat + pace(i) * step_m * M_LAT, "accuracy": 8, **extra} for i in range(n)]


def send(client, auth, fixes, role="worker", **body):
    return client.post("/api/v1/positions", headers=auth(role), json={"fixes": fixes, **body})


def stored_fixes(session, since, hours=1):
    """The worker's fixes in the hour from `since`: other tests patrol other hours and days."""
    return session.execute(text("""
        SELECT p.fixed_at, p.flag FROM position p JOIN app_user u ON u.worker_id = p.worker_id
        WHERE u.username = 't_worker' AND p.fixed_at >= :since AND p.fixed_at < :until
        ORDER BY p.fixed_at"""),
        {"since": since, "until": since + timedelta(hours=hours)}).all()


def test_a_batch_is_stored_and_sending_it_again_stores_nothing_twice(client, auth, session, start):
    first = NOW - timedelta(hours=3)
    fixes = walk(start, 100, first)
    answer = send(client, auth, fixes)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["stored"] == 100 and answer.get_json()["received"] == 100
    again = send(client, auth, fixes).get_json()
    assert again["stored"] == 0 and again["duplicates"] == 100
    assert len(stored_fixes(session, since=first)) == 100


def test_each_kind_of_bad_fix_is_refused_with_its_count(client, auth, start):
    first = NOW - timedelta(hours=2)
    lon, lat = start
    good = walk(start, 3, first)
    bad = [
        {"time": (first + timedelta(minutes=1)).isoformat(), "lon": 0.0, "lat": 0.0},               # outside
        {"time": (NOW + timedelta(hours=1)).isoformat(), "lon": lon, "lat": lat},                     # future
        {"time": (NOW - timedelta(days=90)).isoformat(), "lon": lon, "lat": lat},                     # too old
        {"time": (first + timedelta(minutes=2)).isoformat(), "lon": lon, "lat": lat, "accuracy": 500},  # inaccurate
        {"time": "yesterday", "lon": lon, "lat": lat}, {"lon": lon}, "not a fix",                     # malformed
    ]
    answer = send(client, auth, good + bad).get_json()
    assert answer["received"] == 10 and answer["stored"] == 3
    assert answer["rejected"] == {"malformed": 3, "outside_city": 1, "future": 1, "too_old": 1, "inaccurate": 1}


def test_a_gps_jump_is_kept_but_flagged_and_only_the_jump(client, auth, session, start):
    first = NOW - timedelta(minutes=90)
    fixes = walk(start, 6, first)
    fixes[3]["lat"] += 350 * M_LAT                # 350 m away for ten seconds: 35 m/s
    answer = send(client, auth, fixes).get_json()
    assert answer["stored"] == 6 and answer["flagged"] == {"impossible_speed": 1}
    flags = [flag for _, flag in stored_fixes(session, since=first)][:6]
    assert flags == [None, None, None, "impossible_speed", None, None]


def test_the_speed_check_starts_from_the_last_good_fix_already_stored(client, auth, start):
    first = NOW - timedelta(minutes=60)
    send(client, auth, walk(start, 2, first))
    lon, lat = start
    far = {"time": (first + timedelta(seconds=20)).isoformat(), "lon": lon, "lat": lat + 400 * M_LAT,
           "accuracy": 5}            # 400 m in the 10 s since the last stored fix
    assert haversine_m(lon, lat + 12 * M_LAT, lon, lat + 400 * M_LAT) / 10 > 30
    assert send(client, auth, [far]).get_json()["flagged"] == {"impossible_speed": 1}


def test_a_gpx_day_is_read_track_point_by_track_point(client, auth, session, start):
    first = NOW - timedelta(minutes=40)
    points = "".join(f'<trkpt lat="{f["lat"]}" lon="{f["lon"]}"><time>{f["time"]}</time></trkpt>'
                     for f in walk(start, 20, first))
    gpx = ('<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'
           f"<trk><trkseg>{points}</trkseg></trk></gpx>")
    answer = client.post("/api/v1/positions/gpx", headers={**auth("worker"), "Content-Type": "application/gpx+xml"},
                         data=gpx)
    assert answer.status_code == 200 and answer.get_json()["stored"] == 20
    broken = client.post("/api/v1/positions/gpx", headers=auth("worker"), data="<gpx><trk>")
    assert broken.status_code == 422 and "GPX" in broken.get_json()["description"]


def test_fixes_of_a_new_month_get_their_partition(client, auth, session, start):
    first = (NOW.replace(day=1, hour=12) - timedelta(days=3)).replace(minute=0, second=0)
    assert send(client, auth, walk(start, 2, first)).get_json()["stored"] == 2
    month = first.strftime("position_%Y_%m")
    assert session.execute(text("SELECT to_regclass(:m) IS NOT NULL"), {"m": month}).scalar_one()
    assert session.execute(text(f"SELECT count(*) FROM {month}")).scalar_one() >= 2


def test_fixes_already_in_the_default_partition_move_into_their_months_new_one(session, start):
    """Fixes written by SQL before their month had a partition sit in the default one, and
    PostgreSQL will not make a partition over them: making it moves them in."""
    partition_of = text("SELECT p.tableoid::regclass::text FROM position p JOIN app_user u "
                        "ON u.worker_id = p.worker_id WHERE u.username = 't_worker' AND p.fixed_at = :at")
    at = datetime(2019, 5, 10, 8, tzinfo=timezone.utc)
    session.execute(text("""
        INSERT INTO position (worker_id, fixed_at, accuracy_m, geom)
        SELECT worker_id, :at, 5, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)
        FROM app_user WHERE username = 't_worker'"""), {"at": at, "lon": start[0], "lat": start[1]})
    try:
        assert session.execute(partition_of, {"at": at}).scalar_one() == "position_default"
        made = session.execute(text("SELECT gridmap_ensure_position_partition(:at)"),
                               {"at": at + timedelta(days=9)}).scalar_one()
        assert made == "position_2019_05"
        assert session.execute(partition_of, {"at": at}).scalar_one() == "position_2019_05"
        assert session.execute(text("SELECT count(*) FROM position_default WHERE fixed_at >= '2019-05-01' "
                                    "AND fixed_at < '2019-06-01'")).scalar_one() == 0
    finally:
        session.rollback()          # the partition too: DDL is transactional


def test_an_integration_names_the_worker_and_a_worker_sends_only_their_own(client, auth, session, start):
    fixes = walk(start, 2, NOW - timedelta(minutes=30))
    unnamed = send(client, auth, fixes, role="admin")
    assert unnamed.status_code == 422 and "worker" in unnamed.get_json()["description"]
    code = session.execute(text("SELECT w.code FROM worker w JOIN app_user u ON u.worker_id = w.id "
                                "WHERE u.username = 't_worker'")).scalar_one()
    named = send(client, auth, fixes, role="admin", worker=code)
    assert named.status_code == 200 and named.get_json()["stored"] == 2
    # the worker's own upload of the same fixes stores nothing new: they are the same fixes
    assert send(client, auth, fixes, worker="someone else").get_json()["duplicates"] == 2


def test_an_empty_or_oversized_batch_is_refused_with_a_reason(client, auth, start):
    assert send(client, auth, []).status_code == 422
    assert client.post("/api/v1/positions", headers=auth("worker"), json={"fixes": "x"}).status_code == 400
    huge = walk(start, 5001, NOW - timedelta(hours=5), every_s=1, step_m=1)
    answer = client.post("/api/v1/positions", headers={**auth("worker"), "Accept-Language": "en"},
                         json={"fixes": huge})
    assert answer.status_code == 413 and "5,000" in answer.get_json()["description"]


# -- a worker's day ------------------------------------------------------------------------

def test_a_day_splits_where_the_phone_fell_silent_and_finds_where_the_worker_stayed(client, auth, start):
    import numpy as np

    from app.geo import tracks
    lon0, lat0 = start
    # 09:00–09:10 walking, 09:10–09:25 standing still, 09:25–09:30 walking; silent 09:30–10:00;
    # 10:00–10:05 walking again
    t = np.concatenate([np.arange(0, 600, 10), np.arange(600, 1500, 30), np.arange(1500, 1800, 10),
                        np.arange(3600, 3900, 10)]).astype(float)
    lat = np.concatenate([lat0 + np.arange(60) * 12 * M_LAT, np.full(30, lat0 + 720 * M_LAT),
                          lat0 + 720 * M_LAT - np.arange(30) * 12 * M_LAT, lat0 + np.arange(30) * 12 * M_LAT])
    lon = np.full(len(t), lon0)
    ranges = tracks.pieces(t, gap_s=300)
    assert len(ranges) == 2 and ranges[1][0] == 120            # split at the half hour of silence
    found = tracks.stops(t, lon, lat, radius_m=25, min_s=300)
    assert len(found) == 1 and 900 <= found[0].seconds <= 1000  # the quarter hour, with the steps within 25 m
    walked = tracks.distance_m(lon, lat, ranges)
    assert abs(walked - (59 * 12 + 12 + 29 * 12 + 29 * 12)) < 15      # the silence is not walked
    assert len(tracks.lines(lon, lat, ranges)) == 2


def test_the_days_route_comes_back_as_geojson_and_a_worker_sees_only_their_own(client, auth, session, start):
    day = (NOW - timedelta(days=2)).date()
    first = datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=9)
    send(client, auth, walk(start, 40, first))
    code = _my_code(session)
    route = client.get(f"/api/v1/workers/{code}/track?date={day}", headers=auth("worker"))
    assert route.status_code == 200
    body = route.get_json()
    assert body["properties"]["fixes"] >= 40 and body["properties"]["distance_m"] > 400
    assert any(f["properties"]["kind"] == "route" for f in body["features"])
    other = client.get("/api/v1/workers/NOBODY/track", headers=auth("worker"))
    assert other.status_code == 404
    assert client.get(f"/api/v1/workers/{code}/track?date=soon",
                      headers=auth("operator")).status_code == 400


def _my_code(session):
    return session.execute(text("SELECT w.code FROM worker w JOIN app_user u ON u.worker_id = w.id "
                                     "WHERE u.username = 't_worker'")).scalar_one()


def test_retention_keeps_each_day_then_drops_the_old_month(app, session, start):
    from app.config import PositionRules
    from app.services.field import tracks as day_tracks
    worker = session.execute(text("SELECT worker_id FROM app_user WHERE username = 't_worker'")).scalar_one()
    old = datetime(2020, 3, 10, 9, 0, tzinfo=timezone.utc)
    session.execute(text("SELECT gridmap_ensure_position_partition(:at)"), {"at": old})
    lon, lat = start
    session.execute(text("""
        INSERT INTO position (worker_id, fixed_at, geom)
        SELECT :w, :at + n * interval '10 seconds', ST_SetSRID(ST_MakePoint(:lon, :lat + n * 0.0001), 4326)
        FROM generate_series(0, 29) n"""), {"w": worker, "at": old, "lon": lon, "lat": lat})
    session.commit()
    dropped = day_tracks.retain(session, PositionRules(retention_months=6), "Asia/Shanghai",
                                datetime.now(timezone.utc))
    assert "position_2020_03" in dropped
    assert session.execute(text("SELECT to_regclass('position_2020_03')")).scalar_one() is None
    kept = day_tracks.of_day(session, worker, old.date(), "Asia/Shanghai", PositionRules())
    assert kept.fixes == 30 and kept.distance_m > 300 and kept.lines


# -- positions and routes as layers (OGC API – Features, vector tiles) -----------------------

def _other_worker(session):
    """A worker who is not t_worker, with a fix of theirs standing in t_worker's own grid."""
    return session.execute(text("""
        SELECT w.id, w.code FROM worker w WHERE w.id <> (SELECT worker_id FROM app_user
                                                         WHERE username = 't_worker')
        ORDER BY w.id LIMIT 1""")).one()


def test_fixes_are_a_layer_a_worker_reads_only_their_own_of(client, auth, session, start):
    first = (NOW - timedelta(days=6)).replace(hour=2, minute=0, second=0)
    fixes = walk(start, 30, first)
    fixes[15] = {**fixes[15], "lat": start[1] + 0.005}       # half a kilometre in ten seconds
    assert send(client, auth, fixes).get_json()["stored"] == 30
    other_id, other_code = _other_worker(session)
    session.execute(text("""
        INSERT INTO position (worker_id, fixed_at, geom)
        VALUES (:w, :at, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"""),
        {"w": other_id, "at": first + timedelta(seconds=5), "lon": start[0], "lat": start[1]})
    session.commit()
    code = _my_code(session)
    window = f"datetime={first.isoformat().replace('+00:00', 'Z')}/{(first + timedelta(minutes=10)).isoformat().replace('+00:00', 'Z')}"

    as_operator = client.get(f"/ogcapi/collections/positions/items?{window}&limit=100",
                             headers=auth("operator")).get_json()
    workers = {f["properties"]["worker"] for f in as_operator["features"]}
    assert {code, other_code} <= workers and as_operator["numberMatched"] == 31
    mine = client.get(f"/ogcapi/collections/positions/items?{window}&worker={code}",
                      headers=auth("operator")).get_json()["features"]
    assert len(mine) == 30 and [f["properties"]["flag"] for f in mine].count("impossible_speed") == 1
    jumps = client.get(f"/ogcapi/collections/positions/items?{window}&flag=impossible_speed",
                       headers=auth("operator")).get_json()["features"]
    assert [f["properties"]["worker"] for f in jumps] == [code]

    # a worker holding tracks:read:own sees their own fixes, not a colleague's beside them
    as_worker = client.get(f"/ogcapi/collections/positions/items?{window}", headers=auth("worker")).get_json()
    assert {f["properties"]["worker"] for f in as_worker["features"]} == {code}
    assert as_worker["numberMatched"] == 30

    # a fix is found again by its id, and a colleague's fix is not there for the worker
    one = mine[0]
    again = client.get(f"/ogcapi/collections/positions/items/{one['id']}", headers=auth("operator"))
    assert again.status_code == 200 and again.get_json()["properties"]["fixed_at"] == one["properties"]["fixed_at"]
    theirs = next(f for f in as_operator["features"] if f["properties"]["worker"] == other_code)
    assert client.get(f"/ogcapi/collections/positions/items/{theirs['id']}",
                      headers=auth("worker")).status_code == 404
    for nonsense in ("abc", "1-2-3", "99999999999-1", "1-99999999999999999"):
        assert client.get(f"/ogcapi/collections/positions/items/{nonsense}",
                          headers=auth("operator")).status_code == 404
    assert client.get("/ogcapi/collections/positions/items", headers=auth("viewer")).status_code == 403


def test_each_finished_day_is_kept_as_a_route_in_the_tracks_layer(app, client, auth, session, start, runner):
    from app.services.live import ticker
    day = (NOW - timedelta(days=8)).date()
    first = datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=3)
    send(client, auth, walk(start, 40, first))
    code, worker = _my_code(session), session.execute(text(
        "SELECT worker_id FROM app_user WHERE username = 't_worker'")).scalar_one()
    session.execute(text("DELETE FROM track_day WHERE day = :day"), {"day": day})
    session.commit()
    query = f"/ogcapi/collections/tracks/items?worker={code}&day={day}"
    assert client.get(query, headers=auth("operator")).get_json()["numberMatched"] == 0

    settings = app.config["GRIDMAP"]
    new_session = lambda: app.extensions["gridmap.db"].new_session()      # noqa: E731
    assert ticker.keep_routes(new_session, day, settings.timezone, settings.positions) >= 1
    assert ticker.keep_routes(new_session, day, settings.timezone, settings.positions) == 0   # once
    route = client.get(query, headers=auth("operator")).get_json()["features"]
    assert len(route) == 1 and route[0]["geometry"]["type"] == "MultiLineString"
    assert route[0]["properties"]["fixes"] == 40 and route[0]["properties"]["distance_m"] > 400
    assert client.get(f"/ogcapi/collections/tracks/items/{route[0]['id']}",
                      headers=auth("worker")).status_code == 200

    # the phone was offline: an hour of that day arrives late, and the kept route grows
    send(client, auth, walk(start, 20, first + timedelta(hours=1)))
    grown = client.get(query, headers=auth("operator")).get_json()["features"][0]["properties"]
    assert grown["fixes"] == 60

    # cron's way: the same keeping, refused for a day that is not over
    session.execute(text("DELETE FROM track_day WHERE day = :day"), {"day": day})
    session.commit()
    result = runner.invoke(args=["positions", "keep", "--day", str(day)])
    assert result.exit_code == 0 and "kept" in result.output
    assert client.get(query, headers=auth("operator")).get_json()["numberMatched"] == 1
    future = runner.invoke(args=["positions", "keep", "--day", str((NOW + timedelta(days=2)).date())])
    assert future.exit_code != 0 and "not over" in future.output


def test_fixes_come_as_vector_tiles_with_their_id_as_a_property(client, auth, start):
    import math
    lon, lat = start
    z = 16
    x = int((lon + 180) / 360 * 2 ** z)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2 ** z)
    tile = client.get(f"/tiles/positions/{z}/{x}/{y}.mvt", headers=auth("operator"))
    assert tile.status_code == 200 and len(tile.data) > 0
    assert b"fixed_at" in tile.data and b"worker" in tile.data
