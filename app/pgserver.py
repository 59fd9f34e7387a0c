"""The embedded PostGIS: a private PostgreSQL cluster under var/pgdata.

It exists so that `make run` needs no database administrator. It listens on 127.0.0.1 only,
on a free port recorded in var/pgport (kept across restarts while nothing else takes it), with
a generated password kept in var/pgpassword.
PostgreSQL refuses to run as root, so when we are root the server runs as the `postgres`
OS user, which then owns the data directory.
"""
from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

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

    def __post_init__(self):
        # the server is started from another working directory, as another user
        object.__setattr__(self, "var_dir", Path(self.var_dir).resolve())

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
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {self.socket_dir}"
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

