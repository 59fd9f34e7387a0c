"""A city past one machine, set up as its operators set it up (issue 30's "done when"): the
embedded cluster with its streaming replica (`flask db-server start`, `flask db-server replica
start`) and two app hosts behind one nginx (`flask serve-hosts`). A report made through host A
reaches a stream held on host B; a layer read through the nginx in front is answered by the
replica; and the replica, killed outright, takes no read down with it: the primary answers the
next ones, and /healthz says so without taking the hosts out of service.

Which database answered a read is X-Gridmap-Database, which each host writes from what the
answering connection said of itself when it was opened (`SELECT pg_is_in_recovery()`), not from
its settings.

On a private embedded cluster under var/ (a replica copies a whole cluster; the suite's is
everyone's) holding the scale-1 synthetic city. Everything it starts is stopped at the end,
whatever the test's fate: the hosts and their nginx, then the replica and the primary."""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from types import SimpleNamespace

import psycopg
import pytest
from sqlalchemy import select, text

from app import create_app, db
from app.config import ROOT
from app.pgserver import Cluster
from tests.conftest import PASSWORD, TEST_SETTINGS, free_port
from tests.live.sse import EventStream
from tests.live.test_hosts import report

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"),
                                reason="nginx is installed by `make test` (Debian's package)")

INCIDENTS = "/ogcapi/collections/incidents/items?limit=10000"
# what names another database than the embedded cluster's, which the hosts must not be told
ELSEWHERE = ("DATABASE_URL", "DATABASE_LISTEN_URL", "DATABASE_REPLICA_URL", "TEST_DATABASE_URL")


@pytest.fixture(scope="module")
def city():
    """The primary and its replica, made by the commands a person runs, with the scale-1 city
    and an operator of the whole city; both stopped and removed at the end."""
    from app.models import Area
    from app.services.accounts import accounts
    directory = ROOT / "var" / f"test-city-setup-{os.getpid()}"
    directory.mkdir(parents=True)
    primary = Cluster(directory)
    app = create_app({"var_dir": directory, **TEST_SETTINGS})
    app.config.update(TESTING=True)
    try:
        runner = app.test_cli_runner()
        for args in (["db-server", "start"], ["db", "upgrade"], ["import", "categories"],
                     ["generate", "city", "--preset", "zhenxing", "--scale", "1", "--seed", "3"],
                     ["db-server", "replica", "start"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
        with app.app_context():
            session = db.session()
            top = session.scalar(select(Area).where(Area.parent_id.is_(None)))
            user = accounts.create_user(session, "city_operator", PASSWORD, "operator", scope_area_code=top.code)
            _, token = accounts.create_token(session, user, "tests")
            point = session.execute(text("SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
                                         "FROM grid WHERE valid_to IS NULL ORDER BY code LIMIT 1")).one()
            session.commit()
        yield SimpleNamespace(directory=directory, primary=primary, replica=primary.replica(), token=token,
                              point=tuple(point))
    finally:
        hub = app.extensions.get("gridmap.stream")
        if hub is not None:
            hub.stop()
        try:
            primary.replica().stop()
        finally:
            primary.stop()
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def hosts(city, tmp_path_factory):
    """`flask serve-hosts` on the embedded cluster under city.directory: nginx on `front`,
    hosts on `a` and `b` (a gunicorn worker each)."""
    front, a, b = free_port(), free_port(), free_port()
    log = tmp_path_factory.mktemp("city") / "serve-hosts.log"
    env = {name: value for name, value in os.environ.items() if name not in ELSEWHERE}
    env.update(FLASK_APP="app", GRIDMAP_VAR_DIR=str(city.directory))
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "serve-hosts", "--port", str(front), "--app-port", str(a),
             "--app-port", str(b), "--workers", "1", "--threads", "8", "--no-simulate"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120           # two hosts starting on a busy machine
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                if all(get(port, "/healthz").status == 200 for port in (front, a, b)):
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "flask serve-hosts did not answer in 120 s\n" + log.read_text()[-3000:]
            time.sleep(0.5)
        yield SimpleNamespace(front=front, a=a, b=b, log=log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        from app.cli import proxy
        for port in (front, a, b):                  # each nginx has a session of its own
            proxy.stop_stale(proxy.run_dir(city.directory, port))


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)


def get(port: int, path: str, token: str | None = None) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        response = connection.getresponse()
        return Answer(status=response.status, headers=response.headers, body=response.read())
    finally:
        connection.close()


def until(condition, seconds: float = 30.0):
    """Asks again until `condition()` gives something true (replay and the hosts' probes take
    their time)."""
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.2)


def codes(answer: Answer) -> set[str]:
    return {f["properties"]["code"] for f in answer.json()["features"]}


def test_two_hosts_and_a_replica_a_report_crosses_the_hosts_reads_come_from_the_replica_and_outlive_it(
        city, hosts, open_streams):
    # a report made through host A reaches a stream held on host B
    on_b = EventStream(f"http://127.0.0.1:{hosts.b}", city.token)
    open_streams.append(on_b)
    code = report(hosts.a, city.token, city.point, "through host A, heard on host B")
    heard = on_b.incidents(2, timeout=5)
    assert [(e["data"]["incident"]["code"], e["data"]["action"]) for e in heard] == [(code, "report"), (code, "assign")]

    # a layer read through the nginx in front is answered by the replica, once it holds the report
    read = until(lambda: (r := get(hosts.front, INCIDENTS, city.token)).status == 200
                 and r.headers["X-Gridmap-Database"] == "replica" and code in codes(r) and r)
    assert read.headers["Content-Type"].startswith("application/geo+json")
    with psycopg.connect(city.replica.url().replace("+psycopg", ""), autocommit=True) as conn:
        # the replica is one (the header's word is its own), and the hosts hold connections on it
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        assert conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = 'gridmap' AND "
                            "backend_type = 'client backend' AND pid <> pg_backend_pid()").fetchone()[0] >= 1
    health = get(hosts.front, "/healthz").json()
    assert health["replica"]["state"] == "up"

    # killed outright (an immediate shutdown: every backend gone at once), the replica takes no
    # read with it: the next ones, over both hosts, are answered by the primary
    postmaster = int((city.replica.data_dir / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGQUIT)
    until(lambda: not city.replica.running())
    for n in range(12):
        after = get(hosts.front, INCIDENTS, city.token)
        assert after.status == 200, (n, after.status, after.body[:300])
        assert after.headers["X-Gridmap-Database"] == "primary" and code in codes(after)
    # and the hosts stay in service: /healthz on each says the replica is down, in a 200
    for port in (hosts.a, hosts.b, hosts.front):
        answer = get(port, "/healthz")
        assert answer.status == 200, answer.body[:300]
        health = answer.json()
        assert health["status"] == "warning" and health["database"] == "ok"
        assert health["replica"]["state"] == "down" and health["replica"]["reads"] == "primary"
        assert "replica.down" in [w["code"] for w in health["replica"]["warnings"]]
    # each host's log says so once, timed and in gunicorn's form, with the host's port in front
    said = [line for line in hosts.log.read_text().splitlines() if "read replica unreachable" in line]
    form = re.compile(r"host (\d+) \| \[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[WARNING\] "
                      r"read replica unreachable: reads go to the primary for 10 s")
    assert all(form.fullmatch(line) for line in said), said
    assert {form.fullmatch(line).group(1) for line in said} == {str(hosts.a), str(hosts.b)}
