"""The demo city's grid workers on foot: after two hours of back-filled history and two
minutes of live steps on the demo city (Helsinki, its own database), the workers walk along
the roads, mostly in their grids, go to the incidents they accept, show on the wall and in
playback — and the ones people hold are left to their people."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from app import db
from app.services.accounts import accounts, demo
from app.services.incidents import loop
from app.services.incidents.simulation import DESK, Pace, Simulator
from app.services.incidents.walkers import Roster, Walkers
from tests.conftest import HELSINKI_CITY, PASSWORD, city_app

ZONE = "Asia/Shanghai"
LIVE = timedelta(minutes=2)
STEP_S = 5


@pytest.fixture(scope="module")
def city(make_database):
    url = make_database("walkers")
    db.upgrade(url)
    app = city_app(url, *HELSINKI_CITY)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    live_from = now - LIVE
    with app.app_context():
        session = db.session()
        settings = app.config["GRIDMAP"]
        workers = session.execute(text("""
            SELECT w.id, w.code, g.id FROM worker w
            JOIN worker_assignment a ON a.worker_id = w.id AND a.valid_to IS NULL
            JOIN grid g ON g.id = a.grid_id AND g.valid_to IS NULL
            WHERE w.role = 'full_time' ORDER BY g.code""")).all()
        # the demo phone (the first grid's worker), a person signed in now, one who left 2 h ago
        demo.ensure_demo_accounts(session, "demo")
        person = accounts.create_user(session, "signed_in", PASSWORD, "worker", worker_code=workers[1][1])
        gone = accounts.create_user(session, "signed_out", PASSWORD, "worker", worker_code=workers[2][1])
        accounts.open_session(session, person, "127.0.0.1")
        accounts.open_session(session, gone, "127.0.0.1")
        session.flush()
        session.execute(text("UPDATE user_session SET last_seen_at = :at WHERE user_id = :user"),
                        {"at": now - timedelta(hours=2), "user": gone.id})
        admin = accounts.find_user(session, "admin")
        _, token = accounts.create_token(session, admin, "tests")
        session.commit()

        walkers = Walkers(session, settings.positions, Roster(hours=(0, 24), zone=ZONE), seed=5)
        simulator = Simulator(session, seed=5, pace=Pace(reports_per_hour=40, accept=0.1, neglect=0.1),
                              rules=settings.incidents, walkers=walkers)
        middle = live_from - timedelta(hours=1)
        simulator.backfill(middle, hours=1)
        # a task in each grid held by a person, reported while everyone walks
        tasks = []
        for worker_id, _, grid_id in workers[:2]:
            lon, lat = session.execute(text("""
                SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(b.geom) AS p FROM building b) s
                JOIN grid g ON ST_Contains(g.geom, s.p) WHERE g.id = :grid LIMIT 1"""), {"grid": grid_id}).one()
            made = loop.report(session, loop.Report("environment", lon, lat, "留给人 Left to a person"),
                               DESK, settings.incidents, middle)
            assert made.assignee_id == worker_id
            tasks.append(made.id)
        session.commit()
        simulator.backfill(live_from, hours=1)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        wall = [client.get("/api/v1/workers/live", headers=headers).get_json()]    # every 30 s
        for k in range(1, int(LIVE.total_seconds() / STEP_S) + 1):
            simulator.step(live_from + timedelta(seconds=STEP_S * k), STEP_S / 60)
            session.commit()
            if k % 6 == 0:
                wall.append(client.get("/api/v1/workers/live", headers=headers).get_json())
        yield SimpleNamespace(app=app, session=session, client=client, headers=headers, now=now,
                              live_from=live_from, walked_from=live_from - timedelta(hours=2),
                              workers=workers, demo_worker=workers[0][0], signed_in=workers[1][0],
                              signed_out=workers[2][0], tasks=tasks, wall=wall)
        session.close()


def walked_fixes(city, since):
    return city.session.execute(text("""
        SELECT p.worker_id, p.fixed_at, p.geom FROM position p
        WHERE p.fixed_at >= :since AND p.flag IS NULL"""), {"since": since}).all()


def test_within_two_minutes_ten_workers_walk_with_fresh_fixes(city):
    moved = city.session.execute(text("""
        WITH live AS (SELECT worker_id, fixed_at, geom FROM position
                      WHERE fixed_at > :since AND flag IS NULL),
             first AS (SELECT DISTINCT ON (worker_id) worker_id, geom FROM live ORDER BY worker_id, fixed_at)
        SELECT l.worker_id, count(*), max(ST_Distance(l.geom::geography, f.geom::geography))
        FROM live l JOIN first f USING (worker_id) GROUP BY l.worker_id"""),
        {"since": city.live_from}).all()
    fresh = [w for w, fixes, farthest in moved if fixes >= 8 and farthest >= 30]
    assert len(fresh) >= 10, moved


def test_the_wall_lists_ten_workers_moving(city):
    seen: dict[str, list] = {}
    for answer in city.wall:
        for feature in answer["features"]:
            seen.setdefault(feature["properties"]["worker"], []).append(feature)
    moving = []
    for code, features in seen.items():
        (x0, y0), last = features[0]["geometry"]["coordinates"], features[-1]
        farthest = max(math.hypot((x - x0) * 111_320 * math.cos(math.radians(y0)), (y - y0) * 111_320)
                       for x, y in (f["geometry"]["coordinates"] for f in features))
        if len(features) == len(city.wall) and not last["properties"]["stale"] and farthest >= 30:
            moving.append(code)
    assert len(moving) >= 10, (len(seen), moving)
    assert all(f["properties"]["inside"] is not None for f in city.wall[-1]["features"])


def test_fixes_lie_along_the_roads_or_at_the_incidents_the_workers_went_to(city):
    near_road, near_road_or_incident, total = city.session.execute(text("""
        SELECT count(*) FILTER (WHERE on_road), count(*) FILTER (WHERE on_road OR at_incident), count(*)
        FROM (SELECT EXISTS (SELECT 1 FROM road r WHERE ST_DWithin(r.geom::geography, p.geom::geography, 15))
                         AS on_road,
                     EXISTS (SELECT 1 FROM incident i WHERE i.assignee_id = p.worker_id
                               AND ST_DWithin(i.geom::geography, p.geom::geography, 25)) AS at_incident
              FROM position p WHERE p.fixed_at >= :since AND p.flag IS NULL) f"""),
        {"since": city.walked_from}).one()
    assert total > 1000
    assert near_road_or_incident / total >= 0.98, (near_road_or_incident, total)
    assert near_road / total >= 0.9, (near_road, total)      # an incident may lie off the street


def test_workers_keep_mostly_to_their_grid_and_now_and_then_step_out(city):
    rows = city.session.execute(text("""
        SELECT p.worker_id, ST_Distance(g.geom::geography, p.geom::geography) AS out_m
        FROM position p
        JOIN worker_assignment a ON a.worker_id = p.worker_id AND a.valid_to IS NULL
        JOIN grid g ON g.id = a.grid_id AND g.valid_to IS NULL
        WHERE p.fixed_at >= :since AND p.flag IS NULL"""), {"since": city.walked_from}).all()
    in_grid = sum(1 for _, out in rows if out <= 15) / len(rows)      # the street on its line is theirs
    beyond = {w for w, out in rows if out > 50}
    assert in_grid >= 0.8
    assert sum(1 for _, out in rows if out > 50) / len(rows) >= 0.01
    assert len(beyond) >= 3


def test_playback_has_the_route_of_a_walked_worker(city):
    code = next(c for w, c, _ in city.workers if w not in (city.demo_worker, city.signed_in))
    answer = city.client.get(f"/api/v1/workers/{code}/track", headers=city.headers)
    assert answer.status_code == 200
    track = answer.get_json()
    routes = [f for f in track["features"] if f["properties"]["kind"] == "route"]
    timeline = track["properties"]["timeline"]
    assert routes and track["properties"]["distance_m"] > 100
    assert len(timeline) >= 12 and [s[0] for s in timeline] == sorted(s[0] for s in timeline)


def test_a_worker_goes_along_the_roads_to_an_incident_they_accept_and_stays(city):
    visits = city.session.execute(text("""
        SELECT i.id, i.assignee_id, greatest(a.at, (SELECT max(o.at) FROM incident_event o
                                                    WHERE o.actor = s.actor AND o.action = 'resolve'
                                                      AND o.at < s.at)),
               s.at, r.at
        FROM incident i
        JOIN incident_event a ON a.incident_id = i.id AND a.action = 'accept'
        JOIN incident_event s ON s.incident_id = i.id AND s.action = 'start' AND s.actor LIKE 'worker:%'
        JOIN incident_event r ON r.incident_id = i.id AND r.action = 'resolve' AND r.actor = s.actor
        WHERE a.at >= :since AND a.at < s.at AND s.at < r.at"""), {"since": city.walked_from}).all()
    assert len(visits) >= 5
    along, walked = 0, 0
    for incident, worker, set_off, started, resolved in visits:    # set off: accepted, or done with the one before
        assert timedelta(minutes=2) <= resolved - started <= timedelta(minutes=6)
        there = city.session.execute(text("""
            SELECT count(*) FILTER (WHERE ST_DWithin(p.geom::geography, i.geom::geography, 20)), count(*)
            FROM position p, incident i
            WHERE i.id = :incident AND p.worker_id = :worker AND p.fixed_at BETWEEN :started AND :resolved"""),
            {"incident": incident, "worker": worker, "started": started, "resolved": resolved}).one()
        assert there[1] > 0 and there[0] == there[1], (incident, there)
        on_the_way = city.session.execute(text("""
            SELECT count(*) FILTER (WHERE ST_DWithin(p.geom::geography, i.geom::geography, 40)
                                       OR EXISTS (SELECT 1 FROM road r
                                                  WHERE ST_DWithin(r.geom::geography, p.geom::geography, 15))),
                   count(*)
            FROM position p, incident i
            WHERE i.id = :incident AND p.worker_id = :worker AND p.fixed_at > :set_off AND p.fixed_at < :started"""),
            {"incident": incident, "worker": worker, "set_off": set_off, "started": started}).one()
        along, walked = along + on_the_way[0], walked + on_the_way[1]
    assert walked > 50 and along >= 0.95 * walked, (along, walked)


def test_people_hold_their_own_phones(city):
    fixes = dict(city.session.execute(text("""
        SELECT worker_id, count(*) FROM position WHERE fixed_at >= :since GROUP BY worker_id"""),
        {"since": city.walked_from}).all())
    assert city.demo_worker not in fixes and city.signed_in not in fixes
    assert fixes.get(city.signed_out, 0) > 100          # signed in two hours ago: walked again
    held = (city.demo_worker, city.signed_in)
    touched = city.session.execute(text("""
        SELECT i.id, e.action, e.actor FROM incident i JOIN incident_event e ON e.incident_id = i.id
        WHERE i.assignee_id = ANY(:held)
          AND (e.actor LIKE 'worker:%' OR (e.actor = :desk AND e.action <> 'report'))"""),
        {"held": list(held), "desk": DESK.name}).all()
    assert touched == [], touched
    assert city.session.execute(text("SELECT array_agg(status) FROM incident WHERE id = ANY(:ids)"),
                                {"ids": city.tasks}).scalar() == ["assigned", "assigned"]
    others = city.session.execute(text("""
        SELECT count(*) FROM incident_event e WHERE e.action = 'accept' AND e.actor LIKE 'worker:%'""")).scalar()
    assert others > 0


@pytest.mark.parametrize("hours, hour, on", [((8, 18), 7, False), ((8, 18), 8, True), ((8, 18), 18, False),
                                             ((20, 6), 23, True), ((20, 6), 3, True), ((20, 6), 12, False),
                                             ((0, 24), 3, True)])
def test_the_roster_says_who_is_on_duty_in_city_time(hours, hour, on):
    moment = datetime(2026, 3, 2, hour, 30, tzinfo=ZoneInfo(ZONE)).astimezone(timezone.utc)
    assert Roster(hours=hours, zone=ZONE).on_duty(moment) is on


def test_off_duty_no_one_walks(city):
    yesterday = datetime.now(ZoneInfo(ZONE)).date() - timedelta(days=1)
    night = datetime(yesterday.year, yesterday.month, yesterday.day, 3, tzinfo=ZoneInfo(ZONE))
    session = city.session
    try:
        day_shift = Walkers(session, city.app.config["GRIDMAP"].positions, Roster(hours=(8, 18), zone=ZONE))
        reached, stored = day_shift.walk(session, night, night + timedelta(minutes=5), 10, set())
        assert stored == 0 and day_shift.walking == set()
        morning = night.replace(hour=9)
        reached, stored = day_shift.walk(session, morning, morning + timedelta(minutes=5), 10, set())
        assert stored > 0 and len(day_shift.walking) >= 10
    finally:
        session.rollback()
