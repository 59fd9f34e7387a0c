"""The embedded PostGIS: a private PostgreSQL cluster under var/pgdata.

It exists so that `make run` needs no database administrator. It listens on 127.0.0.1 only,
on a free port recorded in var/pgport (kept across restarts while nothing else takes it), with
a generated password kept in var/pgpassword.
PostgreSQL refuses to run as root, so when we are root the server runs as the `postgres`
OS user, which then owns the data directory.
It archives its WAL once it has a base backup, and a restore brings it back to any moment
since the oldest one (app/backups.py says where they lie).
"""
from __future__ import annotations

import glob
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .backups import ARCHIVING_MARKER, BackupStore, BaseBackup, conf_value

SUPERUSER = "gridmap"
DEMO_DATABASE = "gridmap"


class PgServerError(RuntimeError):
    """Something a person must fix (a missing package, a permission): the message says what."""


MISSING_BINARIES = (
    "PostgreSQL 15 with PostGIS 3 is not installed, and Gridmap cannot install it without root.\n"
    "Install the Debian packages `postgresql-15` and `postgresql-15-postgis-3` "
    "(sudo apt-get install postgresql-15 postgresql-15-postgis-3), then run `make run` again; "
    "or point Gridmap at an existing PostGIS database with "
    "DATABASE_URL=postgresql+psycopg://user:password@host:5432/dbname."
)


