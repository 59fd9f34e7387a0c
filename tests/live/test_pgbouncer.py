"""Behind pgbouncer in transaction pooling: the suite's stream test (tests/live/test_stream.py)
runs again here, whole, with the app's every statement going through a real pgbouncer
(Debian's package, which `make test` installs) as DATABASE_URL names it, and the stream's
listener, with the sequencer's lock, on a session of its own on PostgreSQL itself
(DATABASE_LISTEN_URL). A pooler in transaction mode gives each transaction whichever server
session is free: a LISTEN through it hears nothing, and a session's lock stays with a session
another client then uses."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from app import create_app, db
from app.config import ReplicaRules
from tests.conftest import TEST_SETTINGS, BufferedClient, free_port, serve
from tests.live.sse import EventStream
from tests.live.test_stream import *  # noqa: F401,F403 (the stream's tests, collected again here)

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"

pytestmark = pytest.mark.skipif(not os.access(PGBOUNCER, os.X_OK),
                                reason="pgbouncer is installed by `make test` (Debian's package pgbouncer)")


class Pgbouncer:
    """pgbouncer on a loopback port in front of the database at `url`, pooling by transaction,
    as a deployment would run it. Started as root it runs as `postgres` (it refuses root)."""

    def __init__(self, url: str):
        self.target = make_url(url)
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="gridmap-pgbouncer-"))
        self.folder.chmod(0o755)          # for the `postgres` user it switches to
        user, password = self.target.username, self.target.password
        (self.folder / "userlist.txt").write_text(f'"{user}" "{password}"\n')
        (self.folder / "pgbouncer.ini").write_text("\n".join([
            "[databases]",
            f"* = host={self.target.host} port={self.target.port}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {self.port}",
            "unix_socket_dir =",
            "auth_type = scram-sha-256",
            f"auth_file = {self.folder / 'userlist.txt'}",
            f"admin_users = {user}",
            "pool_mode = transaction",
            "max_client_conn = 1000",
            "default_pool_size = 20",
            "ignore_startup_parameters = extra_float_digits",
            *(["user = postgres"] if os.geteuid() == 0 else []),
            ""]))
        for path in self.folder.iterdir():
            path.chmod(0o644)
        self.process = subprocess.Popen([PGBOUNCER, str(self.folder / "pgbouncer.ini")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.admin("SHOW VERSION")
                break
            except psycopg.OperationalError:
                assert self.process.poll() is None, self.process.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "pgbouncer did not answer in 10 s"
                time.sleep(0.1)

    @property
    def url(self) -> str:
        return self.target.set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def admin(self, command: str) -> list[dict]:
        """pgbouncer's own console (SHOW CLIENTS, SHOW STATS…), as rows."""
        conninfo = self.target.set(drivername="postgresql", host="127.0.0.1", port=self.port,
                                   database="pgbouncer").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True, prepare_threshold=None) as conn:
            cursor = conn.execute(command)
            names = [c.name for c in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def pgbouncer(database_url):
    bouncer = Pgbouncer(database_url)
    yield bouncer
    bouncer.stop()


@pytest.fixture(scope="module")
def pooled_app(pgbouncer, database_url, app):
    """The app as a deployment behind pgbouncer configures it (`app`: the city is loaded)."""
    pooled = create_app({"DATABASE_URL": pgbouncer.url, "database_listen_url": database_url, **TEST_SETTINGS})
    pooled.config.update(TESTING=True)
    pooled.test_client_class = BufferedClient
    return pooled


# -- test_stream.py's fixtures, through pgbouncer ---------------------------------------------

@pytest.fixture(scope="module")
def live_server(pooled_app):
    yield from serve(pooled_app)


@pytest.fixture()
def client(pooled_app):
    return pooled_app.test_client()


@pytest.fixture()
def session(pooled_app):
    with pooled_app.app_context():
        yield db.session()


# -- and what shows it went through --------------------------------------------------------------

def test_requests_go_through_pgbouncer_and_the_listener_straight_to_postgresql(
        pgbouncer, live_server, client, users, auth, session):
    from app.services.live import stream
    before = _transactions(pgbouncer)
    assert client.get("/api/v1/categories", headers=auth("operator")).status_code == 200
    watching = EventStream(live_server, users["operator"]["token"])
    try:
        assert _transactions(pgbouncer) > before
        # the listener (the sequencer among the listeners) is not one of pgbouncer's clients
        assert "gridmap-stream-hub" not in {c.get("application_name") for c in pgbouncer.admin("SHOW CLIENTS")}
        sequencers = session.execute(text("""
            SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND a.datname = current_database()
              AND (l.classid::bigint << 32 | l.objid::bigint) = :key
              AND a.application_name = 'gridmap-stream-hub'"""), {"key": stream.SEQUENCER_LOCK}).scalar_one()
        session.commit()
        assert sequencers == 1
    finally:
        watching.close()


def test_a_replica_named_through_pgbouncer_prepares_no_statements_as_the_primary_does(pgbouncer, database_url, app):
    """A deployment behind a pooler reaches its replica through one too: the replica's
    connections follow the primary's rule (DATABASE_LISTEN_URL set: nothing prepared). Here
    DATABASE_REPLICA_URL names the primary itself through pgbouncer, which is no replica: the app
    sees a database that does not follow it, and the primary answers the reads."""
    replica_url = f"{pgbouncer.url}?application_name=the-replica"
    opened = []

    @event.listens_for(Engine, "connect")
    def _opened(dbapi_connection, _record):
        if dbapi_connection.info.port == pgbouncer.port:        # not the other apps' in this process
            opened.append((dbapi_connection.info.get_parameters().get("application_name"),
                           dbapi_connection.prepare_threshold))
    try:
        pooled = create_app({"DATABASE_URL": pgbouncer.url, "database_listen_url": database_url,
                             "replica": ReplicaRules(url=replica_url), **TEST_SETTINGS})
        health = pooled.test_client().get("/healthz", headers={"Accept-Language": "en"})
    finally:
        event.remove(Engine, "connect", _opened)
    assert health.status_code == 200
    replica = health.get_json()["replica"]
    assert replica["state"] == "not_following" and replica["reads"] == "primary"
    on_replica = [threshold for name, threshold in opened if name == "the-replica"]
    assert on_replica and set(on_replica) == {None}
    assert {threshold for name, threshold in opened if name != "the-replica"} == {None}      # the primary's


def _transactions(bouncer: Pgbouncer) -> int:
    database = bouncer.target.database
    return sum(row["total_xact_count"] for row in bouncer.admin("SHOW STATS") if row["database"] == database)
