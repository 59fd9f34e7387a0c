"""The read replica: `flask db-server replica start` makes a streaming replica of the embedded
cluster, and the layers, the tiles and the wall's charts read from it (X-Gridmap-Database says
which database answered) while it is no further behind than the bound; writes, and the reads
that must see them, stay on the primary; ETags hold across the two; a replica that goes away
sends its reads to the primary, with no error, until it is back.

On a private embedded cluster of its own under var/ (the suite's cluster is everyone's: a
replica copies a whole cluster), loaded with the smallest synthetic city."""
from __future__ import annotations

import math
import os
import re
import shutil
import signal
import time

import psycopg
import pytest
from sqlalchemy import select, text

from app import create_app, db, replica as replica_module
from app.config import ROOT, ReplicaRules, load_settings
from app.pgserver import Cluster
from tests.conftest import TEST_SETTINGS, BufferedClient

BOUND = 1.0           # seconds: the lag past which the primary answers, in these tests
INCIDENTS = "/ogcapi/collections/incidents/items?limit=10000"


@pytest.fixture(scope="module")
def var_dir():
    # under var/ of the checkout: the server may run as the postgres user, who must reach it
    directory = ROOT / "var" / f"test-replica-{os.getpid()}"
    directory.mkdir(parents=True)
    yield directory
    primary = Cluster(directory)
    primary.replica().stop()
    primary.stop()
    shutil.rmtree(directory)


def embedded_app(var_dir, bound: float = BOUND):
    """The app on the embedded cluster under `var_dir`, and its replica when there is one."""
    app = create_app({"var_dir": var_dir, **TEST_SETTINGS,
                      "replica": ReplicaRules(max_lag_s=bound, retry_s=1.0)})
    app.config.update(TESTING=True)
    app.test_client_class = BufferedClient
    return app


