"""The demo city's grid workers on foot (`flask simulate`): each full-time worker on duty
walks their grid along its roads (app/geo/walking.py) and their phone's fixes go through the
phones' own intake (field/positions.py), checks and all. A worker who accepts an incident goes
there along the roads, stays a few minutes and comes back; the simulator (simulation.py) starts
and resolves the incident when they arrive and leave.

People come first: the worker behind the demo `worker` account (someone holds that phone) and
any worker whose account was signed in on the web within the last hour are never walked, and
the simulator leaves their tasks alone."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...config import PositionRules
from ...geo import walking
from ..city import frame
from ..field import positions, routing, tracks

DEMO_PHONE = "worker"           # accounts/demo.py names each demo account after its role
SIGNED_IN_WITHIN = timedelta(hours=1)
STAY_MINUTES = (2.0, 5.0)       # at an incident, before it is resolved
BREAK = timedelta(minutes=5)    # off duty or held by a person this long: a walker starts afresh,
RESTART_FROM_WITHIN = timedelta(hours=1)    # from their last fix if it is this recent


@dataclass(frozen=True)
class Roster:
    """When the simulated workers walk, and how often their phones take a fix."""

    hours: tuple[int, int] = (0, 24)    # city time, start ≤ hour < end (start > end: overnight)
    zone: str = "UTC"
    fix_seconds: float = 10.0           # a phone's cadence, live
    history_fix_seconds: float = 30.0   # the back-filled past: sparser, so startup stays quick
    history_hours: float = 2.0          # of the back-filled past, the part that is walked

    def on_duty(self, moment: datetime) -> bool:
        hour = moment.astimezone(ZoneInfo(self.zone)).hour
        start, end = self.hours
        return start <= hour < end if start <= end else (hour >= start or hour < end)


def held_by_people(session: Session, moment: datetime) -> set[int]:
    """Workers a person is acting for: the demo phone's, and those whose account was signed
    in on the web within the hour before `moment` (or since)."""
    return set(session.execute(text("""
        SELECT DISTINCT u.worker_id FROM app_user u
        WHERE u.worker_id IS NOT NULL
          AND (u.username = :demo OR EXISTS (SELECT 1 FROM user_session s
                                             WHERE s.user_id = u.id AND s.last_seen_at > :since))"""),
        {"demo": DEMO_PHONE, "since": moment - SIGNED_IN_WITHIN}).scalars())


class Walkers:
    """Every full-time worker with a grid whose streets can be walked; each walks when on duty
    and not held by a person."""

    def __init__(self, session: Session, rules: PositionRules, roster: Roster, seed: int = 1,
                 gait: walking.Gait = walking.Gait()):
        self.rules, self.roster, self.gait = rules, roster, gait
        self.seed = seed
        self.network = routing.road_network(session)
        self.beats: dict[int, walking.Beat] = {}
        self.walkers: dict[int, walking.Walker] = {}
        self.walking: set[int] = set()      # those who walked in the last step
        if self.network is None:
            return
        city = frame.city_outline(session)
        rows = session.execute(text("""
            WITH held AS (
                SELECT a.worker_id, ST_Union(g.geom) AS area
                FROM worker_assignment a
                JOIN grid g ON g.id = a.grid_id AND g.valid_to IS NULL
                JOIN worker w ON w.id = a.worker_id AND w.active AND w.role = 'full_time'
                WHERE a.valid_to IS NULL GROUP BY a.worker_id)
            SELECT h.worker_id, ST_AsBinary(h.area),
                   (SELECT array_agg(ST_AsBinary(b.geom)) FROM building b WHERE ST_Intersects(b.geom, h.area))
            FROM held h ORDER BY h.worker_id""")).all()
        for worker_id, area, buildings in rows:
            found = walking.beat(self.network, shapely.from_wkb(area),
                                 [shapely.from_wkb(b) for b in buildings or ()], city,
                                 door_reach_m=gait.door_reach_m)
            if found.edges.any():
                self.beats[worker_id] = found

    def walk(self, session: Session, since: datetime, until: datetime, every_s: float,
             held: set[int]) -> tuple[list[tuple[int, walking.Reached]], int]:
        """Moves every worker on duty and not `held` from `since` (or where they stopped) to
        `until`, their fixes sent through the intake; returns (worker, reached) for where
        they were sent, and the fixes stored."""
        self.walking = set()
        if not self.roster.on_duty(until):
            return [], 0
        reached, stored = [], 0
        today = until.astimezone(ZoneInfo(self.roster.zone)).date()
        for worker_id, beat in self.beats.items():
            if worker_id in held:
                continue
            walker = self.walkers.get(worker_id)
            if walker is None or since - walker.at > BREAK:
                walker = self.walkers[worker_id] = self._start(session, worker_id, beat, since)
            fixes, arrived = walker.walk(until, every_s)
            self.walking.add(worker_id)
            reached += [(worker_id, r) for r in arrived]
            if fixes:
                stored += self._send(session, worker_id, fixes, until, today)
        return reached, stored

    def _start(self, session: Session, worker_id: int, beat: walking.Beat, at: datetime) -> walking.Walker:
        last = positions.last_good_fix(session, worker_id, at)
        start = (last.lon, last.lat) if last is not None and at - last.at <= RESTART_FROM_WITHIN else None
        return walking.Walker(self.network, beat, random.Random(self.seed * 100_003 + worker_id), at,
                              start, self.gait)

    def _send(self, session: Session, worker_id: int, fixes: list[walking.Fix], now: datetime,
              today) -> int:
        """As a phone's batch is taken (api/positions.py): the intake, then a day that is
        over kept again if the batch reached into it."""
        batch = [positions.Fix(f.at, f.lon, f.lat, f.accuracy_m, f.speed_mps) for f in fixes]
        result = positions.intake(session, worker_id, batch, self.rules, now)
        if result.stored:
            tracks.keep_late(session, worker_id, [f.at for f in batch], self.roster.zone, self.rules, today)
        return result.stored

    # -- sent to incidents ------------------------------------------------------------------

    def send(self, worker_id: int, incident_id: int, lon: float, lat: float, rng: random.Random) -> None:
        """The worker goes to the incident (unless already going or there)."""
        walker = self.walkers.get(worker_id)
        if walker is not None and not walker.holds(incident_id):
            walker.send(incident_id, lon, lat, rng.uniform(*STAY_MINUTES) * 60)

    def cancel(self, worker_id: int, incident_id: int) -> None:
        walker = self.walkers.get(worker_id)
        if walker is not None:
            walker.cancel(incident_id)
