"""Faults a running server rides through: the database stopping and starting under it, and the
server itself restarting.

While the database is down every request is told, in JSON, to come back in a moment
(503 with Retry-After) and /healthz says why; when it is back, the server is too. Reports sent
with an Idempotency-Key and retried until they are answered are stored once, and a client of
the live stream, resuming with Last-Event-ID whenever its connection drops, hears each of their
events exactly once.

Everything is real: a private PostGIS cluster with a small synthetic city, served by
`flask serve` (gunicorn, gthread, app.gunicorn_conf) finding the cluster the way a server does,
through var/ — not through DATABASE_URL.
"""
from __future__ import annotations

import collections
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from app import create_app, db
from app.config import ROOT
from app.pgserver import DEMO_DATABASE, Cluster
from tests.conftest import TEST_SETTINGS, free_port

REPORTS = 24            # per fault
POSTERS = 4             # phones reporting at the same time
LOSE_EVERY = 4          # every 4th report loses its first answer on the way back
PACE = 0.3              # seconds between a phone's reports: the fault falls among them
LOST = "lost"           # an attempt whose answer never came back, on purpose
PASSWORD = "a long password"


@dataclass
class City:
    cluster: Cluster
    token: str
    points: list[tuple[float, float]]

    def rows(self, sql: str, **params) -> list:
        engine = create_engine(self.cluster.url(), poolclass=NullPool)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).all()
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def city():
    # under var/ as in tests/test_pgserver.py: the server may run as the postgres user, who
    # cannot reach pytest's private temp root
    directory = ROOT / "var" / f"test-faults-{os.getpid()}"
    directory.mkdir(parents=True)
    cluster = Cluster(directory)
    try:
        cluster.start()
        url = cluster.ensure_database(DEMO_DATABASE)
        db.upgrade(url)
        app = create_app({"DATABASE_URL": url, **TEST_SETTINGS})
        runner = app.test_cli_runner()
        for args in (["import", "categories"],
                     ["generate", "city", "--preset", "zhenxing", "--scale", "1", "--seed", "3"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
        from app.models import Area
        from app.services.accounts import accounts
        with app.app_context():
            session = db.session()
            whole_city = session.scalar(select(Area).where(Area.parent_id.is_(None)))
            operator = accounts.create_user(session, "fault_operator", PASSWORD, "operator",
                                            scope_area_code=whole_city.code)
            _, token = accounts.create_token(session, operator, "faults")
            session.commit()
            points = [tuple(p) for p in session.execute(text(
                "SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid "
                "WHERE valid_to IS NULL ORDER BY code LIMIT 16"))]
            db.engine().dispose()
        yield City(cluster, token, points)
    finally:
        cluster.stop()
        shutil.rmtree(directory)


class Server:
    """`flask serve` on a fixed port, on the cluster under `var_dir`."""

    def __init__(self, var_dir: Path, log: Path):
        self.var_dir, self.log = var_dir, log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
        env.update(FLASK_APP="app", GRIDMAP_VAR_DIR=str(self.var_dir), GRIDMAP_TICK_SECONDS="0",
                   GRIDMAP_LOGIN_RATE="10000/minute")
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "serve", "--no-simulate", "--port", str(self.port),
                 "--workers", "2", "--threads", "32"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while request(self.port, "GET", "/healthz")[0] != 200:
            assert self.process.poll() is None and time.monotonic() < deadline, self.log.read_text()[-3000:]
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)

    def processes(self) -> list[int]:
        """The server's processes: flask serve, the gunicorn master and its workers."""
        parents = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parents[int(entry.name)] = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
                except (OSError, ValueError, IndexError):
                    pass
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo += [child for child, parent in parents.items() if parent == pid]
        return found

    def warm(self, database_port: int, workers: int = 2) -> None:
        """Until every gunicorn worker has been to the database: a worker's first use of the
        embedded database starts the cluster when it is down (flask serve on a fresh machine),
        which is not what a test stopping it wants. (The stream server listens from its start.)"""
        deadline = time.monotonic() + 20
        gunicorn = [pid for pid in self.processes() if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        while len(connected(gunicorn, database_port)) < workers:
            assert time.monotonic() < deadline, "the workers did not all reach the database"
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(lambda _: request(self.port, "GET", "/healthz"), range(32)))


def connected(pids: list[int], port: int) -> set[int]:
    """Those of `pids` holding a TCP connection to `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[2].rpartition(":")[2], 16) == port:
                inodes.add(fields[9])
    holding = set()
    for pid in pids:
        try:
            links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        if any(link.startswith("socket:[") and link[8:-1] in inodes for link in links):
            holding.add(pid)
    return holding


@pytest.fixture(scope="module")
def server(city, tmp_path_factory):
    served = Server(city.cluster.var_dir, tmp_path_factory.mktemp("faults") / "server.log")
    served.start()
    yield served
    served.stop()


def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None,
            timeout: float = 10):
    """(status, headers, body); status 0 when no answer came (the server is down)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body),
                     headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    except (OSError, http.client.HTTPException):
        return 0, {}, b""
    finally:
        conn.close()