@pytest.fixture(scope="module")
def app(var_dir):
    app = embedded_app(var_dir)
    runner = app.test_cli_runner()
    for args in (["db-server", "start"], ["db", "upgrade"], ["import", "categories"],
                 ["generate", "city", "--preset", "zhenxing", "--scale", "1", "--seed", "3"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    yield app
    stop_listening(app)


def stop_listening(app):
    """The app's stream listener, before its cluster goes away (it would knock on for ever)."""
    hub = app.extensions.get("gridmap.stream")
    if hub is not None:
        hub.stop()


@pytest.fixture(scope="module")
def tokens(app):
    from app.models import Area
    from app.services.accounts import accounts
    made = {}
    with app.app_context():
        session = db.session()
        city = session.scalar(select(Area).where(Area.parent_id.is_(None)))
        for role in ("operator", "planner"):
            user = accounts.create_user(session, f"r_{role}", "correct horse battery", role,
                                        scope_area_code=city.code)
            made[role] = {"Authorization": f"Bearer {accounts.create_token(session, user, 'tests')[1]}"}
        session.commit()
    return made


@pytest.fixture(scope="module")
def started(app):
    """The replica, made and started by the command a person runs."""
    result = app.test_cli_runner().invoke(args=["db-server", "replica", "start"])
    assert result.exit_code == 0, result.output
    replica = Cluster(app.config["GRIDMAP"].var_dir).replica()
    # what it says is where the replica runs: no bar left behind (off a terminal, none drawn;
    # on one, erased: tests/cli/test_progress.py)
    assert result.output.splitlines() == [
        f"The replica is running on 127.0.0.1:{replica.port()} (data in {replica.data_dir}); the app's layers, "
        f"tiles and charts read from it while it is no more than {BOUND:g} s behind."]
    return replica


@pytest.fixture()
def client(app, started):
    return app.test_client(use_cookies=False)


def on_replica(replica: Cluster):
    """A superuser connection to the replica, for what a test does to it (pausing its replay)."""
    return psycopg.connect(replica.url().replace("+psycopg", ""), autocommit=True)


def report(client, tokens, point, description: str):
    """An incident reported through the API, as the wall or a phone reports one: on the primary."""
    made = client.post("/api/v1/incidents", headers=tokens["operator"],
                       json={"category": "road_damage", "point": point, "description": description})
    assert made.status_code == 201, made.json
    return made


def replica_status(app) -> str:
    return app.test_cli_runner().invoke(args=["db-server", "replica", "status"]).output


def replica_health(client) -> dict:
    """/healthz's account of the replica, in English: a replica's trouble never fails the host."""
    answer = client.get("/healthz", headers={"Accept-Language": "en"})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    body = answer.json
    assert body["database"] == "ok"
    if body["replica"]["warnings"]:
        assert body["status"] == "warning"
    return body["replica"]


def codes(answer) -> set[str]:
    return {f["properties"]["code"] for f in answer.json["features"]}


def until(condition, seconds: float = 30.0):
    """Asks again until `condition()` gives something true (replay and probes take their time)."""
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.1)


def answered(client, path: str, tokens, **headers):
    answer = client.get(path, headers={**tokens["operator"], **headers})
    assert answer.status_code in (200, 304), answer.get_data(as_text=True)[:300]
    return answer


@pytest.fixture(scope="module")
def a_point(app):
    with app.app_context():
        return list(db.session().execute(text(
            "SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid "
            "WHERE valid_to IS NULL ORDER BY code LIMIT 1")).one())


@pytest.fixture(scope="module")
def community(app):
    with app.app_context():
        return db.session().execute(text("SELECT code FROM area WHERE level = 'community' "
                                         "ORDER BY code LIMIT 1")).scalar_one()


@pytest.fixture(scope="module")
def a_tile(a_point):
    """The z14 tile holding a_point, as /tiles/grids/{z}/{x}/{y}.mvt names it."""
    lon, lat = a_point
    n = 2 ** 14
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/tiles/grids/14/{int((lon + 180) / 360 * n)}/{y}.mvt"


def test_the_command_makes_a_replica_that_streams_and_a_second_start_changes_nothing(app, started):
    runner = app.test_cli_runner()
    status = runner.invoke(args=["db-server", "replica", "status"])
    assert status.exit_code == 0, status.output
    assert f"replica running on 127.0.0.1:{started.port()}" in status.output
    assert "replication: streaming" in until(lambda: (s := replica_status(app)) and "streaming" in s and s)
    again = runner.invoke(args=["db-server", "replica", "start"])
    assert again.exit_code == 0 and f"127.0.0.1:{started.port()}" in again.output
    with on_replica(started) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
    # what the project set up on the primary for it, each once
    primary = Cluster(app.config["GRIDMAP"].var_dir)
    with psycopg.connect(primary.url().replace("+psycopg", ""), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'gridmap_replication' "
                            "AND rolreplication").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'gridmap_replica' "
                            "AND active").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM pg_hba_file_rules WHERE user_name = "
                            "ARRAY['gridmap_replication']").fetchone()[0] == 1


def test_layer_tile_and_chart_reads_are_answered_by_the_replica(client, tokens, a_tile):
    assert until(lambda: answered(client, INCIDENTS, tokens).headers.get("X-Gridmap-Database") == "replica")
    for path in ("/ogcapi/collections/buildings/items?limit=10", a_tile,
                 "/tiles/grids.json", "/api/v1/wall/charts", "/api/v1/wall/heat"):
        assert answered(client, path, tokens).headers["X-Gridmap-Database"] == "replica", path


def test_healthz_reports_the_replica_up_close_behind_and_taking_the_reads(client, tokens):
    assert until(lambda: answered(client, INCIDENTS, tokens).headers.get("X-Gridmap-Database") == "replica")
    replica = until(lambda: (r := replica_health(client))["reads"] == "replica" and r)
    assert replica["state"] == "up" and replica["warnings"] == []
    assert 0 <= replica["lag_seconds"] <= replica["max_lag_seconds"] == BOUND