@dataclass(frozen=True)
class Cluster:
    var_dir: Path
    backup_dir: Path | None = None      # None: var/backups
    # while anything is written, a WAL file goes to the archive at least this often: what a
    # lost disk loses at most since the last one
    archive_timeout: int = 300

    def __post_init__(self):
        # the server is started from another working directory, as another user
        object.__setattr__(self, "var_dir", Path(self.var_dir).resolve())

    @property
    def backups(self) -> BackupStore:
        return BackupStore(self.backup_dir or self.var_dir / "backups")

    @property
    def data_dir(self) -> Path:
        return self.var_dir / "pgdata"

    @property
    def socket_dir(self) -> Path:
        return self.var_dir / "pgrun"

    @property
    def log_file(self) -> Path:
        return self.var_dir / "postgres.log"

    @property
    def port_file(self) -> Path:
        return self.var_dir / "pgport"

    @property
    def password_file(self) -> Path:
        return self.var_dir / "pgpassword"

    @property
    def stopped_file(self) -> Path:
        """There while the cluster is stopped on purpose (stop(on_purpose=True)), until it
        starts again: a replica down without it went down by itself, and the app warns of
        that one, not of one an operator stopped."""
        return self.var_dir / "stopped"

    # -- facts -------------------------------------------------------------------------
    def port(self) -> int | None:
        try:
            return int(self.port_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def password(self) -> str:
        return self.password_file.read_text().strip()

    def url(self, database: str = DEMO_DATABASE) -> str:
        port = self.port()
        if port is None:
            raise PgServerError("The embedded database has not been started: run `flask db-server start`.")
        return f"postgresql+psycopg://{SUPERUSER}:{self.password()}@127.0.0.1:{port}/{database}"

    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def stopped_on_purpose(self) -> bool:
        return self.stopped_file.exists()

    def running(self) -> bool:
        port = self.port()
        if port is None or not self.initialised():
            return False
        result = subprocess.run(
            [str(_bin("pg_isready")), "-q", "-h", "127.0.0.1", "-p", str(port)],
            capture_output=True,
        )
        return result.returncode == 0

    # -- actions -----------------------------------------------------------------------
    def start(self) -> None:
        """Initialise once, then start; a no-op when already running."""
        if self.running():
            self.stopped_file.unlink(missing_ok=True)
            return
        self.var_dir.mkdir(parents=True, exist_ok=True)
        if not self.initialised():
            self._initdb()
        self._remove_stale_pid()
        port = self.port()
        if port is None or not _port_free(port):
            port = _free_port()
            self.port_file.write_text(f"{port}\n")
        self.socket_dir.mkdir(exist_ok=True)
        _chown_to_server_user(self.socket_dir)
        self.log_file.touch()
        _chown_to_server_user(self.log_file)
        # pg_ctl hands these to /bin/sh: each one is quoted
        options = " ".join(shlex.quote(option) for option in [
            "-p", str(port), "-c", "listen_addresses=127.0.0.1", "-k", str(self.socket_dir),
            "-c", "archive_mode=on", "-c", f"archive_command={self.backups.archive_command()}",
            "-c", f"archive_timeout={self.archive_timeout}"])
        _run_as_server_user(
            [str(_bin("pg_ctl")), "-D", str(self.data_dir), "-l", str(self.log_file),
             "-o", options, "-w", "-t", "60", "start"],
            what="start the embedded PostgreSQL (see var/postgres.log)",
        )
        self.stopped_file.unlink(missing_ok=True)

    def stop(self, on_purpose: bool = False) -> bool:
        """Stops the server; whether it was running. `on_purpose`: it stays stopped until it
        is started (stopped_file), however it was when asked."""
        if not self.initialised():
            return False
        if on_purpose:
            # before the server goes: its readers see it stopped, not failing under them
            self.stopped_file.write_text("Stopped on purpose; removed when the cluster starts (app/pgserver.py).\n")
        status = subprocess.run(
            _as_server_user([str(_bin("pg_ctl")), "-D", str(self.data_dir), "status"]),
            capture_output=True,
        )
        if status.returncode != 0:
            return False
        _run_as_server_user(
            [str(_bin("pg_ctl")), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
            what="stop the embedded PostgreSQL",
        )
        return True

    def ensure_database(self, name: str) -> str:
        """Create the database with PostGIS when it is missing; return its URL."""
        import psycopg

        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(self._conninfo(name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # -- backups (app/backups.py) --------------------------------------------------------
    def archiving_problem(self) -> str | None:
        """Why the running server does not archive its WAL into its backup directory, if it
        does not: archive settings take effect only when the server starts."""
        import psycopg

        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as conn:
            mode = conn.execute("SHOW archive_mode").fetchone()[0]
            command = conn.execute("SHOW archive_command").fetchone()[0]
        restart = ("It takes effect when the cluster restarts: stop the app's servers, then "
                   "`flask db-server stop` and `flask db-server start`.")
        if mode == "off":
            return ("WAL archiving is off: the cluster was started before archiving was configured. "
                    + restart)
        if command != self.backups.archive_command():
            return f"The cluster archives its WAL elsewhere than {self.backups.wal_dir}. " + restart
        return None

    def backup(self, keep: int, progress: Callable[[int], None] | None = None) -> BaseBackup:
        """A base backup of the running cluster into its backup directory, then only the newest
        `keep` and the WAL they need are kept. `progress` hears the percentage done."""
        if keep < 1:
            raise PgServerError("Keep at least one base backup: the retention setting is below 1.")
        if not self.running():
            raise PgServerError("The embedded database is not running, and a base backup is taken "
                                "from the running server: start it (`flask db-server start`) first.")
        store = self.backups
        for folder in (store.directory, store.base_dir, store.wal_dir):
            _private_folder(folder)
        # before the backup begins, so the archive holds every WAL file from its start on
        marker = self.data_dir / ARCHIVING_MARKER
        if not marker.exists():
            _private_file(marker, "While this file is here, finished WAL files are archived "
                                  "(app/backups.py).\n")
        partial = store.base_dir / f".partial-{os.getpid()}"
        started = datetime.now(timezone.utc)
        try:
            self._base_backup(partial, progress)
            facts = store.describe(partial, started, datetime.now(timezone.utc))
            final = store.new_base_path(started)
            _private_file(partial / "pgpassword", self.password() + "\n")
            _private_file(partial / "backup.json", json.dumps(facts, indent=2) + "\n")
            partial.rename(final)
        finally:
            if partial.exists():
                shutil.rmtree(partial)
        kept = store.base_backups()[-keep:]
        for old in store.base_backups()[:-keep]:
            shutil.rmtree(old.path)
        _run_as_server_user(
            [str(_bin("pg_archivecleanup")), "-x", ".gz", str(store.wal_dir), kept[0].start_wal],
            what="remove the WAL older than the oldest base backup kept")
        return next(b for b in kept if b.path == final)

    def _base_backup(self, target: Path, progress: Callable[[int], None] | None) -> None:
        self._pg_basebackup(
            [SUPERUSER, "-D", str(target), "--format=tar", "--compress=gzip:1", "--label", "gridmap backup"],
            self.password(), progress, "take a base backup")

    def _pg_basebackup(self, arguments: list[str], password: str,
                       progress: Callable[[int], None] | None, what: str) -> None:
        """pg_basebackup from this cluster as the user arguments[0] (with the rest after it),
        the WAL streamed beside the copy; `progress` hears the percentage done."""
        command = _as_server_user([
            str(_bin("pg_basebackup")), "-h", "127.0.0.1", "-p", str(self.port()), "-U", arguments[0],
            "--no-password", *arguments[1:], "--wal-method=stream", "--checkpoint=fast", "--progress"])
        said, pending = b"", b""
        with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env=dict(os.environ, PGPASSWORD=password)
                              ) as process:
            while chunk := process.stderr.read1(4096):
                said += chunk
                *lines, pending = re.split(rb"[\r\n]", pending + chunk)
                for line in lines:
                    done = _PROGRESS.search(line)
                    if done and progress:
                        progress(int(done.group(1)))
        if process.returncode != 0:
            raise PgServerError(f"Could not {what}:\n{said.decode(errors='replace').strip()}")

    def archive_now(self, timeout: float = 60) -> str:
        """Closes the current WAL file, with a commit stamped now in it, and waits until the
        file is in the archive. Recovery to a moment stops at the first commit after it, and
        fails if it never meets one: any moment until now can then be restored."""
        import psycopg

        problem = self.archiving_problem()
        if problem:
            raise PgServerError(problem)
        if not (self.data_dir / ARCHIVING_MARKER).exists():
            raise PgServerError("Nothing is archived before the first base backup: "
                                "run `flask db-server backup`.")
        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as conn:
            conn.execute("SELECT pg_current_xact_id()")
            wal = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
        archived = self.backups.wal_dir / f"{wal}.gz"
        waiting = self.data_dir / "pg_wal" / "archive_status" / f"{wal}.ready"
        deadline = time.monotonic() + timeout
        while waiting.exists() or not archived.exists():
            if time.monotonic() > deadline:
                raise PgServerError(f"WAL file {wal} did not reach {self.backups.wal_dir} within "
                                    f"{timeout:.0f} s: {self.log_file} says why.")
            time.sleep(0.1)
        return wal

    def restore(self, moment: datetime | None, into: "Cluster | None" = None,
                timeout: float = 3600) -> "Restored":
        """Brings the cluster back from its backups as it was at `moment` (None: as late as the
        archive reaches) and starts it. Into `into`, a new directory, leaving this one running;
        or in its own place, only while it is stopped, moving the data directory it replaces
        aside (never deleting it)."""
        store = self.backups
        now = datetime.now(timezone.utc)
        if moment is not None and moment > now:
            raise PgServerError(f"{moment.isoformat(' ', 'seconds')} has not happened yet.")
        base = store.for_moment(moment)
        if base is None:
            backups = store.base_backups()
            if not backups:
                raise PgServerError(f"There is no base backup in {store.base_dir}: nothing to restore.")
            oldest = backups[0].finished_at.isoformat(" ", "seconds")
            raise PgServerError(f"The oldest base backup finished at {oldest}: nothing earlier can be restored.")
        if into is None and self.running():
            raise PgServerError(
                "The embedded database is running, and a restore in its place needs it stopped. Stop "
                "the app's servers, then the database (`flask db-server stop`), and run the restore "
                "again; or restore beside it with --into DIR, which leaves it running.")
        if into is not None and (into.data_dir.exists() and any(into.data_dir.iterdir())):
            raise PgServerError(f"{into.data_dir} already holds a cluster: restore into a new directory.")
        if (into is not None and self.running() and (self.data_dir / ARCHIVING_MARKER).exists()
                and self.archiving_problem() is None):
            self.archive_now()
        target = into or self
        target.var_dir.mkdir(parents=True, exist_ok=True)
        replaced, password = None, None
        if into is None and self.data_dir.exists():
            replaced = self.var_dir / f"pgdata.replaced-{now:%Y%m%dT%H%M%SZ}"
            self.data_dir.rename(replaced)
            password = self.password_file.read_text() if self.password_file.exists() else None
        log_from = target.log_file.stat().st_size if target.log_file.exists() else 0
        try:
            target._unpack(base, replaced)
            target._prepare_recovery(moment, store)
            if into is not None:
                # a copy has no base backup of its own yet: its WAL would pile up for nothing
                (target.data_dir / ARCHIVING_MARKER).unlink(missing_ok=True)
            # the restored cluster answers to the password it had when it was backed up
            _private_file(target.password_file, (base.path / "pgpassword").read_text(), ours=True)
            try:
                target.start()
            except PgServerError as error:
                raise PgServerError(target._why_recovery_stopped(moment, log_from, str(error))) from None
            target._wait_until_promoted(moment, timeout, log_from)
        except BaseException:
            try:
                target.stop()
            except PgServerError:
                pass                # what went wrong first is what to report
            shutil.rmtree(target.data_dir, ignore_errors=True)
            if replaced is not None:
                replaced.rename(self.data_dir)
                if password is not None:
                    _private_file(self.password_file, password, ours=True)
            raise
        return Restored(target, base, replaced)

    def _unpack(self, base: BaseBackup, replaced: Path | None) -> None:
        _private_folder(self.data_dir)
        wal = self.data_dir / "pg_wal"
        for archive, folder in (("base.tar.gz", self.data_dir), ("pg_wal.tar.gz", wal)):
            _run_as_server_user(["tar", "-xzf", str(base.path / archive), "-C", str(folder)],
                                what=f"unpack {archive} of base backup {base.name}")
        if replaced is not None:
            # what the replaced cluster wrote last and had not yet archived when it stopped
            for segment in (replaced / "pg_wal").iterdir():
                if _WAL_FILE.fullmatch(segment.name) and not (wal / segment.name).exists():
                    shutil.copy2(segment, wal / segment.name)
                    _chown_to_server_user(wal / segment.name)

    def _prepare_recovery(self, moment: datetime | None, store: BackupStore) -> None:
        settings = {"restore_command": store.restore_command(), "recovery_target_action": "promote"}
        if moment is not None:
            settings["recovery_target_time"] = moment.isoformat()
        with open(self.data_dir / "postgresql.auto.conf", "a") as conf:
            conf.write("# for the restore (app/pgserver.py), reset once it is done\n")
            conf.writelines(f"{name} = {conf_value(value)}\n" for name, value in settings.items())
        _private_file(self.data_dir / "recovery.signal", "")

    def _wait_until_promoted(self, moment: datetime | None, timeout: float, log_from: int) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self._conninfo("postgres"), autocommit=True, connect_timeout=5) as conn:
                    if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                        # promoted, they do nothing more; gone from the file, they are gone at
                        # the next start (a reload would only complain they need one)
                        for name in _RECOVERY_SETTINGS:
                            conn.execute(f"ALTER SYSTEM RESET {name}")
                        return
            except psycopg.OperationalError:
                if not self._server_alive():
                    raise PgServerError(self._why_recovery_stopped(moment, log_from)) from None
            if time.monotonic() > deadline:
                raise PgServerError(f"The restored cluster was still replaying WAL after {timeout:.0f} s "
                                    f"(see {self.log_file}); it has been stopped.")
            time.sleep(0.2)

    def _server_alive(self) -> bool:
        return subprocess.run(_as_server_user([str(_bin("pg_ctl")), "-D", str(self.data_dir), "status"]),
                              capture_output=True).returncode == 0

    def _why_recovery_stopped(self, moment: datetime | None, log_from: int,
                              fallback: str = "") -> str:
        with open(self.log_file, "rb") as log:
            log.seek(log_from)
            said = log.read().decode(errors="replace")
        if moment is not None and "recovery ended before configured recovery target was reached" in said:
            return (f"Nothing was committed after {moment.isoformat(' ', 'seconds')}, so recovery cannot tell it "
                    "has reached that moment. Nothing was changed: restore with --to latest, which "
                    "brings back everything there is.")
        errors = [line for line in said.splitlines() if "FATAL" in line or "PANIC" in line]
        return ("The restored cluster did not start; nothing was changed:\n"
                + "\n".join(errors[-5:] or [fallback] + said.splitlines()[-10:]))

    # -- the streaming replica (flask db-server replica) ----------------------------------
    @property
    def replication_password_file(self) -> Path:
        return self.var_dir / "pgreplication"

    def replica(self) -> "Cluster":
        """This cluster's streaming replica, beside it under var/replica: a cluster like this
        one (its own pgdata, pgport, pgpassword and log), made by start_replica."""
        return Cluster(self.var_dir / "replica", archive_timeout=self.archive_timeout)

    def is_replica(self) -> bool:
        """Whether this cluster follows a primary (until it is promoted, if ever)."""
        return (self.data_dir / "standby.signal").exists()

    def start_replica(self, progress: Callable[[int], None] | None = None) -> "Cluster":
        """Starts this running cluster's streaming replica, made first when there is none: the
        primary is readied (a replication role, a slot that keeps the WAL the replica has not
        yet received, a pg_hba.conf line letting the role in from 127.0.0.1: each only when
        missing), copied with pg_basebackup, and the copy started on a free port, following
        the primary's WAL as it is written. A no-op for a replica that runs already."""
        if not self.running():
            raise PgServerError("The embedded database is not running, and the replica is copied from the "
                                "running server: start it (`flask db-server start`) first.")
        replica = self.replica()
        self._ready_for_replication()
        if replica.initialised():
            if not replica.is_replica():
                raise PgServerError(f"{replica.data_dir} holds a cluster that no longer follows this one (it "
                                    "was promoted): move it away, then start the replica again.")
            replica.start()
            replica._follow(self)
            return replica
        self._copy_into(replica, progress)
        replica.start()
        return replica

    def stop_replica(self, remove: bool = False) -> None:
        """Stops the replica, on purpose: the app reads from the primary, and neither warns of
        it nor tries it again, until it is started. `remove`: also deletes it and drops its
        slot, without which the primary keeps every WAL file the stopped replica has not
        received."""
        replica = self.replica()
        if remove and replica.initialised() and not self.running():
            raise PgServerError("The embedded database is not running, and the replica's slot is dropped "
                                "there: start it (`flask db-server start`) first.")
        replica.stop(on_purpose=True)
        if not remove:
            return
        if self.running():
            import psycopg

            with psycopg.connect(self._conninfo("postgres"), autocommit=True) as conn:
                conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                             "WHERE slot_name = %s", (REPLICATION_SLOT,))
        shutil.rmtree(replica.var_dir, ignore_errors=True)

    def replica_status(self) -> "ReplicaStatus":
        """The replica, as the primary and the replica each see it."""
        import psycopg

        replica = self.replica()
        if not replica.initialised():
            return ReplicaStatus("absent", replica)
        if not replica.running():
            slot = self.replication_slot() if self.running() else None
            return ReplicaStatus("stopped" if replica.stopped_on_purpose() else "down", replica,
                                 retained_bytes=slot.retained_bytes if slot else None)
        with psycopg.connect(replica._conninfo("postgres"), autocommit=True) as conn:
            replayed, paused, last_commit_age = conn.execute(
                "SELECT pg_last_wal_replay_lsn()::text, pg_is_wal_replay_paused(), "
                "extract(epoch FROM now() - pg_last_xact_replay_timestamp())").fetchone()
        state, behind = "not connected", None
        if self.running():
            with psycopg.connect(self._conninfo("postgres"), autocommit=True) as conn:
                row = conn.execute("SELECT state FROM pg_stat_replication WHERE application_name = %s",
                                   (REPLICA_NAME,)).fetchone()
                state = row[0] if row else state
                if replayed is not None:
                    behind = max(0, int(conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), %s)",
                                                     (replayed,)).fetchone()[0]))
        # caught up, it is not behind however long ago its last transaction was
        lag = 0.0 if behind == 0 else (float(last_commit_age) if last_commit_age is not None else None)
        return ReplicaStatus(state, replica, behind, lag, bool(paused))

    def replication_slot(self) -> "Slot | None":
        """The replica's slot on this running cluster, when there is one: whether a replica
        receives through it, and how much WAL it makes this cluster keep (what the replica has
        not received; while none receives, everything written since)."""
        import psycopg

        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as conn:
            row = conn.execute("SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) "
                               "FROM pg_replication_slots WHERE slot_name = %s", (REPLICATION_SLOT,)).fetchone()
        if row is None:
            return None
        return Slot(REPLICATION_SLOT, bool(row[0]), None if row[1] is None else max(0, int(row[1])))

    def _follow(self, primary: "Cluster") -> None:
        """Points this replica at the primary's port as it is now: the primary may have come
        back on another one, its own taken meanwhile (the setting is read again on reload)."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as conn:
            named = conn.execute("SHOW primary_conninfo").fetchone()[0]
            now = re.sub(r"\bport=\d+", f"port={primary.port()}", named)
            if now != named:
                conn.execute(sql.SQL("ALTER SYSTEM SET primary_conninfo = {}").format(sql.Literal(now)))
                conn.execute("SELECT pg_reload_conf()")

    def _replication_password(self) -> str:
        if not self.replication_password_file.exists():
            _private_file(self.replication_password_file, secrets.token_urlsafe(24) + "\n", ours=True)
        return self.replication_password_file.read_text().strip()

    def _ready_for_replication(self) -> None:
        import psycopg
        from psycopg import sql

        password = self._replication_password()
        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as conn:
            unfit = [f"{name} = {value}" for name, value in _REPLICATION_SETTINGS.items()
                     if not _enough(conn.execute(f"SHOW {name}").fetchone()[0], value)]
            if unfit:
                for setting in unfit:
                    name, _, value = setting.partition(" = ")
                    conn.execute(f"ALTER SYSTEM SET {name} = {conf_value(value)}")
                raise PgServerError(f"The embedded database is set for replication now ({', '.join(unfit)}); it "
                                    "takes effect when it restarts: stop the app's servers, then `flask db-server "
                                    "stop` and `flask db-server start`, and start the replica again.")
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (REPLICATION_ROLE,)).fetchone()
            # its password again each time: the file is what the replica is told, and may be new
            conn.execute(sql.SQL("{} ROLE {} WITH REPLICATION LOGIN PASSWORD {}").format(
                sql.SQL("ALTER" if exists else "CREATE"), sql.Identifier(REPLICATION_ROLE), sql.Literal(password)))
            conn.execute("SELECT pg_create_physical_replication_slot(%s, true) WHERE NOT EXISTS "
                         "(SELECT 1 FROM pg_replication_slots WHERE slot_name = %s)",
                         (REPLICATION_SLOT, REPLICATION_SLOT))
            let_in = conn.execute(
                "SELECT 1 FROM pg_hba_file_rules WHERE type = 'host' AND database = ARRAY['replication'] "
                "AND user_name = ARRAY[%s] AND address = '127.0.0.1' AND error IS NULL",
                (REPLICATION_ROLE,)).fetchone()
            if not let_in:
                hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
                with open(hba, "a") as lines:
                    lines.write(f"# the streaming replica under var/replica (app/pgserver.py)\n"
                                f"host    replication     {REPLICATION_ROLE}     127.0.0.1/32            "
                                f"scram-sha-256\n")
                conn.execute("SELECT pg_reload_conf()")

    def _copy_into(self, replica: "Cluster", progress: Callable[[int], None] | None) -> None:
        replica.var_dir.mkdir(parents=True, exist_ok=True)
        _private_folder(replica.data_dir)
        try:
            # -R: postgresql.auto.conf names the primary (primary_conninfo, with the slot) and
            # standby.signal makes the copy follow it
            self._pg_basebackup([REPLICATION_ROLE, "-D", str(replica.data_dir), "--write-recovery-conf",
                                 f"--slot={REPLICATION_SLOT}"],
                                self._replication_password(), progress, "copy the database for its replica")
            # a copy archives nothing of its own (as a restore beside it does not)
            (replica.data_dir / ARCHIVING_MARKER).unlink(missing_ok=True)
            with open(replica.data_dir / "postgresql.auto.conf", "a") as conf:
                conf.write("# the replica (app/pgserver.py): the primary keeps the rows its queries still "
                           "read,\n# rather than its replay cancel them; its name in pg_stat_replication\n"
                           "hot_standby_feedback = on\n"
                           f"cluster_name = {conf_value(REPLICA_NAME)}\n")
            # the copy answers to the primary's password, as a restored cluster does
            _private_file(replica.password_file, self.password() + "\n", ours=True)
        except BaseException:
            shutil.rmtree(replica.data_dir, ignore_errors=True)
            raise

    # -- internals ---------------------------------------------------------------------
    def _conninfo(self, database: str) -> str:
        return (f"host=127.0.0.1 port={self.port()} user={SUPERUSER} "
                f"password={self.password()} dbname={database}")

    def _initdb(self) -> None:
        if not (Path(_sharedir()) / "extension" / "postgis.control").exists():
            raise PgServerError(MISSING_BINARIES)
        password = secrets.token_urlsafe(24)
        self.password_file.write_text(password + "\n")
        self.password_file.chmod(0o600)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        _chown_to_server_user(self.data_dir)
        # initdb reads the password from a file the server user can read; it is removed at once.
        with tempfile.NamedTemporaryFile("w", delete=False, dir=self.var_dir) as pwfile:
            pwfile.write(password + "\n")
        _chown_to_server_user(Path(pwfile.name))
        try:
            _run_as_server_user(
                [str(_bin("initdb")), "-D", str(self.data_dir), "-U", SUPERUSER,
                 f"--pwfile={pwfile.name}", "--auth=scram-sha-256", "-E", "UTF8",
                 "--locale=C.UTF-8"],
                what="initialise the embedded PostgreSQL cluster",
            )
        finally:
            os.unlink(pwfile.name)

    def _remove_stale_pid(self) -> None:
        """A crash (or a reboot) leaves postmaster.pid behind; PostgreSQL then refuses to start
        if that pid now belongs to some other process."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except FileNotFoundError:
            comm = ""
        if comm not in ("postgres", "postmaster"):
            pid_file.unlink(missing_ok=True)