# -- the wall map's stream -------------------------------------------------------------------

class Listener:
    """One live stream, read as a browser's EventSource reads it: when the connection drops it
    reconnects with the id of the last event it received, until told to stop."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.incident_events: list[dict] = []
        self.connections = 0
        self.last_event_id: str | None = None
        self._stopping = threading.Event()
        self._socket: socket.socket | None = None
        self._hello = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._hello.wait(10), "the stream did not say hello"

    def _run(self) -> None:
        while not self._stopping.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
                if self.last_event_id is not None:
                    headers["Last-Event-ID"] = self.last_event_id
                conn.request("GET", "/api/v1/stream", headers=headers)
                self._socket = conn.sock
                response = conn.getresponse()
                if response.status == 200:
                    self.connections += 1
                    self._read(response)
                else:
                    response.read()
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
            time.sleep(0.2)

    def _read(self, response) -> None:
        event: dict = {}
        for raw in response:             # de-chunked: nginx re-chunks as it reads
            line = raw.decode().rstrip("\n")
            if line:
                if not line.startswith(":"):
                    name, _, value = line.partition(": ")
                    event[name] = value
                continue
            if "id" in event:
                self.last_event_id = event["id"]
            if event.get("event") == "hello":
                self._hello.set()
            elif event.get("event") == "incident":
                self.incident_events.append(json.loads(event["data"]))
            event = {}

    def stop(self) -> None:
        self._stopping.set()
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError):
            pass
        self._thread.join(10)


# -- phones reporting ------------------------------------------------------------------------

@dataclass
class Report:
    key: str
    body: dict
    answers: list = field(default_factory=list)     # each attempt's status: 0 no answer, LOST
    feature: dict | None = None
    replayed: bool = False


def report_until_answered(port: int, token: str, report: Report, lose_first: bool, deadline: float) -> Report:
    """What a phone's outbox does: send, and on no answer or a 503 send the same request again
    with the same key, until it is answered."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Idempotency-Key": report.key, "Accept-Language": "en"}
    if lose_first:
        # the request goes out and is answered, and the answer is lost on the way back: the
        # phone never reads it (closing at once instead left it to chance whether the server
        # or the retry came first, and on a slow machine the retry did)
        request(port, "POST", "/api/v1/incidents", report.body, headers)
        report.answers.append(LOST)
    while time.monotonic() < deadline:
        status, answer_headers, body = request(port, "POST", "/api/v1/incidents", report.body, headers)
        report.answers.append(status)
        if status in (200, 201):
            report.feature = json.loads(body)
            report.replayed = answer_headers.get("Idempotent-Replayed") == "true"
            return report
        if status == 0:
            time.sleep(0.2)
            continue
        assert status == 503, (status, body[:500])
        assert answer_headers["Content-Type"] == "application/json", body[:500]
        # the database restarting, or (nginx's word) the server behind it
        assert json.loads(body)["code"] in ("DatabaseUnavailable", "ServiceUnavailable")
        time.sleep(float(answer_headers["Retry-After"]))
    raise AssertionError(f"report {report.key} was never answered: {report.answers}")