def test_writes_and_what_must_see_them_are_answered_by_the_primary(client, tokens, a_point, community):
    made = report(client, tokens, a_point, "a write, answered by the primary")
    assert "X-Gridmap-Database" not in made.headers         # it read nothing that may lag
    # the writer's reads stay on the primary while the replica may not have its write yet
    cookie = made.headers["Set-Cookie"]
    assert re.search(r"gridmap_wrote=1; .*Max-Age=1", cookie) and "HttpOnly" in cookie
    read = answered(client, INCIDENTS, tokens, Cookie="gridmap_wrote=1")
    assert read.headers["X-Gridmap-Database"] == "primary"
    assert made.json["properties"]["code"] in codes(read)
    # a plan's own collection is read back by its editor after every edit: always the primary
    plan = client.post("/api/v1/plans", headers=tokens["planner"], json={"area": community})
    assert plan.status_code == 201, plan.json
    items = client.get(f"/ogcapi/collections/plan-{plan.json['id']}/items", headers=tokens["planner"])
    assert items.status_code == 200 and items.headers["X-Gridmap-Database"] == "primary"


def test_a_row_written_on_the_primary_is_read_from_the_replica_once_replayed(client, tokens, a_point):
    code = report(client, tokens, a_point, "replayed onto the replica").json["properties"]["code"]
    read = until(lambda: (a := answered(client, INCIDENTS, tokens)).headers["X-Gridmap-Database"] == "replica"
                 and code in codes(a) and a)
    assert code in codes(read)


def test_a_replica_further_behind_than_the_bound_leaves_the_reads_to_the_primary(client, tokens, started,
                                                                                  a_point):
    with on_replica(started) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
        try:
            code = report(client, tokens, a_point, "while the replica stands still").json["properties"]["code"]
            # the replica falls behind by as long as it stands still: past the bound, the primary answers
            read = until(lambda: (a := answered(client, INCIDENTS, tokens)).headers["X-Gridmap-Database"]
                         == "primary" and a)
            assert code in codes(read)
            with on_replica(started) as own:
                assert own.execute("SELECT count(*) FROM incident WHERE code = %s", (code,)).fetchone()[0] == 0
            # and /healthz says why, as a warning
            behind = until(lambda: (r := replica_health(client))["warnings"] and r)
            assert behind["state"] == "up" and behind["reads"] == "primary" and behind["lag_seconds"] > BOUND
            assert [w["code"] for w in behind["warnings"]] == ["replica.behind"]
            assert behind["warnings"][0]["message"].startswith("The read replica is ")
        finally:
            conn.execute("SELECT pg_wal_replay_resume()")
    read = until(lambda: (a := answered(client, INCIDENTS, tokens)).headers["X-Gridmap-Database"] == "replica"
                 and a)
    assert code in codes(read)


def test_status_shows_how_far_behind_the_replica_is(app, client, tokens, started, a_point):
    with on_replica(started) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
        try:
            report(client, tokens, a_point, "for the status to show")
            status = until(lambda: (s := replica_status(app)) and "paused" in s and s)
        finally:
            conn.execute("SELECT pg_wal_replay_resume()")
    assert re.search(r"behind the primary by [1-9][\d,]* bytes, lag [\d.]+ s", status), status
    assert "replay paused" in status
    caught_up = until(lambda: (s := replica_status(app)) and "by 0 bytes" in s and s)
    assert "lag 0.0 s" in caught_up


