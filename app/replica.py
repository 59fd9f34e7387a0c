"""The read replica as one process sees it: its engine, how far behind the primary it is, and
whether to ask it at all just now (app/db.py routes the reads that may go there).

How far behind is measured by WAL position, not by the time of the last transaction replayed
(which grows while the primary is idle, and says nothing when the replica has stopped
hearing from it): every half second, the primary's flushed position is noted with the moment
just before it was read, and the replica is asked how far it has replayed. Every transaction
committed before the latest noted moment whose position the replica has reached is on the
replica: that moment is how fresh it is, and its age at the time of a read is the lag the
bound is held against. A replica that fails is left alone for a while, then tried again;
one stopped on purpose (`flask db-server replica stop`) is neither tried nor warned of until
it is started again.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

PROBE_SECONDS = 0.5     # how often the positions are compared: the lag is known to about this
# libpq waits for ever for a host that does not answer: a replica on another machine gone dark
# must not hold a reader that long before the primary answers it
CONNECT_TIMEOUT_S = 3


class ReplicaLost(Exception):
    """A statement on the replica failed for the replica's sake (it went away, or its replay
    cancelled the statement): the answer is made again on the primary (app/db.py)."""


def position(lsn: str) -> int:
    """A WAL position as PostgreSQL writes it ('16/B374D848') as one number."""
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


@dataclass(frozen=True)
class Seen:
    """What one process knows of its replica (Replica.seen)."""
    # up; down (it did not answer: tried again after retry_s); not_following; stopped (on
    # purpose: not tried until it starts)
    state: str
    lag_s: float | None         # how far behind, by the WAL positions measured; None: not known
    reads: bool                 # whether reads go to it now
    max_lag_s: float
    retry_s: float


class Replica:
    """`url()` names the replica now (None: there is none just now, as when the embedded one
    has not been made); `make_engine(url)` makes its engine; `primary()` gives the primary's;
    `stopped()` says whether it is stopped on purpose just now."""

    def __init__(self, url: Callable[[], str | None], make_engine: Callable[[str], Engine],
                 primary: Callable[[], Engine], max_lag_s: float, retry_s: float,
                 stopped: Callable[[], bool] = lambda: False):
        self._url, self._make_engine, self._primary, self._stopped = url, make_engine, primary, stopped
        self.max_lag_s, self.retry_s = max_lag_s, retry_s
        self._engine: Engine | None = None
        self._sessions: sessionmaker | None = None
        self._noted: deque[tuple[float, int]] = deque()   # (moment, the primary's position then)
        self._fresh_as_of: float | None = None    # monotonic: every commit before it is there
        self._probed_at = -math.inf
        self._down_until = 0.0
        self._follows = True        # as last seen: a replica of this very primary, in recovery
        self._probing = threading.Lock()

    # -- what a read asks -----------------------------------------------------------------
    def sessions(self) -> sessionmaker | None:
        """The replica's sessions when it may answer a read now: reachable, a replica, and no
        further behind than the bound. None: read the primary."""
        if self._stopped():
            self._set_aside()
            return None
        now = time.monotonic()
        if now < self._down_until:
            return None
        if now - self._probed_at >= PROBE_SECONDS and self._probing.acquire(blocking=False):
            try:                # one thread asks; the others go by the last answer meanwhile
                self._probe()
            finally:
                self._probing.release()
        fresh = self._fresh_as_of
        if fresh is None or time.monotonic() - fresh > self.max_lag_s:
            return None
        return self._sessions

    def named(self) -> bool:
        """Whether there is a replica to read at all (named, or made and not removed)."""
        return self._url() is not None

    def seen(self) -> Seen:
        """The replica as this process sees it now, for /healthz: whether it answers (asked
        afresh as a read would ask it: not while a failure's retry_s run), how far behind it
        is, and whether reads go to it."""
        reads = self.sessions() is not None
        now = time.monotonic()
        if self._stopped():
            state = "stopped"
        elif now < self._down_until:
            state = "down"
        elif not self._follows:
            state = "not_following"
        else:
            state = "up"
        lag = None if state != "up" or self._fresh_as_of is None else max(0.0, now - self._fresh_as_of)
        return Seen(state, lag, reads, self.max_lag_s, self.retry_s)

    def failed(self) -> None:
        """The replica did not answer: the primary answers until retry_s have passed."""
        if time.monotonic() >= self._down_until and not self._stopped():
            log.warning("read replica unreachable: reads go to the primary for %g s", self.retry_s)
        self._down_until = time.monotonic() + self.retry_s
        self._fresh_as_of = None
        self._noted.clear()
        if self._engine is not None:
            self._engine.dispose(close=False)       # its pooled connections are dead

    # -- measuring ----------------------------------------------------------------------------
    def _probe(self) -> None:
        url = self._url()
        if url is None:
            self._forget()
            return
        if self._engine is None:
            self._engine = self._make_engine(url)
            self._sessions = sessionmaker(self._engine, expire_on_commit=False)
            _watch(self._engine, self)
        from sqlalchemy.exc import SQLAlchemyError
        asked = time.monotonic()
        try:
            with self._primary().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                primary_at, primary_id = conn.exec_driver_sql(
                    "SELECT pg_current_wal_flush_lsn()::text, system_identifier FROM pg_control_system()").one()
        except SQLAlchemyError:
            self._fresh_as_of = None        # the primary's own trouble: its reads will say so
            self._probed_at = time.monotonic()
            return
        try:
            with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                in_recovery, replayed, copy_of = conn.exec_driver_sql(
                    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, system_identifier "
                    "FROM pg_control_system()").one()
        except (ReplicaLost, SQLAlchemyError):
            self.failed()
            return
        finally:
            self._probed_at = time.monotonic()
        if not in_recovery or replayed is None or copy_of != primary_id:
            # promoted, not a replica at all, or a replica of another cluster (one made before
            # the primary was made anew): its WAL positions say nothing of this primary's
            if self._follows:
                log.warning("the read replica does not follow this primary: reads go to the primary")
            self._follows, self._fresh_as_of = False, None
            self._noted.clear()
            return
        self._follows = True
        self._noted.append((asked, position(primary_at)))
        reached = position(replayed)
        held = [moment for moment, at in self._noted if at <= reached]
        if held:
            self._fresh_as_of = max(held[-1], self._fresh_as_of or -math.inf)
        # what is held is summed up by _fresh_as_of; what is older than the bound no longer matters
        oldest = asked - self.max_lag_s - 2 * PROBE_SECONDS
        while self._noted and (self._noted[0][1] <= reached or self._noted[0][0] < oldest):
            self._noted.popleft()

    def _set_aside(self) -> None:
        """Stopped on purpose: its connections go, and once started it is measured afresh at
        once (no failure's wait left over)."""
        self._down_until = 0.0
        if self._engine is not None and self._probing.acquire(blocking=False):
            try:
                self._forget()
            finally:
                self._probing.release()

    def _forget(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine, self._sessions, self._fresh_as_of = None, None, None
        self._noted.clear()


def in_recovery(session: Session) -> bool | None:
    """What the connection of `session` said when it was opened (pg_is_in_recovery()); None
    when the session has no connection, or is not the replica's."""
    if not session.in_transaction():
        return None
    return session.connection().connection.info.get("in_recovery")


def _watch(engine: Engine, replica: Replica) -> None:
    import psycopg

    from . import db

    @event.listens_for(engine, "do_connect")
    def _patiently(_dialect, _record, _cargs, cparams):
        cparams.setdefault("connect_timeout", CONNECT_TIMEOUT_S)

    @event.listens_for(engine, "connect")
    def _asked(dbapi_connection, record):
        # once per connection: which database answers is named by what it says of itself
        record.info["in_recovery"] = dbapi_connection.execute("SELECT pg_is_in_recovery()").fetchone()[0]
        dbapi_connection.rollback()

    @event.listens_for(engine, "handle_error")
    def _failed(context):
        error = context.original_exception
        gone = context.connection is None or context.is_disconnect or db.unreachable(error) is not None
        # a standby cancels a query in the way of its replay (40001, 40P01): asked again on the
        # primary, the replica no worse for it
        cancelled = isinstance(error, psycopg.Error) and error.sqlstate in ("40001", "40P01") \
            and "recovery" in str(error)
        if gone:
            replica.failed()
        if gone or cancelled:
            raise ReplicaLost(str(error)) from error
