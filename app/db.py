"""The whole database lifecycle: which database, the engine, a session per request, migrations.

One place to look when the connection misbehaves.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

import psycopg
from flask import Flask, current_app, g
from psycopg import pq
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .config import ROOT, Settings
from .pgserver import DEMO_DATABASE, Cluster
from .replica import Replica, ReplicaLost, Seen, in_recovery
from .services.accounts import audit

MIGRATIONS = ROOT / "migrations"


def database_url(settings: Settings, database: str = DEMO_DATABASE) -> str:
    """DATABASE_URL when set, else the embedded cluster (started and provisioned if needed)."""
    if settings.database_url:
        return settings.database_url
    cluster = embedded_cluster(settings)
    cluster.start()
    cluster.ensure_database(database)
    return ClusterURL(cluster, database)


def embedded_cluster(settings: Settings) -> Cluster:
    """The cluster under var/, archiving its WAL where the settings keep its backups."""
    return Cluster(settings.var_dir, settings.backup_dir, settings.backups.archive_timeout_s)


class ClusterURL(str):
    """The embedded cluster's URL, which remembers its cluster: the cluster may come back from
    a restart on another port (when its own was taken meanwhile), and an engine made from
    this URL reads var/pgport again whenever it opens a connection."""

    def __new__(cls, cluster: Cluster, database: str) -> "ClusterURL":
        url = super().__new__(cls, cluster.url(database))
        url.cluster, url.database = cluster, database
        return url

    def now(self) -> "ClusterURL":
        return ClusterURL(self.cluster, self.database)

    def __reduce__(self):       # copied or pickled, it is made again from its cluster
        return ClusterURL, (self.cluster, self.database)


IDLE_PING_SECONDS = 5.0


def make_engine(url: str, prepared: bool = True) -> Engine:
    # Connections beyond pool_size are closed when returned, and a new PostgreSQL backend
    # costs milliseconds (PostGIS loads, every plan is made afresh): the pool keeps what a
    # busy process uses, and two processes stay under max_connections (100).
    # Not `prepared`: behind a pooler in transaction mode the next statement may meet another
    # server session, which has none of psycopg's prepared statements (Debian 12's pgbouncer,
    # 1.18, cannot keep them for it).
    options = {} if prepared else {"connect_args": {"prepare_threshold": None}}
    engine = create_engine(url, pool_size=24, max_overflow=12, **options)
    _ping_when_idle(engine)
    if isinstance(url, ClusterURL):
        _follow_the_cluster(engine, url.cluster)
    return engine


def _follow_the_cluster(engine: Engine, cluster: Cluster) -> None:
    @event.listens_for(engine, "do_connect")
    def _connect(_dialect, _record, _cargs, cparams):
        port = cluster.port()
        if port is not None:
            cparams["port"] = port


def _ping_when_idle(engine: Engine) -> None:
    """A connection is tried before use only when it sat in the pool a while (the database may
    have restarted meanwhile): pinging every checkout (pool_pre_ping) cost a round trip per
    request, a tenth of a busy report's CPU. One in steady use proves itself with each request;
    a failure the ping misses is a disconnect SQLAlchemy sees and drops from the pool."""
    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _try(dbapi_connection, record, _proxy):
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError(str(error)) from error     # the pool connects afresh
            raise


def init_app(app: Flask, url: str | Callable[[], str], listen_url: str | None = None) -> None:
    """`url` may be a callable: the embedded cluster is then started only when a command or
    request first needs the database (`flask db-server stop` must not start it). `listen_url`:
    PostgreSQL itself, when `url` is a pooler in transaction mode (DATABASE_LISTEN_URL)."""
    app.extensions["gridmap.db"] = _Database(url, listen_url)
    app.extensions["gridmap.replica"] = _replica(app)
    app.register_error_handler(ReplicaLost, _again_on_the_primary)
    app.teardown_appcontext(_close_session)


class _Database:
    def __init__(self, url: str | Callable[[], str], listen_url: str | None = None):
        self._url = url
        self._listen_url = listen_url
        self._engine: Engine | None = None
        self._sessions: sessionmaker | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The URL as it is now: the embedded cluster's is read again (its port may have moved)."""
        if callable(self._url):
            with self._lock:
                if callable(self._url):
                    self._url = self._url()
        return self._url.now() if isinstance(self._url, ClusterURL) else self._url

    @property
    def listen_url(self) -> str:
        """Where what needs one server session for as long as it runs connects (LISTEN, the
        sequencer's advisory lock): a pooler in transaction mode (pgbouncer) gives each
        transaction whichever server session is free, so notices would go unheard and a
        lock would stay with a session someone else uses. DATABASE_LISTEN_URL, else the URL."""
        return self._listen_url or self.url

    @property
    def pooled(self) -> bool:
        """Whether the URL reaches PostgreSQL through a pooler in transaction mode: a deployment
        says so by naming PostgreSQL itself apart (DATABASE_LISTEN_URL)."""
        return self._listen_url is not None

    def make_engine(self, url: str) -> Engine:
        """An engine for `url` reached as this database is: through the same pooler, if any."""
        return make_engine(url, prepared=not self.pooled)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            url = self.url
            with self._lock:
                if self._engine is None:
                    self._engine = self.make_engine(url)
                    self._sessions = sessionmaker(self._engine, expire_on_commit=False)
                    # every transaction tells the audit triggers who is writing
                    event.listen(self._sessions, "after_begin", _tell_the_audit)
        return self._engine

    def new_session(self) -> Session:
        self.engine
        return self._sessions()