@dataclass(frozen=True)
class Restored:
    cluster: Cluster            # started, out of recovery
    base: BaseBackup            # the base backup the WAL was replayed onto
    replaced: Path | None       # the data directory an in-place restore moved aside


REPLICATION_ROLE = "gridmap_replication"
REPLICATION_SLOT = "gridmap_replica"
REPLICA_NAME = "gridmap_replica"        # the replica's application_name in pg_stat_replication
# what streaming replication needs of the primary (PostgreSQL 15's defaults have it)
_REPLICATION_SETTINGS = {"wal_level": "replica", "max_wal_senders": "2", "max_replication_slots": "1"}


def _enough(value: str, least: str) -> bool:
    if least.isdigit():
        return int(value) >= int(least)
    return value in (least, "logical")      # wal_level: logical holds all that replica does


@dataclass(frozen=True)
class Slot:
    name: str
    active: bool                        # a replica receives through it now
    retained_bytes: int | None          # the WAL it makes the primary keep; None: it holds none yet


@dataclass(frozen=True)
class ReplicaStatus:
    # absent; stopped (on purpose); down (not running, not stopped on purpose);
    # streaming (pg_stat_replication's state), not connected…
    state: str
    cluster: Cluster
    behind_bytes: int | None = None     # the primary's WAL not yet replayed
    lag_s: float | None = None          # 0 when caught up; else the age of the last transaction replayed
    paused: bool = False                # pg_wal_replay_pause() was called on it
    retained_bytes: int | None = None   # stopped or down: the WAL its slot makes the primary keep


