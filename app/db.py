"""The whole database lifecycle: which database, the engine, a session per request, migrations.

One place to look when the connection misbehaves.
"""
from __future__ import annotations


import threading
from typing import Callable

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from .config import ROOT, Settings
from .pgserver import DEMO_DATABASE, Cluster
from .services import audit

MIGRATIONS = ROOT / "migrations"


def database_url(settings: Settings, database: str = DEMO_DATABASE) -> str:
    """DATABASE_URL when set, else the embedded cluster (started and provisioned if needed)."""
    if settings.database_url:
        return settings.database_url
    cluster = Cluster(settings.var_dir)
    cluster.start()
    return cluster.ensure_database(database)


def make_engine(url: str) -> Engine:
    # Connections beyond pool_size are closed when returned, and a new PostgreSQL backend
    # costs milliseconds (PostGIS loads, every plan is made afresh): the pool keeps what a
    # busy process uses, and two processes stay under max_connections (100).
    return create_engine(url, pool_pre_ping=True, pool_size=24, max_overflow=12)


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