def test_etags_name_exactly_the_content_across_replica_and_primary(request, var_dir, client, tokens, started,
                                                                   a_point):
    # a replica that stays within a long bound however far behind it falls: it keeps answering
    patient_app = embedded_app(var_dir, bound=3600)
    request.addfinalizer(lambda: stop_listening(patient_app))
    patient = patient_app.test_client(use_cookies=False)
    # it has seen the replica caught up once (a process knows how fresh the replica is only
    # from what it has measured itself)
    assert until(lambda: answered(patient, INCIDENTS, tokens).headers["X-Gridmap-Database"] == "replica")
    first = until(lambda: (a := answered(client, INCIDENTS, tokens)).headers["X-Gridmap-Database"] == "replica"
                  and a)
    held = first.headers["ETag"]
    again = answered(client, INCIDENTS, tokens, **{"If-None-Match": held})
    assert again.status_code == 304 and again.headers["X-Gridmap-Database"] == "replica"
    with on_replica(started) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
        try:
            code = report(client, tokens, a_point, "newer than the replica").json["properties"]["code"]
            # past the bound the primary answers: the client's version is old, the new one comes whole
            newer = until(lambda: (a := answered(client, INCIDENTS, tokens, **{"If-None-Match": held})
                                   ).headers["X-Gridmap-Database"] == "primary" and a)
            assert newer.status_code == 200 and newer.headers["ETag"] != held and code in codes(newer)
            # a replica that lacks what the client holds never tells it 304: it answers what it
            # holds, under the ETag of what it holds
            behind = answered(patient, INCIDENTS, tokens, **{"If-None-Match": newer.headers["ETag"]})
            assert behind.headers["X-Gridmap-Database"] == "replica"
            assert behind.status_code == 200 and behind.headers["ETag"] == held and code not in codes(behind)
        finally:
            conn.execute("SELECT pg_wal_replay_resume()")
    # replayed, the replica has the client's version: now a 304 from it is the truth
    caught_up = until(lambda: (a := answered(client, INCIDENTS, tokens, **{"If-None-Match": newer.headers["ETag"]})
                               ).headers["X-Gridmap-Database"] == "replica" and a)
    assert caught_up.status_code == 304 and caught_up.headers["ETag"] == newer.headers["ETag"]


def test_a_replica_connection_that_dies_under_an_answer_is_answered_again_by_the_primary(
        app, client, tokens, started, monkeypatch):
    assert until(lambda: answered(client, INCIDENTS, tokens).headers["X-Gridmap-Database"] == "replica")
    # no measuring meanwhile: the read meets the dead connection itself, not a probe before it
    monkeypatch.setattr(replica_module, "PROBE_SECONDS", 3600.0)
    with on_replica(started) as conn:
        ended = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                             "backend_type = 'client backend' AND pid <> pg_backend_pid()").fetchone()[0]
    assert ended >= 1
    read = client.get(INCIDENTS, headers=tokens["operator"])
    assert read.status_code == 200 and read.headers["X-Gridmap-Database"] == "primary"
    monkeypatch.undo()
    # tried again after GRIDMAP_REPLICA_RETRY_S
    assert until(lambda: answered(client, INCIDENTS, tokens).headers["X-Gridmap-Database"] == "replica")


def test_killing_the_replica_sends_reads_to_the_primary_with_no_error_until_it_is_back(app, client, tokens, started,
                                                                                       a_tile):
    assert until(lambda: answered(client, INCIDENTS, tokens).headers["X-Gridmap-Database"] == "replica")
    postmaster = int((started.data_dir / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGQUIT)         # an immediate shutdown: every backend gone at once
    until(lambda: not started.running())
    for path in (INCIDENTS, a_tile, "/api/v1/wall/charts", "/api/v1/wall/heat"):
        for _ in range(3):
            read = client.get(path, headers=tokens["operator"])
            assert read.status_code == 200, (path, read.status_code, read.get_data(as_text=True)[:300])
            assert read.headers["X-Gridmap-Database"] == "primary"
    # the host stays in service: /healthz warns, a 200
    down = replica_health(client)
    assert down["state"] == "down" and down["reads"] == "primary" and down["lag_seconds"] is None
    assert [w["code"] for w in down["warnings"]] == ["replica.down"]
    # nobody stopped it, and the commands say so
    status = app.test_cli_runner().invoke(args=["db-server", "replica", "status"])
    assert status.exit_code == 3 and "replica not running, though nobody stopped it" in status.output
    server = app.test_cli_runner().invoke(args=["db-server", "status"])
    assert "replica: not running, though nobody stopped it" in server.output
    started.start()
    assert until(lambda: answered(client, INCIDENTS, tokens).headers["X-Gridmap-Database"] == "replica")
    assert replica_health(client)["state"] == "up"


def slot_holds(app) -> int:
    """The WAL the replica's slot makes the primary keep, in bytes, as the primary says."""
    primary = Cluster(app.config["GRIDMAP"].var_dir)
    with psycopg.connect(primary.url().replace("+psycopg", ""), autocommit=True) as conn:
        return int(conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) FROM pg_replication_slots "
                                "WHERE slot_name = 'gridmap_replica'").fetchone()[0])


