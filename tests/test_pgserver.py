"""The embedded PostGIS: initialises once, restarts on its own port, and recovers from a crash's
stale pid; an app finds it again wherever it restarted."""
import os
import shutil
import socket
import time

import psycopg
import pytest
from sqlalchemy import text

from app.config import ROOT
from app.pgserver import Cluster


@pytest.fixture(scope="module")
def private_cluster():
    # Under var/ of the checkout: pytest's own temp root is private to us, and the server may
    # run as the postgres user.
    directory = ROOT / "var" / f"test-cluster-{os.getpid()}"
    directory.mkdir(parents=True)
    cluster = Cluster(directory)
    yield cluster
    cluster.stop()
    shutil.rmtree(directory)


def test_start_initialises_a_cluster_with_postgis(private_cluster):
    private_cluster.start()
    assert private_cluster.running()
    private_cluster.ensure_database("gridmap")
    with psycopg.connect(private_cluster.url().replace("+psycopg", "")) as conn:
        assert conn.execute("SELECT postgis_lib_version()").fetchone()[0].startswith("3.")


def test_a_second_start_reuses_the_running_cluster(private_cluster):
    port = private_cluster.port()
    private_cluster.start()
    assert private_cluster.port() == port and private_cluster.running()


def test_a_stale_pid_file_left_by_a_crash_is_recovered(private_cluster):
    private_cluster.stop()
    assert not private_cluster.running()
    # What a crash and reboot leave behind: a pid file naming a process that is not postgres.
    (private_cluster.data_dir / "postmaster.pid").write_text(f"{os.getpid()}\n{private_cluster.data_dir}\n")
    private_cluster.start()
    assert private_cluster.running()


def _dsn(cluster: Cluster) -> str:
    return cluster.url().replace("+psycopg", "")


def test_a_restart_keeps_its_port_though_the_stop_left_connections_closing_on_it(private_cluster):
    # A stop closes its clients' connections from the server's side; they linger on the
    # port a while (TIME_WAIT, FIN_WAIT). PostgreSQL binds over them (SO_REUSEADDR); a
    # cluster that moved to another port instead left every running server knocking at the
    # old one.
    private_cluster.start()
    private_cluster.ensure_database("gridmap")
    port = private_cluster.port()
    clients = [psycopg.connect(_dsn(private_cluster)) for _ in range(3)]
    try:
        private_cluster.stop()
        private_cluster.start()
    finally:
        for client in clients:
            client.close()
    assert private_cluster.port() == port
    with psycopg.connect(_dsn(private_cluster)) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_an_app_finds_the_cluster_on_its_new_port_when_its_old_one_was_taken(private_cluster):
    from app import create_app, db
    from tests.conftest import TEST_SETTINGS
    private_cluster.start()
    private_cluster.ensure_database("gridmap")
    db.upgrade(private_cluster.url())          # the stream hub needs its tables
    app = create_app({"var_dir": private_cluster.var_dir, "database_url": None, **TEST_SETTINGS})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    from app.api import stream as stream_api
    hub = stream_api.hub(app)
    assert hub.listen(wait=True)
    old = private_cluster.port()
    private_cluster.stop()
    with socket.socket() as squatter:      # another server took the port meanwhile
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", old))
        squatter.listen()
        private_cluster.start()
    new = private_cluster.port()
    assert new != old
    try:
        # the first request may meet a pooled connection that died with the old server
        answers = [client.get("/healthz").status_code for _ in range(3)]
        assert answers[-1] == 200, answers
        with app.app_context():
            assert f"127.0.0.1:{new}/" in db.url()
        # and the stream hub, which holds its own connection, found it there too
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with app.app_context():
                found = db.session().execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gridmap-stream-hub'")).scalar()
                db.session().rollback()
            if found:
                break
            time.sleep(0.2)
        assert found == 1 and hub.listening
    finally:
        hub.stop()
        with app.app_context():
            db.engine().dispose()