def _tell_the_audit(_session, _transaction, connection) -> None:
    try:
        audit.bind(connection)
    except psycopg.Error:
        if not connection.connection.driver_connection.broken:
            raise
        # audit.bind speaks to libpq itself, past SQLAlchemy, which so never saw the connection
        # die in the pool (a database restart). Ask it something: it then does what it does
        # when its own statement meets a dead connection — replaces this one and every pooled
        # one older, and raises its disconnect error (the answer is a 503, not a 500 at teardown).
        connection.exec_driver_sql("SELECT 1")
        raise


def url() -> str:
    return current_app.extensions["gridmap.db"].url


def engine() -> Engine:
    return current_app.extensions["gridmap.db"].engine


def session() -> Session:
    """The session of this request (or CLI command), opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["gridmap.db"].new_session()
    return g.db_session


# -- reads that may come from the replica ----------------------------------------------------

def _replica(app: Flask) -> Replica | None:
    """DATABASE_REPLICA_URL; else, on the embedded cluster, its replica under var/replica once
    `flask db-server replica start` has made it (its port read again as the primary's is).
    None with GRIDMAP_REPLICA_READS=0: this server reads the primary alone."""
    settings = app.config["GRIDMAP"]
    rules = settings.replica
    if not rules.reads:
        return None
    if rules.url:
        def named() -> str | None:
            return rules.url

        def stopped() -> bool:      # a replica of one's own: only its answers say how it is
            return False
    elif settings.embedded:
        copy = embedded_cluster(settings).replica()

        def named() -> str | None:
            return ClusterURL(copy, DEMO_DATABASE) if copy.is_replica() and copy.port() else None
        stopped = copy.stopped_on_purpose
    else:
        return None
    database = app.extensions["gridmap.db"]
    # reached as the primary is: a deployment behind a pooler has its replica behind one too
    # (prepared statements there fail), and where it has none, not preparing costs little
    return Replica(named, database.make_engine, lambda: database.engine, rules.max_lag_s, rules.retry_s, stopped)


def read_session(on_primary: bool = False) -> Session:
    """The session of this request for reads that may be a little behind the primary (layers,
    tiles, the wall's charts; app/api/layers/request.py says which): the replica's when there
    is one, it answers and it is no further behind than GRIDMAP_REPLICA_MAX_LAG_S; else the
    primary's own (session()). One for the whole request: an answer, its ETag and a 304 are
    all read from one database. `on_primary`: this request's reads go to the primary, from
    here on, whatever was chosen before (a read that must see its own writes)."""
    read = g.get("db_read_session")
    if on_primary and read is not None and read is not g.get("db_session"):
        read.close()
        read = None
    if read is None:
        replica = None if on_primary else current_app.extensions.get("gridmap.replica")
        sessions = replica.sessions() if replica is not None else None
        read = g.db_read_session = sessions() if sessions is not None else session()
    return read


def answered_by() -> str | None:
    """'replica' or 'primary': which database this request's reads came from, as the
    replica's connection said of itself (pg_is_in_recovery()); None when it read none."""
    read = g.get("db_read_session")
    if read is None:
        return None
    if read is g.get("db_session"):
        return "primary"
    try:
        return "replica" if in_recovery(read) else "primary"
    except (SQLAlchemyError, ReplicaLost):
        return None


def replica_seen() -> Seen | None:
    """The replica as this process sees it (for /healthz), when there is one to read; else None."""
    replica = current_app.extensions.get("gridmap.replica")
    return replica.seen() if replica is not None and replica.named() else None


def replica_bound() -> float | None:
    """How far behind the replica may be, in seconds, when there is one to read; else None."""
    replica = current_app.extensions.get("gridmap.replica")
    return replica.max_lag_s if replica is not None and replica.named() else None


def _again_on_the_primary(_error: ReplicaLost):
    """The replica failed in the middle of an answer: the same view makes it again, from the
    primary. Only reads go to the replica, so asking twice changes nothing; and the whole
    answer is made again, so its body and its ETag come from one database."""
    failed = g.pop("db_read_session", None)
    if failed is not None and failed is not g.get("db_session"):
        failed.invalidate()
    g.db_read_session = session()
    try:
        return current_app.dispatch_request()
    except Exception as error:          # answered as it would have been the first time
        return current_app.handle_user_exception(error)


def without_transaction(session: Session) -> None:
    """The session's statements from here run outside a transaction, each committing on its
    own: for answers that only read. PostgreSQL gives each statement its own snapshot in
    READ COMMITTED anyway; what this saves is the BEGIN before and the ROLLBACK after, two of
    a layer answer's four round trips. A session already inside a transaction keeps it."""
    if not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _close_session(_exc: BaseException | None) -> None:
    read = g.pop("db_read_session", None)
    if read is not None and read is not g.get("db_session"):
        try:
            read.close()
        except (SQLAlchemyError, psycopg.Error, ReplicaLost):
            read.invalidate()       # the replica went after the answer was made: it stands
    db_session = g.pop("db_session", None)
    if db_session is not None:
        try:
            db_session.close()
        except (SQLAlchemyError, psycopg.Error) as error:
            # the rollback of a connection the database dropped after the request's last
            # statement: there is nothing to undo, and the answer already made must stand
            if unreachable(error) is None:
                raise
            db_session.invalidate()


# -- when the database cannot be reached ---------------------------------------------------

RETRY_AFTER_SECONDS = 2     # a restart of the embedded cluster takes about a second

# Why, by the server's SQLSTATE when it said so before going...
STATE_REASONS = {
    "57P01": "shutting_down",           # admin_shutdown: a stop ended the session
    "57P02": "shutting_down",           # crash_shutdown
    "57P03": "starting_up",             # cannot_connect_now
    "53300": "too_many_connections",
    "28000": "login_refused", "28P01": "login_refused",
    "3D000": "no_database",
}
# ... else by libpq's words: a failure to connect carries no SQLSTATE
LIBPQ_REASONS = (
    ("Connection refused", "refused"),
    ("No such file or directory", "refused"),           # a Unix socket nobody listens on
    ("is starting up", "starting_up"),
    ("not yet accepting connections", "starting_up"),
    ("in recovery mode", "starting_up"),
    ("is shutting down", "shutting_down"),
    ("timeout expired", "timeout"),
    ("password authentication failed", "login_refused"),
    ("no pg_hba.conf entry", "login_refused"),
    ('role "', "login_refused"),
    ("does not exist", "no_database"),
    ("too many clients", "too_many_connections"),
    ("remaining connection slots", "too_many_connections"),
)


def unreachable(error: BaseException) -> str | None:
    """Why the database cannot be reached, when `error` says it cannot (a reason such as
    'refused' or 'shutting_down', for /healthz and the logs); None for any other error.

    Judged by the connection, not the exception's class: psycopg's OperationalError also
    covers a cancelled statement or too many parameters, which are the query's fault and no
    reason to tell a client to come back later."""
    if isinstance(error, DisconnectionError):
        return "connection_lost"
    invalidated = isinstance(error, DBAPIError) and error.connection_invalidated
    original = error.orig if isinstance(error, DBAPIError) else error
    if not isinstance(original, psycopg.Error):
        return "connection_lost" if invalidated else None
    if isinstance(original, psycopg.errors.ConnectionTimeout):
        return "timeout"
    state = original.sqlstate
    broken = original.pgconn is not None and original.pgconn.status == pq.ConnStatus.BAD
    if not (invalidated or broken or (state or "").startswith("08") or state in ("57P01", "57P02", "57P03")):
        return None
    if state in STATE_REASONS:
        return STATE_REASONS[state]
    message = str(original)
    for words, reason in LIBPQ_REASONS:
        if words in message:
            return reason
    return "cannot_connect" if message.startswith("connection failed") else "connection_lost"


# -- migrations ---------------------------------------------------------------------------

def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with make_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