def said_mb(line: str) -> float:
    return float(re.search(r"([\d.]+) MB", line).group(1))


def test_a_replica_stopped_on_purpose_is_a_state_not_an_alarm_and_is_left_alone_until_started(
        app, client, tokens, started, a_point, caplog):
    assert until(lambda: answered(client, INCIDENTS, tokens).headers["X-Gridmap-Database"] == "replica")
    runner = app.test_cli_runner()
    stopped = runner.invoke(args=["db-server", "replica", "stop"])
    assert stopped.exit_code == 0, stopped.output
    said, slot = stopped.output.splitlines()
    assert said == "Replica stopped; the primary answers the reads until flask db-server replica start starts it again."
    # the slot it leaves keeps WAL on the primary, how much, and how to drop it
    assert slot.startswith("replication slot gridmap_replica: no replica receives, and the primary keeps ")
    assert "growing until the replica starts again" in slot and "replica stop --remove" in slot
    assert abs(said_mb(slot) - slot_holds(app) / 1e6) < 0.2
    assert not started.running() and started.stopped_on_purpose()

    # reads go to the primary, with no error, no warning and no retry: a state, with a note
    with caplog.at_level("WARNING", logger="app.replica"):
        for _ in range(3):
            assert answered(client, INCIDENTS, tokens).headers["X-Gridmap-Database"] == "primary"
        time.sleep(1.5)                     # past GRIDMAP_REPLICA_RETRY_S (1 s here): still left alone
        health = client.get("/healthz", headers={"Accept-Language": "en"}).json
    assert [r.getMessage() for r in caplog.records if r.name == "app.replica"] == []
    replica = health["replica"]
    assert replica["state"] == "stopped" and replica["reads"] == "primary" and replica["lag_seconds"] is None
    assert replica["warnings"] == [] and [n["code"] for n in replica["notes"]] == ["replica.stopped"]
    assert "flask db-server replica start" in replica["notes"][0]["message"]
    assert "flask db-server replica stop --remove" in replica["notes"][0]["message"]
    zh = client.get("/healthz", headers={"Accept-Language": "zh-CN"}).json["replica"]["notes"][0]["message"]
    assert zh.startswith("只读副本已被停止") and "flask db-server replica start" in zh

    # while it is stopped the primary keeps every WAL file written since: the commands say how much
    before = slot_holds(app)
    report(client, tokens, a_point, "written while the replica is stopped")
    assert slot_holds(app) > before
    status = runner.invoke(args=["db-server", "replica", "status"])
    assert status.exit_code == 3
    assert status.output.splitlines()[0] == (f"replica stopped (data in {started.data_dir}; flask db-server "
                                             "replica start starts it again)")
    assert abs(said_mb(status.output.splitlines()[1]) - slot_holds(app) / 1e6) < 0.2
    server = runner.invoke(args=["db-server", "status"])
    assert server.exit_code == 0
    assert server.output.splitlines()[1:] == [
        f"replica: stopped (data in {started.data_dir}; flask db-server replica start starts it again)",
        status.output.splitlines()[1]]

    # started again, it is read again at once
    again = runner.invoke(args=["db-server", "replica", "start"])
    assert again.exit_code == 0, again.output
    assert not started.stopped_on_purpose()
    assert until(lambda: answered(client, INCIDENTS, tokens).headers["X-Gridmap-Database"] == "replica")
    assert replica_health(client)["state"] == "up"
    server = until(lambda: (s := runner.invoke(args=["db-server", "status"]).output) and "receives" in s and s)
    assert server.splitlines()[1] == f"replica: running on 127.0.0.1:{started.port()} (data in {started.data_dir})"
    assert server.splitlines()[2].startswith("replication slot gridmap_replica: the replica receives, and the "
                                             "primary keeps ")


