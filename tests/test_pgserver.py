"""The embedded PostGIS: initialises once, restarts, and recovers from a crash's stale pid."""
import os
import shutil

import psycopg
import pytest

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
