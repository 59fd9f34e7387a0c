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

    def stop(self) -> None:
        if not self.initialised():
            return
        status = subprocess.run(
            _as_server_user([str(_bin("pg_ctl")), "-D", str(self.data_dir), "status"]),
            capture_output=True,
        )
        if status.returncode == 0:
            _run_as_server_user(
                [str(_bin("pg_ctl")), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
                what="stop the embedded PostgreSQL",
            )

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
        command = _as_server_user([
            str(_bin("pg_basebackup")), "-h", "127.0.0.1", "-p", str(self.port()), "-U", SUPERUSER,
            "--no-password", "-D", str(target), "--format=tar", "--compress=gzip:1",
            "--wal-method=stream", "--checkpoint=fast", "--progress", "--label", "gridmap backup"])
        said, pending = b"", b""
        with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env=dict(os.environ, PGPASSWORD=self.password())
                              ) as process:
            while chunk := process.stderr.read1(4096):
                said += chunk
                *lines, pending = re.split(rb"[\r\n]", pending + chunk)
                for line in lines:
                    done = _PROGRESS.search(line)
                    if done and progress:
                        progress(int(done.group(1)))
        if process.returncode != 0:
            raise PgServerError(f"Could not take a base backup:\n{said.decode(errors='replace').strip()}")

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