def test_a_server_told_not_to_read_the_replica_reads_the_primary_alone(var_dir, started, tokens, monkeypatch):
    assert load_settings().replica.reads is True
    for word in ("0", "off"):
        monkeypatch.setenv("GRIDMAP_REPLICA_READS", word)
        assert load_settings().replica.reads is False
    own = create_app({"var_dir": var_dir, **TEST_SETTINGS})
    own.config.update(TESTING=True)
    own.test_client_class = BufferedClient
    alone = own.test_client(use_cookies=False)
    assert started.running()
    for _ in range(3):
        read = alone.get(INCIDENTS, headers=tokens["operator"])
        assert read.status_code == 200 and read.headers["X-Gridmap-Database"] == "primary"
        time.sleep(0.6)                     # past a probe: a server that read the replica would by now
    assert "replica" not in alone.get("/healthz").json
    stop_listening(own)


def test_db_server_stop_stops_the_replica_too_and_both_start_again(app, client, tokens, started):
    runner = app.test_cli_runner()
    primary = Cluster(app.config["GRIDMAP"].var_dir)
    in_chinese = {"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
    stopped = runner.invoke(args=["db-server", "stop"], env=in_chinese)
    assert stopped.exit_code == 0, stopped.output
    assert stopped.output.splitlines() == ["PostGIS 已停止。", f"它的只读副本（数据在 {started.data_dir}）也已停止。"]
    assert not started.running() and not primary.running()
    again = runner.invoke(args=["db-server", "stop"])
    assert again.output.splitlines() == ["PostGIS stopped."]       # nothing ran: nothing more to say
    for args in (["db-server", "start"], ["db-server", "replica", "start"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    # the app finds both again by itself (its first request after the restart may be a 503)
    assert until(lambda: (a := client.get(INCIDENTS, headers=tokens["operator"])).status_code == 200
                 and a.headers["X-Gridmap-Database"] == "replica")


def test_a_promoted_replica_is_read_no_more_and_not_started_again_as_one(app, client, tokens, started):
    assert until(lambda: answered(client, INCIDENTS, tokens).headers["X-Gridmap-Database"] == "replica")
    with on_replica(started) as conn:
        assert conn.execute("SELECT pg_promote()").fetchone()[0] is True
    # its own history from here on: what it holds is no longer the primary's
    assert until(lambda: answered(client, INCIDENTS, tokens).headers["X-Gridmap-Database"] == "primary")
    # no replica any more (its standby.signal is gone): /healthz names none (one named by
    # DATABASE_REPLICA_URL that no longer follows is warned of: tests/live/test_pgbouncer.py)
    assert "replica" not in client.get("/healthz").json
    again = app.test_cli_runner().invoke(args=["db-server", "replica", "start"])
    assert again.exit_code != 0 and "no longer follows" in again.output


def test_stop_remove_deletes_the_replica_and_its_slot(app, started, tokens):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db-server", "replica", "stop", "--remove"])
    assert result.exit_code == 0, result.output
    assert not started.var_dir.exists()
    assert runner.invoke(args=["db-server", "replica", "status"]).exit_code == 3
    primary = Cluster(app.config["GRIDMAP"].var_dir)
    with psycopg.connect(primary.url().replace("+psycopg", ""), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_replication_slots").fetchone()[0] == 0
    # reads go on, from the primary
    read = app.test_client(use_cookies=False).get(INCIDENTS, headers=tokens["operator"])
    assert read.status_code == 200 and read.headers["X-Gridmap-Database"] == "primary"
    assert "replica" not in app.test_client().get("/healthz").json
