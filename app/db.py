"""The whole database lifecycle: which database, the engine, a session per request, migrations.

One place to look when the connection misbehaves.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from .config import ROOT, Settings
from .pgserver import DEMO_DATABASE, Cluster
from .services.accounts import audit

MIGRATIONS = ROOT / "migrations"


def database_url(settings: Settings, database: str = DEMO_DATABASE) -> str:
    """DATABASE_URL when set, else the embedded cluster (started and provisioned if needed)."""
    if settings.database_url:
        return settings.database_url
    cluster = Cluster(settings.var_dir)
    cluster.start()
    return cluster.ensure_database(database)


IDLE_PING_SECONDS = 5.0


def make_engine(url: str) -> Engine:
    # Connections beyond pool_size are closed when returned, and a new PostgreSQL backend
    # costs milliseconds (PostGIS loads, every plan is made afresh): the pool keeps what a
    # busy process uses, and two processes stay under max_connections (100).
    engine = create_engine(url, pool_size=24, max_overflow=12)
    _ping_when_idle(engine)
    return engine


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


def init_app(app: Flask, url: str | Callable[[], str]) -> None:
    """`url` may be a callable: the embedded cluster is then started only when a command or
    request first needs the database (`flask db-server stop` must not start it)."""
    app.extensions["gridmap.db"] = _Database(url)
    app.teardown_appcontext(_close_session)


class _Database:
    def __init__(self, url: str | Callable[[], str]):
        self._url = url
        self._engine: Engine | None = None
        self._sessions: sessionmaker | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        if callable(self._url):
            with self._lock:
                if callable(self._url):
                    self._url = self._url()
        return self._url

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            url = self.url
            with self._lock:
                if self._engine is None:
                    self._engine = make_engine(url)
                    self._sessions = sessionmaker(self._engine, expire_on_commit=False)
                    # every transaction tells the audit triggers who is writing
                    event.listen(self._sessions, "after_begin",
                                 lambda _session, _transaction, connection: audit.bind(connection))
        return self._engine

    def new_session(self) -> Session:
        self.engine
        return self._sessions()


def url() -> str:
    return current_app.extensions["gridmap.db"].url


def engine() -> Engine:
    return current_app.extensions["gridmap.db"].engine


def session() -> Session:
    """The session of this request (or CLI command), opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["gridmap.db"].new_session()
    return g.db_session


def without_transaction(session: Session) -> None:
    """The session's statements from here run outside a transaction, each committing on its
    own: for answers that only read. PostgreSQL gives each statement its own snapshot in
    READ COMMITTED anyway; what this saves is the BEGIN before and the ROLLBACK after, two of
    a layer answer's four round trips. A session already inside a transaction keeps it."""
    if not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


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


