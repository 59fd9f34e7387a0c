"""The live stream: Server-Sent Events fed by PostgreSQL NOTIFY, filtered by scope, and
replayed from the event log after a reconnect — against the live test server."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import select, text

from app import db
from app.models import AppUser
from app.services.accounts import accounts
from tests.conftest import PASSWORD, hub_subscription, incident_notice
from tests.live.sse import EventStream


@pytest.fixture(scope="module")
def places(app):
    """Two communities, each with a point inside and an operator scoped to it (made once: a
    module running these tests again, tests/live/test_pgbouncer.py, finds them)."""
    with app.app_context():
        session = db.session()
        rows = session.execute(text("""
            SELECT c.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))
            FROM area c JOIN LATERAL (SELECT geom FROM grid WHERE community_id = c.id
                                      AND valid_to IS NULL ORDER BY code LIMIT 1) g ON true
            WHERE c.level = 'community' ORDER BY c.code LIMIT 2""")).all()
        made = []
        for code, lon, lat in rows:
            user = session.scalar(select(AppUser).where(AppUser.username == f"op_{code}")) or \
                accounts.create_user(session, f"op_{code}", PASSWORD, "operator", scope_area_code=code)
            _, token = accounts.create_token(session, user, "tests")
            made.append({"community": code, "point": (lon, lat), "token": token})
        session.commit()
    return made


def report(client, token, point, category="environment", description="stream test"):
    response = client.post("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"}, json={
        "category": category, "point": list(point), "description": description})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_report_reaches_an_open_stream_at_once(live_server, client, users, places, open_streams):
    watching = EventStream(live_server, users["operator"]["token"])
    open_streams.append(watching)
    started = time.monotonic()
    made = report(client, users["operator"]["token"], places[0]["point"])
    events = watching.incidents(2)
    elapsed = time.monotonic() - started
    assert [e["data"]["action"] for e in events] == ["report", "assign"]
    assert all(e["data"]["incident"]["code"] == made["properties"]["code"] for e in events)
    assert events[1]["data"]["incident"]["status"] == "assigned"
    assert int(events[1]["id"]) > int(events[0]["id"])
    assert elapsed < 2.0


def test_each_operator_sees_only_their_communitys_incidents(live_server, client, users, places, open_streams):
    first, second = places
    mine = EventStream(live_server, first["token"])
    theirs = EventStream(live_server, second["token"])
    open_streams.extend([mine, theirs])
    made = report(client, users["operator"]["token"], first["point"], category="greenery")
    code = made["properties"]["code"]
    assert {e["data"]["incident"]["code"] for e in mine.incidents(2)} == {code}
    # the other community's operator hears nothing of it (but its own reports, yes)
    assert theirs.incidents(1, timeout=1.0) == []
    other = report(client, users["operator"]["token"], second["point"], category="greenery")
    assert {e["data"]["incident"]["code"] for e in theirs.incidents(2)} == {other["properties"]["code"]}


def test_a_reconnecting_client_replays_what_it_missed_then_goes_live(live_server, client, users, places,
                                                                       open_streams):
    token = places[0]["token"]
    first = EventStream(live_server, token)
    resume_from = first.hello["id"]
    first.close()
    missed = [report(client, users["operator"]["token"], places[0]["point"], category=c)["properties"]["code"]
              for c in ("road_damage", "public_facility")]
    report(client, users["operator"]["token"], places[1]["point"], category="road_damage")  # out of scope
    again = EventStream(live_server, token, last_event_id=resume_from)
    open_streams.append(again)
    assert again.hello["data"]["replayed"] == 4
    replayed = again.incidents(4)
    assert [(e["data"]["incident"]["code"], e["data"]["action"]) for e in replayed] == [
        (missed[0], "report"), (missed[0], "assign"), (missed[1], "report"), (missed[1], "assign")]
    ids = [int(e["id"]) for e in replayed]
    assert ids == sorted(ids) and ids[0] > int(resume_from)
    live = report(client, users["operator"]["token"], places[0]["point"], category="street_vending")
    assert [e["data"]["incident"]["code"] for e in again.incidents(2)] == [live["properties"]["code"]] * 2


def test_a_worker_hears_their_own_tasks_and_not_others(live_server, client, users, session, open_streams):
    grid_point, other_point = session.execute(text("""
        SELECT (SELECT ARRAY[ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))]
                FROM grid g JOIN worker_assignment a ON a.grid_id = g.id AND a.valid_to IS NULL
                JOIN app_user u ON u.worker_id = a.worker_id WHERE u.username = 't_worker'),
               (SELECT ARRAY[ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))]
                FROM grid g WHERE g.valid_to IS NULL ORDER BY g.code DESC LIMIT 1)""")).one()
    worker = EventStream(live_server, users["worker"]["token"])
    open_streams.append(worker)
    report(client, users["operator"]["token"], other_point, category="illegal_parking")
    mine = report(client, users["operator"]["token"], grid_point, category="illegal_parking")
    heard = worker.incidents(2)
    assert {e["data"]["incident"]["code"] for e in heard} == {mine["properties"]["code"]}


def test_positions_reach_operators_but_a_worker_only_hears_their_own(live_server, users, session, open_streams):
    operator = EventStream(live_server, users["operator"]["token"])
    worker = EventStream(live_server, users["worker"]["token"])
    open_streams.extend([operator, worker])
    own, other = session.execute(text("""
        SELECT (SELECT worker_id FROM app_user WHERE username = 't_worker'),
               (SELECT id FROM worker WHERE role = 'full_time' AND id <> (
                    SELECT worker_id FROM app_user WHERE username = 't_worker') ORDER BY id LIMIT 1)""")).one()
    point = session.execute(text("SELECT ST_AsEWKT(ST_PointOnSurface(geom)) FROM area WHERE parent_id IS NULL")).scalar_one()
    session.execute(text("""
        INSERT INTO position (worker_id, fixed_at, accuracy_m, geom)
        SELECT w, now() - (s || ' seconds')::interval, 5, ST_GeomFromEWKT(:point)
        FROM unnest(ARRAY[:own, :other]) w, generate_series(0, 2) s"""),
        {"own": own, "other": other, "point": point})
    session.commit()
    seen = [operator.next_event(3), operator.next_event(3)]
    assert sorted(e["data"]["worker_id"] for e in seen if e and e["event"] == "position") == sorted([own, other])
    heard = worker.next_event(3)
    assert heard["event"] == "position" and heard["data"]["worker_id"] == own
    assert worker.next_event(0.5) is None          # one fix per worker per batch: the latest


def test_a_bad_last_event_id_is_refused(client, auth):
    response = client.get("/api/v1/stream", headers={**auth("operator"), "Last-Event-ID": "yesterday"})
    assert response.status_code == 400 and "Last-Event-ID" in response.get_json()["description"]


def drop_hub_connections(session) -> int:
    """The database ends every stream hub's connection, as a restart or a network cut would;
    gives how many it ended."""
    killed = session.execute(text("""
        SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'gridmap-stream-hub'""")).scalar_one()
    session.commit()
    return killed


def test_the_stream_survives_the_database_dropping_its_listener(live_server, client, users, places,
                                                                 session, open_streams):
    watching = EventStream(live_server, users["operator"]["token"])
    open_streams.append(watching)
    assert drop_hub_connections(session) >= 1
    # reported while the hub is reconnecting: it catches up from the event log
    made = report(client, users["operator"]["token"], places[0]["point"], category="elderly_care")
    events = watching.incidents(2, timeout=8)
    assert [e["data"]["incident"]["code"] for e in events] == [made["properties"]["code"]] * 2


@contextmanager
def sequencer_lock_taken(session, database_url):
    """Holds the sequencer's lock in the test's stead: the hub's connection is dropped, and
    this test is quicker to ask for the lock than the hub's reconnect. On leaving, the hub's
    next try takes over."""
    import psycopg
    from sqlalchemy.engine import make_url

    from app.services.live import stream
    holder = psycopg.connect(make_url(database_url).set(drivername="postgresql")
                             .render_as_string(hide_password=False), autocommit=True)
    try:
        drop_hub_connections(session)
        deadline = time.monotonic() + 5
        while not holder.execute("SELECT pg_try_advisory_lock(%s)", (stream.SEQUENCER_LOCK,)).fetchone()[0]:
            assert time.monotonic() < deadline, "the hub's lock was never released"
            time.sleep(0.02)
        yield
    finally:
        holder.close()


def test_events_wait_for_the_sequencer_and_are_numbered_in_order_when_a_hub_takes_over(
        live_server, client, users, places, session, database_url, open_streams):
    watching = EventStream(live_server, users["operator"]["token"])
    open_streams.append(watching)
    with sequencer_lock_taken(session, database_url):
        made = [report(client, users["operator"]["token"], places[0]["point"], category=c)["properties"]["code"]
                for c in ("road_damage", "greenery")]
        waiting = session.execute(text("""
            SELECT count(*) FILTER (WHERE q.event_id IS NOT NULL), count(p.seq)
            FROM incident_event e JOIN incident i ON i.id = e.incident_id
            LEFT JOIN stream_unsequenced q ON q.event_id = e.id
            LEFT JOIN stream_position p ON p.event_id = e.id
            WHERE i.code = ANY(:codes)"""), {"codes": made}).one()
        session.commit()
        assert tuple(waiting) == (4, 0)                  # committed, waiting, not numbered
        assert watching.incidents(1, timeout=1.5) == []  # so not yet published either
        assert client.get("/healthz").get_json()["stream"]["events_waiting"] == 4
    numbered = watching.incidents(4, timeout=8)
    assert [(e["data"]["incident"]["code"], e["data"]["action"]) for e in numbered] == [
        (made[0], "report"), (made[0], "assign"), (made[1], "report"), (made[1], "assign")]
    ids = [int(e["id"]) for e in numbered]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert session.execute(text("SELECT count(*) FROM stream_unsequenced")).scalar_one() == 0
    assert client.get("/healthz").get_json()["stream"] == {"sequencer": True, "events_waiting": 0}


def test_a_backlog_longer_than_a_batch_is_numbered_whole_and_in_event_order(
        live_server, client, users, places, session, database_url, open_streams):
    from app.services.live import stream
    watching = EventStream(live_server, users["operator"]["token"])
    open_streams.append(watching)
    made = report(client, users["operator"]["token"], places[0]["point"], category="greenery")
    assert len(watching.incidents(2)) == 2
    backlog = stream.SEQUENCE_BATCH + 150
    with sequencer_lock_taken(session, database_url):
        # notes written in bulk, as a load or a command would, while no hub numbers events
        session.execute(text("""
            INSERT INTO incident_event (incident_id, at, actor, action, note)
            SELECT i.id, now(), 'cli:test', 'note', 'backlog ' || n
            FROM incident i, generate_series(1, :n) n WHERE i.code = :code"""),
            {"n": backlog, "code": made["properties"]["code"]})
        session.commit()
    heard = watching.incidents(backlog, timeout=15)
    assert [e["data"]["note"] for e in heard] == [f"backlog {n}" for n in range(1, backlog + 1)]
    ids = [int(e["id"]) for e in heard]
    assert ids == sorted(ids)
    assert session.execute(text("""
        SELECT count(*) FROM stream_unsequenced""")).scalar_one() == 0


def test_a_client_that_falls_behind_the_hubs_log_is_told_to_resync():
    from app.services.live import stream
    hub = stream.Hub("")             # fed by hand: no database listener in this test
    everyone = stream.Audience("all", "all", everything=True, key=("all",))
    subscription = stream.Subscription(everyone, cursor=0)
    body = stream.frames(hub, subscription, [], heartbeat=0.01, hello=(0, False), coalesce=0)
    assert b"event: hello" in next(body)
    hub._publish(incident_notice(1, 120.0))
    assert b'"code": "E1"' in next(body)
    for stream_id in range(2, stream.LOG_LIMIT + 3):      # more than the log holds, unread
        hub._publish(incident_notice(stream_id, 120.0))
    assert b"event: resync" in next(body)


def test_clients_sharing_an_audience_share_one_verdict_and_others_get_their_own():
    import shapely

    from app.services.live import stream
    hub = stream.Hub("")
    west = shapely.box(119.0, 29.0, 120.5, 31.0)
    shapely.prepare(west)
    westerners = stream.Audience("all", None, area=west, key=("west",))
    everyone = stream.Audience("all", None, everything=True, key=("all",))
    bodies = {name: stream.frames(hub, stream.Subscription(audience, cursor=0), [], 0.01, (0, False),
                                  coalesce=0)
              for name, audience in (("west", westerners), ("west too", westerners), ("all", everyone))}
    for body in bodies.values():
        next(body)                                         # hello
    hub._publish(incident_notice(1, 121.0))                # east of the box
    hub._publish(incident_notice(2, 120.0))                # inside it
    received = {name: next(body) for name, body in bodies.items()}
    assert b'"E2"' in received["west"] and b'"E1"' not in received["west"]
    assert received["west too"] == received["west"]
    assert b'"E1"' in received["all"] and b'"E2"' in received["all"]
    assert hub._log[0].verdicts == {("west",): False, ("all",): True}


def test_ending_the_streams_closes_them_quietly_for_the_client_to_resume():
    from app.services.live import stream
    hub = stream.Hub("")
    everyone = stream.Audience("all", "all", everything=True, key=("all",))
    body = stream.frames(hub, hub_subscription(hub, everyone), [], heartbeat=5, hello=(0, False), coalesce=0)
    assert b"event: hello" in next(body)
    threading.Timer(0.2, hub.end_streams).start()
    assert list(body) == []               # no resync: the client resumes from its last id
    assert not hub.ended(hub_subscription(hub, everyone))    # new streams are not affected


def test_a_stream_the_hub_ends_alone_says_why_then_ends_for_the_client_to_resume():
    from app.services.live import stream
    hub = stream.Hub("")
    everyone = stream.Audience("all", "all", everything=True, key=("all",))
    ending = hub_subscription(hub, everyone)
    body = stream.frames(hub, ending, [], heartbeat=5, hello=(0, False), coalesce=0)
    assert b"event: hello" in next(body)
    threading.Timer(0.2, hub.end, (ending, stream.ENDED_AT_MAX_AGE)).start()
    assert list(body) == [b": end max-age; reconnect with Last-Event-ID\n\n"]     # a comment, no resync
    assert not hub.ended(hub_subscription(hub, everyone))    # the others go on


def test_a_task_taken_from_a_worker_reaches_them_live_and_on_replay(live_server, client, users, auth, session,
                                                                      open_streams):
    """Reassigned far outside their grid, the task still leaves the phone, with the reason."""
    me, far, someone = session.execute(text("""
        SELECT u.worker_id,
               (SELECT ARRAY[ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))]
                FROM grid g WHERE g.valid_to IS NULL ORDER BY g.code DESC LIMIT 1),
               (SELECT w.id FROM worker w WHERE w.active AND w.role = 'full_time' AND w.id <> u.worker_id
                ORDER BY w.id LIMIT 1)
        FROM app_user u WHERE u.username = 't_worker'""")).one()
    worker = EventStream(live_server, users["worker"]["token"])
    open_streams.append(worker)
    made = report(client, users["operator"]["token"], far, category="illegal_parking")
    incident = made["id"]
    for target, note in ((me, "yours for now"), (someone, "back to the grid's own worker")):
        answer = client.post(f"/api/v1/incidents/{incident}/events", headers=auth("operator"),
                             json={"action": "assign", "worker_id": target, "note": note})
        assert answer.status_code == 200, answer.get_json()
    given, taken = worker.incidents(2)
    assert given["data"]["incident"]["assignee_id"] == me
    assert taken["data"]["incident"]["assignee_id"] == someone
    assert taken["data"]["taken_from"] == me and taken["data"]["note"] == "back to the grid's own worker"
    assert worker.incidents(1, timeout=0.5) == []        # nothing else of that far grid

    again = EventStream(live_server, users["worker"]["token"], last_event_id=given["id"])
    open_streams.append(again)
    replayed = again.incidents(1)
    assert [e["id"] for e in replayed] == [taken["id"]] and replayed[0]["data"]["taken_from"] == me
