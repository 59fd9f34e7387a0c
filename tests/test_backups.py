"""Backups of the embedded cluster: `flask db-server backup` takes a base backup, WAL is
archived beside it, and `flask db-server restore --to TIME|latest` brings back any moment since.

Everything is real: a private cluster under var/, pg_basebackup, the archive_command
PostgreSQL runs, a point-in-time recovery.
"""
import os
import shutil
import signal
import stat
import time
from datetime import date, datetime, timezone

import psycopg
import pytest
from sqlalchemy import text

from app import create_app, db
from app.config import ROOT, BackupRules
from app.messages import say
from app.pgserver import Cluster
from app.services.incidents import loop
from tests.conftest import TEST_SETTINGS

README = (ROOT / "README.md").read_text()


@pytest.fixture(scope="module")
def city():
    """A private cluster holding a small synthetic city, and an app that uses it as its
    embedded database. The backup folder's name has quotes, a dollar and a percent sign: the
    archive and restore commands must quote it for the shell and for PostgreSQL."""
    directory = ROOT / "var" / f"test-backups-{os.getpid()}"
    directory.mkdir(parents=True)
    app = create_app({"var_dir": directory, "database_url": None, **TEST_SETTINGS,
                      "backups": BackupRules(directory=directory / 'backups of "the" city\'s $PWD, 100%f')})
    cluster = db.embedded_cluster(app.config["GRIDMAP"])
    try:
        cluster.start()
        db.upgrade(cluster.ensure_database("gridmap"))
        for args in (["import", "categories"], ["generate", "city", "--preset", "zhenxing"]):
            result = app.test_cli_runner().invoke(args=args)
            assert result.exit_code == 0, result.output
        yield app, cluster
    finally:
        with app.app_context():
            db.engine().dispose()
        cluster.stop()
        for restored in directory.glob("restored-*"):
            Cluster(restored).stop()
        shutil.rmtree(directory)


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=["db-server", *args])
    return result.exit_code, result.output


def report(app, note: str, n: int = 3) -> list[int]:
    """Files n incidents through the loop (each with its events and audit rows); their ids."""
    with app.app_context():
        session = db.session()
        lon, lat = session.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM grid "
            "WHERE valid_to IS NULL ORDER BY code LIMIT 1) g")).one()
        ids = [loop.report(session, loop.Report("environment", lon, lat, f"{note} {i}"),
                           loop.Participant.system(), app.config["GRIDMAP"].incidents,
                           datetime.now(timezone.utc)).id for i in range(n)]
        session.commit()
    return ids


def record(dsn: str) -> dict:
    """What the city's record holds: incidents, their events and the audit rows about them."""
    with psycopg.connect(dsn) as conn:
        return {
            "incidents": {r[0] for r in conn.execute("SELECT id FROM incident")},
            "events": set(conn.execute("SELECT id, incident_id, action FROM incident_event")),
            "audit": set(conn.execute(
                "SELECT id, action, entity_id FROM audit_log WHERE entity = 'incident'")),
        }


def dsn(cluster: Cluster) -> str:
    return cluster.url().replace("+psycopg", "")


def switch_wal(cluster: Cluster) -> None:
    with psycopg.connect(dsn(cluster), autocommit=True) as conn:
        conn.execute("SELECT pg_switch_wal()")


def test_a_restore_to_a_moment_brings_back_exactly_what_was_written_before_it(city):
    app, cluster = city
    first = report(app, "before the base backup")
    code, output = cli(app, "backup")
    assert code == 0, output
    second = report(app, "after the base backup")
    switch_wal(cluster)                     # what follows lies in WAL files of its own
    time.sleep(1)
    moment = datetime.now(timezone.utc)
    at_the_moment = record(dsn(cluster))
    time.sleep(1)
    third = report(app, "after the moment")
    with app.app_context():                 # and a later step in an earlier incident's history
        loop.act(db.session(), first[0], "comment", loop.Participant.system(),
                 datetime.now(timezone.utc), note="after the moment too")
        db.session().commit()

    into = cluster.var_dir / "restored-to-a-moment"
    started = time.monotonic()
    code, output = cli(app, "restore", "--to", moment.isoformat(), "--into", str(into))
    assert code == 0, output
    assert time.monotonic() - started < 30
    restored = Cluster(into)
    assert restored.running() and cluster.running()         # beside the live one, which runs on
    back = record(dsn(restored))

    assert back == at_the_moment
    assert back["incidents"] == set(first) | set(second)
    assert {e[2] for e in back["events"]} == {"report", "assign"}
    assert {(a[1], int(a[2])) for a in back["audit"]} == {("INSERT", i) for i in first + second}
    assert record(dsn(cluster))["incidents"] == set(first + second + third)
    # out of recovery: it takes writes, and its next start will not try to recover again
    with psycopg.connect(dsn(restored), autocommit=True) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (False,)
        conn.execute("CREATE TABLE written_after_the_restore (x int)")
        assert conn.execute("SELECT name FROM pg_file_settings WHERE name ~ '^(recovery|restore)_'"
                            ).fetchall() == []
    restored.stop()