def reports_through(fault, city: City, server: Server, name: str) -> list[Report]:
    """REPORTS reports from POSTERS phones at once, with `fault` done when a third of them are
    in; returns them when every one is answered."""
    reports = [Report(f"{name}-{n}-{time.time_ns()}",
                      {"category": "environment", "point": list(city.points[n % len(city.points)]),
                       "description": f"fault {name} #{n}"})
               for n in range(REPORTS)]
    deadline = time.monotonic() + 60

    def send(n: int) -> Report:
        time.sleep(PACE)
        return report_until_answered(server.port, city.token, reports[n], n % LOSE_EVERY == 1, deadline)

    with ThreadPoolExecutor(POSTERS) as pool:
        futures = [pool.submit(send, n) for n in range(REPORTS)]
        wait_for(lambda: sum(f.done() for f in futures) >= REPORTS // 3, 30, "the first reports")
        if any(f.exception() for f in futures if f.done()):
            return [f.result() for f in futures]      # raises the first phone's failure
        fault()
        return [f.result() for f in futures]


def assert_stored_once_and_heard_once(city: City, listener: Listener, reports: list[Report]) -> None:
    ids = [r.feature["id"] for r in reports]
    assert len(set(ids)) == len(reports)                     # no two keys gave one incident
    stored = collections.Counter(description for (description,) in city.rows(
        "SELECT description FROM incident WHERE description = ANY(:d)",
        d=[r.body["description"] for r in reports]))
    assert stored == collections.Counter(r.body["description"] for r in reports)    # each once
    expected = sorted(seq for (seq,) in city.rows(
        "SELECT p.seq FROM stream_position p JOIN incident_event e ON e.id = p.event_id "
        "WHERE e.incident_id = ANY(:ids)", ids=ids))
    assert len(expected) >= len(reports)                     # a report event each, at least
    deadline = time.monotonic() + 15

    def heard() -> list[int]:
        return sorted(e["id"] for e in list(listener.incident_events) if e["incident"]["id"] in ids)
    while set(heard()) != set(expected) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)         # a duplicate would come with a replay, right behind
    assert heard() == expected


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


# -- the tests -------------------------------------------------------------------------------

def test_while_the_database_is_down_every_request_is_a_json_503_and_healthz_says_why(city, server):
    bearer = {"Authorization": f"Bearer {city.token}", "Accept-Language": "en"}
    server.warm(city.cluster.port())
    city.cluster.stop()
    try:
        asked = [("GET", "/api/v1/incidents", None, bearer),
                 ("POST", "/api/v1/incidents", {"category": "environment", "point": list(city.points[0])},
                  {**bearer, "Idempotency-Key": "while-down"}),
                 ("GET", "/api/v1/stream", None, bearer),
                 ("POST", "/api/v1/tokens", {"username": "fault_operator", "password": PASSWORD}, {}),
                 ("GET", "/ogcapi/collections/grids/items?limit=1", None, bearer)]
        for _ in range(2):      # the first finds a dead pooled connection, the next cannot connect
            for method, path, body, headers in asked:
                status, answer_headers, answer = request(server.port, method, path, body, headers)
                assert status == 503, (method, path, status, answer[:300])
                assert answer_headers["Content-Type"] == "application/json", (path, answer[:300])
                assert int(answer_headers["Retry-After"]) > 0
                assert json.loads(answer)["code"] == "DatabaseUnavailable"
        for _ in range(2):      # the first may meet a connection the stop cut
            status, answer_headers, answer = request(server.port, "GET", "/healthz",
                                                     headers={"Accept-Language": "en"})
            assert status == 503 and int(answer_headers["Retry-After"]) > 0
        why = json.loads(answer)
        assert why["database"] == "unreachable" and why["reason"] == "refused"
        assert "stopped, or restarting" in why["message"]
    finally:
        city.cluster.start()
    wait_for(lambda: request(server.port, "GET", "/healthz")[0] == 200, 10, "/healthz did not recover")
    wait_for(lambda: request(server.port, "GET", "/api/v1/incidents", headers=bearer)[0] == 200, 10,
             "the API did not recover")


def test_reports_retried_through_a_database_restart_are_stored_once_and_streamed_once(city, server):
    server.warm(city.cluster.port())
    port = city.cluster.port()
    listener = Listener(server.port, city.token)
    outages = []

    def restart_the_database():
        city.cluster.stop()
        time.sleep(1.5)         # phones keep trying meanwhile
        city.cluster.start()
        outages.append(city.cluster.port())
    try:
        reports = reports_through(restart_the_database, city, server, "database")
        assert_stored_once_and_heard_once(city, listener, reports)
    finally:
        listener.stop()
    assert outages == [port]                                  # it came back where it was
    assert listener.connections == 1         # the stream stayed open: its hub reconnected, caught up
    assert any(503 in r.answers for r in reports)              # the restart did fall among them
    assert any(r.replayed for r in reports)                    # lost answers were given again


def test_reports_retried_through_a_server_restart_are_stored_once_and_streamed_once(city, server):
    listener = Listener(server.port, city.token)

    def restart_the_server():
        server.stop()
        time.sleep(0.5)
        server.start()
    try:
        reports = reports_through(restart_the_server, city, server, "server")
        assert_stored_once_and_heard_once(city, listener, reports)
    finally:
        listener.stop()
    assert listener.connections >= 2                            # the stream did drop, and resumed
    # the restart did fall among them: nginx said so (503) while the servers stopped, or no
    # one answered while it stopped too
    assert any(0 in r.answers or 503 in r.answers for r in reports)
    assert any(r.replayed for r in reports)                    # lost answers were given again