_PROGRESS = re.compile(rb"\((\d+)%\)")                 # pg_basebackup --progress: "… kB (42%), …"
_WAL_FILE = re.compile(r"[0-9A-F]{24}")
_RECOVERY_SETTINGS = ("restore_command", "recovery_target_time", "recovery_target_action")


def _private_folder(path: Path) -> None:
    """A folder only the server's OS user may enter."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    _chown_to_server_user(path)


def _private_file(path: Path, text: str, ours: bool = False) -> None:
    """A file only the server's OS user (or, `ours`, only we) may read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w") as file:
        file.write(text)
    path.chmod(0o600)
    if not ours:
        _chown_to_server_user(path)


# -- binaries and users ---------------------------------------------------------------------

def _bindir() -> Path:
    configured = os.environ.get("GRIDMAP_PG_BINDIR")
    if configured:
        return Path(configured)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise PgServerError(MISSING_BINARIES)


def _bin(name: str) -> Path:
    path = _bindir() / name
    if not path.exists():
        raise PgServerError(MISSING_BINARIES)
    return path


def _sharedir() -> str:
    return subprocess.run([str(_bin("pg_config")), "--sharedir"], capture_output=True,
                          text=True, check=True).stdout.strip()


def _server_user() -> str | None:
    """The OS user the server runs as: ourselves, unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PgServerError("Running as root, but there is no `postgres` OS user to run the "
                            "database server as. Install the Debian package postgresql-15, "
                            "or run as an ordinary user.") from None
    return "postgres"


def _as_server_user(cmd: list[str]) -> list[str]:
    user = _server_user()
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


def _chown_to_server_user(path: Path) -> None:
    user = _server_user()
    if user:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _run_as_server_user(cmd: list[str], what: str) -> None:
    result = subprocess.run(_as_server_user(cmd), capture_output=True, text=True)
    if result.returncode != 0:
        hint = ""
        if "Permission denied" in result.stderr and _server_user():
            hint = ("\nThe `postgres` user must be able to reach var/: every folder above the "
                    "checkout needs o+x, or set GRIDMAP_VAR_DIR to a folder it can reach.")
        raise PgServerError(f"Could not {what}:\n{result.stderr.strip() or result.stdout.strip()}{hint}")


def _port_free(port: int) -> bool:
    """Whether PostgreSQL could listen on `port`. It binds with SO_REUSEADDR, so the check
    does too: without it, the connections a stop just closed (TIME_WAIT, FIN_WAIT) make the
    port look taken, the restarted cluster moves to another one and a server still holding
    the old address never reaches it again. Another listener still makes the port taken."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