def test_nothing_in_the_backups_is_readable_by_anyone_but_the_server(city):
    app, cluster = city
    code, output = cli(app, "backup")
    assert code == 0, output
    report(app, "archived")
    cluster.archive_now()
    store = cluster.backups
    assert list(store.wal_dir.glob("*.gz")) and store.base_backups()
    owner = os.stat(cluster.data_dir).st_uid               # the server's OS user
    for path in [store.directory, *store.directory.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
        assert path.stat().st_uid == owner, path


def test_a_backup_reports_its_progress_as_it_goes(city):
    _, cluster = city
    heard = []
    cluster.backup(keep=7, progress=heard.append)
    assert heard and heard == sorted(heard) and heard[-1] == 100


def segment(wal_file: str) -> int:
    """A WAL file's place in the sequence, whatever its timeline (16 MB segments)."""
    return int(wal_file[8:16], 16) * 0x100 + int(wal_file[16:24], 16)


def test_a_backup_keeps_the_newest_n_and_every_wal_file_since_the_oldest_of_them(city):
    app, cluster = city
    for _ in range(3):
        report(app, "between backups", 1)
        code, output = cli(app, "backup", "--keep", "2")
        assert code == 0, output
    cluster.archive_now()
    kept = cluster.backups.base_backups()
    assert len(kept) == 2
    archived = sorted(segment(p.name) for p in cluster.backups.wal_dir.glob("*.gz")
                      if len(p.name) == len("000000010000000000000001.gz"))
    assert archived == list(range(segment(kept[0].start_wal), archived[-1] + 1))


def test_the_archive_never_overwrites_a_file_it_holds_with_other_content(city):
    app, cluster = city
    cli(app, "backup")
    with psycopg.connect(dsn(cluster), autocommit=True) as conn:
        conn.execute("SELECT pg_current_xact_id()")
        next_wal = conn.execute("SELECT pg_walfile_name(pg_current_wal_insert_lsn())").fetchone()[0]
        failed = conn.execute("SELECT failed_count FROM pg_stat_archiver").fetchone()[0]
        squatter = cluster.backups.wal_dir / f"{next_wal}.gz"
        squatter.write_bytes(b"not this segment")
        conn.execute("SELECT pg_switch_wal()")
        deadline = time.monotonic() + 20
        while conn.execute("SELECT failed_count FROM pg_stat_archiver").fetchone()[0] == failed:
            assert time.monotonic() < deadline, "the archiver never tried"
            time.sleep(0.1)
        assert conn.execute("SELECT last_failed_wal FROM pg_stat_archiver").fetchone() == (next_wal,)
    assert squatter.read_bytes() == b"not this segment"
    squatter.unlink()                       # once it is gone, archiving goes on
    cluster.archive_now()
    assert squatter.stat().st_size > len(b"not this segment")


def crash(cluster: Cluster) -> None:
    """PostgreSQL's immediate shutdown, as a crash: no final checkpoint, and the WAL file being
    written is not closed and archived as a clean stop would."""
    pid = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGQUIT)
    deadline = time.monotonic() + 30
    while os.path.exists(f"/proc/{pid}") or cluster.running():
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_an_in_place_restore_needs_the_cluster_stopped_and_loses_nothing_it_wrote(city):
    app, cluster = city
    code, output = cli(app, "backup")
    assert code == 0, output
    code, output = cli(app, "restore", "--to", "latest")
    assert code != 0 and "flask db-server stop" in output and "--into" in output
    last = report(app, "written last, not archived when the server died")
    with psycopg.connect(dsn(cluster)) as conn:
        unarchived = conn.execute("SELECT pg_walfile_name(pg_current_wal_insert_lsn())").fetchone()[0]
    with app.app_context():
        db.engine().dispose()
    crash(cluster)
    assert not (cluster.backups.wal_dir / f"{unarchived}.gz").exists()
    # a moment after the last commit cannot be told apart from one not reached: refused, and
    # everything is left as it was
    code, output = cli(app, "restore", "--to", datetime.now(timezone.utc).isoformat())
    assert code != 0 and "--to latest" in output, output
    assert not list(cluster.var_dir.glob("pgdata.replaced-*")) and not cluster.running()
    code, output = cli(app, "restore", "--to", "latest")
    assert code == 0, output
    assert cluster.running()
    assert set(last) <= record(dsn(cluster))["incidents"]
    replaced = list(cluster.var_dir.glob("pgdata.replaced-*"))
    assert len(replaced) == 1 and (replaced[0] / "PG_VERSION").exists()     # moved aside, not deleted
    # it archives on into the same place, on a timeline of its own
    assert not cluster.archive_now().startswith("00000001")


def test_healthz_shows_the_last_base_backups_age_and_the_archives_lag(city):
    app, cluster = city
    cli(app, "backup")
    cluster.archive_now()
    # next year's working days entered (tests/test_health.py): no calendar warning whatever today is
    result = app.test_cli_runner().invoke(args=["calendar", "set", f"{date.today().year + 1}-01-01", "--rest",
                                                "--note", "test"])
    assert result.exit_code == 0, result.output
    body = app.test_client().get("/healthz", headers={"Accept-Language": "en"}).get_json()
    backup = body["backup"]
    assert backup["last_base_backup"]["age_hours"] < 0.1
    assert backup["archive"]["mode"] == "on" and backup["archive"]["lag_seconds"] == 0
    assert backup["warnings"] == [] and body["status"] == "ok"

    strict = create_app({**app.config["GRIDMAP"].__dict__, "backups": BackupRules(
        directory=cluster.backups.directory, warn_backup_age_hours=0, warn_archive_lag_minutes=0)})
    body = strict.test_client().get("/healthz", headers={"Accept-Language": "en"}).get_json()
    assert body["status"] == "warning"
    assert [w["code"] for w in body["backup"]["warnings"]] == ["backup.old"]
    with strict.app_context():
        db.engine().dispose()


def test_backup_refuses_a_database_named_by_database_url_and_says_what_to_use_instead():
    app = create_app({"DATABASE_URL": "postgresql+psycopg://nobody:x@127.0.0.1:1/none", **TEST_SETTINGS})
    for command in (["backup"], ["restore", "--to", "latest"]):
        code, output = cli(app, *command)
        assert code != 0 and say("backup.external", "en") in output
    assert say("backup.external", "en") in " ".join(README.split())        # the README says the same
