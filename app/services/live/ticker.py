"""The in-app clock: runs the escalation tick every few seconds in a background thread of a
serving process. Several processes may each run one; the tick's advisory lock lets one act.
`flask incidents tick` does the same once, for cron. Each tick also works off the queue of
cameras whose coverage is to be recomputed (`flask cameras coverage` for cron), and the first
tick of a day keeps the workers' routes of the day before (`flask positions keep` for cron)."""
from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ...config import PositionRules
from ..accounts import audit
from ..cameras import coverage as camera_coverage
from ..field import tracks
from ..incidents import escalation

log = logging.getLogger(__name__)


TRACKS_LOCK = 0x7472616b    # "trak": one process keeps a day's routes


class Ticker:
    def __init__(self, new_session: Callable[[], Session], every_seconds: float,
                 zone: str = "UTC", positions: PositionRules | None = None):
        self._new_session = new_session
        self._every = every_seconds
        self._zone = zone
        self._positions = positions or PositionRules()
        self._routes_kept_for: date | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and self._every > 0:
            self._thread = threading.Thread(target=self._run, name="gridmap-ticker", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _keep_yesterdays_routes(self) -> None:
        yesterday = datetime.now(ZoneInfo(self._zone)).date() - timedelta(days=1)
        if self._routes_kept_for != yesterday:
            keep_routes(self._new_session, yesterday, self._zone, self._positions)
            self._routes_kept_for = yesterday

    def _run(self) -> None:
        token = audit.act_as(audit.Actor("system:clock"))
        try:
            while not self._stop.wait(self._every):
                try:
                    run_once(self._new_session)
                    recompute_cameras(self._new_session)
                    self._keep_yesterdays_routes()
                except SQLAlchemyError as error:      # the database restarting: try next round
                    log.warning("clock tick failed: %s", error)
        finally:
            audit.restore(token)


def run_once(new_session: Callable[[], Session], now: datetime | None = None) -> escalation.TickResult:
    session = new_session()
    try:
        result = escalation.tick(session, now or datetime.now(timezone.utc))
        session.commit()
        if result.overdue:
            log.info("clock: %d overdue, %d escalated", len(result.overdue), len(result.escalated))
        return result
    finally:
        session.close()


def recompute_cameras(new_session: Callable[[], Session]) -> None:
    """Cameras queued since the last tick (a building changed near them, or a camera was
    changed outside the API): their coverage and blind spots."""
    session = new_session()
    try:
        done = camera_coverage.refresh(session)
        if done.cameras:
            log.info("clock: coverage of %d cameras recomputed", done.cameras)
    finally:
        session.close()


def keep_routes(new_session: Callable[[], Session], day: date, zone: str, rules: PositionRules) -> int:
    """Every worker's route of `day` into track_day (the `tracks` layer), once: a process that
    finds the lock taken leaves the day to the one holding it."""
    session = new_session()
    try:
        if not session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": TRACKS_LOCK}).scalar():
            return 0
        kept = tracks.keep_finished(session, day, zone, rules)
        session.commit()
        if kept:
            log.info("clock: %d routes of %s kept", kept, day)
        return kept
    finally:
        session.close()
