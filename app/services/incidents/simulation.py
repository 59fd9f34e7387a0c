"""Demo life: incidents reported around buildings (more where more people live), categories
weighted as the category table says, and moved through the loop by simulated workers and
operators — some too slowly, so the clock marks them overdue and escalates them. Given
`walkers` (walkers.py), the grid workers on duty also walk their grids, and one who accepts an
incident walks there: it is started when they arrive and resolved when they leave.

Everything goes through the real services (report, act, tick, the positions' intake), so the
wall map sees what it would see in a real command center. Time is a parameter: `backfill`
plays the past hours in order so the map opens on a lived-in day; `step` plays one live
moment. Tasks of workers a person acts for (walkers.held_by_people) are never touched.
"""
from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ...config import IncidentRules
from ...messages import Said
from ...models import OPEN_STATUSES, Category, Incident
from . import escalation, loop, ratings
from .walkers import Walkers, held_by_people

DESK = loop.Participant("operator:simulated", dispatcher=True)
# What residents and workers write, as they would write it: in Chinese.
DESCRIPTIONS = {
    "environment": ["垃圾满溢", "楼道堆物", "路面油污"],
    "road_damage": ["路面坑洼", "井盖松动"],
    "illegal_parking": ["占用消防通道", "人行道停车"],
    "street_vending": ["流动摊贩"],
    "public_facility": ["路灯不亮", "健身器材损坏"],
    "greenery": ["树枝折断", "绿地毁损"],
    "neighbour_dispute": ["噪音纠纷", "漏水纠纷"],
    "safety_hazard": ["围栏松动", "外墙脱落"],
    "illegal_construction": ["违建阳台", "私搭棚屋"],
    "fire_risk": ["电动车楼道充电", "消防栓损坏"],
    "elderly_care": ["独居老人需探访"],
}


@dataclass
class Pace:
    """Chances per simulated minute that the next step of an incident is taken."""

    reports_per_hour: float = 60.0
    accept: float = 0.04            # ~25 min to respond on average
    start: float = 0.05
    resolve: float = 0.012          # ~1.5 h of work
    verify: float = 0.03
    rate: float = 0.5               # of closed incidents, the share residents rate
    neglect: float = 0.12           # share of incidents nobody picks up: they go overdue
    merge: float = 0.5              # share of linked duplicates the operator merges


@dataclass
class Tally:
    reported: int = 0
    steps: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    escalated: int = 0
    fixes: int = 0

    def count(self, action: str) -> None:
        self.steps[action] = self.steps.get(action, 0) + 1

    def summary(self) -> str:
        steps = ", ".join(f"{k} {v}" for k, v in sorted(self.steps.items()))
        walked = f"; {self.fixes} fixes" if self.fixes else ""
        return (f"{self.reported} reported; {steps or 'no steps'}; {self.overdue} overdue, "
                f"{self.escalated} escalated{walked}")


class NoCity(Said, ValueError):
    pass


STEPS_PER_SAVEPOINT = 50


@dataclass(frozen=True)
class _Step:
    """A step of the loop the simulator decided to take: what, by whom, on which incident."""

    incident_id: int
    action: str
    by: loop.Participant
    extra: dict
    rating: int | None          # a verified case the resident rates on the callback
    assignee: int | None
    lon: float
    lat: float


class Simulator:
    def __init__(self, session: Session, seed: int = 1, pace: Pace | None = None,
                 rules: IncidentRules | None = None, walkers: Walkers | None = None):
        self.session = session
        self.rng = random.Random(seed)
        self.pace = pace or Pace()
        self.rules = rules or IncidentRules()
        self.walkers = walkers
        self._places = session.execute(text("""
            SELECT ST_X(c), ST_Y(c), greatest(households, 1) FROM (
                SELECT ST_PointOnSurface(geom) AS c, households FROM building) b""")).all()
        self._place_weights = list(itertools.accumulate(p[2] for p in self._places))
        categories = session.scalars(select(Category).order_by(Category.code)).all()
        self._categories = [c.code for c in categories]
        self._weights = [c.weight for c in categories]
        self._neglected: set[int] = set()
        if not self._places or not self._categories:
            raise NoCity("simulation.no_city")

    def draft(self) -> loop.Report:
        """A report around a building, more likely where more people live."""
        lon, lat, _ = self.rng.choices(self._places, cum_weights=self._place_weights)[0]
        # a few metres from the building, as a worker standing at its door would report
        angle, metres = self.rng.uniform(0, 2 * math.pi), self.rng.uniform(3, 25)
        lon += metres * math.cos(angle) / (111_320 * math.cos(math.radians(lat)))
        lat += metres * math.sin(angle) / 111_320
        category = self.rng.choices(self._categories, weights=self._weights)[0]
        return loop.Report(
            category, lon, lat, self.rng.choice(DESCRIPTIONS.get(category, ["发现问题"])),
            severity=self.rng.choices(("low", "normal", "high"), weights=(3, 6, 1))[0],
            channel=self.rng.choices(("worker", "citizen", "hotline", "camera"), weights=(6, 2, 2, 1))[0])

    def report(self, drafts: list[loop.Report], now: datetime, tally: Tally) -> list[Incident]:
        """The drafts reported at `now`; one jittered past the city's edge is skipped."""
        made = [incident for _, incident in
                self._in_chunks(drafts, lambda draft: loop.report(self.session, draft, DESK, self.rules, now))]
        tally.reported += len(made)
        for incident in made:
            if self.rng.random() < self.pace.neglect:
                self._neglected.add(incident.id)
        return made

    def advance(self, now: datetime, minutes: float, tally: Tally,
                held: frozenset[int] = frozenset()) -> None:
        """Each open incident may take its next step within `minutes`; incidents of `held`
        workers are theirs to move. A walking worker's accepted incident waits for them to
        get there (`arrive`)."""
        def chance(per_minute: float) -> bool:
            return self.rng.random() < 1 - (1 - per_minute) ** minutes

        walking = self.walkers.walking if self.walkers else set()
        rows = self.session.execute(text("""
            SELECT i.id, i.status, i.assignee_id, i.duplicate_of_id, i.level, d.assignee_id,
                   ST_X(i.geom), ST_Y(i.geom), i.department_id,
                   -- a department's case is moved by one of its staff, as the department would
                   (SELECT u.username FROM app_user u WHERE u.department_id = i.department_id AND u.active
                    ORDER BY u.id LIMIT 1) AS staff
            FROM incident i LEFT JOIN incident d ON d.id = i.duplicate_of_id
            WHERE i.status = ANY(:statuses) ORDER BY i.id"""),
            {"statuses": list(OPEN_STATUSES + ("resolved",))}).all()
        steps: list[_Step] = []
        for incident_id, status, assignee, duplicate_of, level, original_assignee, lon, lat, department, staff in rows:
            if assignee in held or (duplicate_of and original_assignee in held):
                continue
            if incident_id in self._neglected and status in ("assigned", "reported"):
                continue
            action, extra = None, {}
            if duplicate_of and status in OPEN_STATUSES and chance(self.pace.merge / 30):
                action, extra = "merge", {"into_id": duplicate_of}
            elif assignee in walking and status in ("accepted", "in_progress"):
                self.walkers.send(assignee, incident_id, lon, lat, self.rng)
                continue
            elif status in ("assigned", "reopened", "escalated") and chance(self.pace.accept):
                action = "accept"
            elif status == "reported" and chance(self.pace.accept):
                action, extra = "assign", {"level": level}     # an operator clears triage
            elif status == "accepted" and chance(self.pace.start):
                action = "start"
            elif status in ("accepted", "in_progress") and chance(self.pace.resolve):
                action, extra = "resolve", {"note": "已现场处置"}
            elif status == "resolved" and chance(self.pace.verify):
                action = "verify"
            if action is None:
                continue
            if action in ("verify", "merge", "assign"):
                by = DESK
            elif department is not None and staff is not None:
                by = loop.Participant(f"user:{staff}", department_id=department)
            elif assignee is None:
                by = DESK
            else:
                by = loop.Participant(f"worker:{assignee}", worker_id=assignee)
            rating = None
            if action == "verify" and self.rng.random() < self.pace.rate:
                rating = self.rng.choices((1, 2, 3, 4, 5), weights=(1, 1, 3, 8, 12))[0]
            steps.append(_Step(incident_id, action, by, extra, rating, assignee, lon, lat))
        for step, _ in self._in_chunks(steps, lambda step: self._take(step, now)):
            tally.count(step.action)
            if step.action == "accept" and step.assignee in walking:
                self.walkers.send(step.assignee, step.incident_id, step.lon, step.lat, self.rng)

    def _in_chunks(self, items: list, do) -> list[tuple]:
        """`do` each item, in chunks under one savepoint each: a savepoint costs two round trips,
        as many as a step of the loop itself, and a month of history takes half a million steps.
        A chunk in which one fails (loop.IncidentError: a report past the city's edge, a duplicate
        whose original was itself merged meanwhile…) is rolled back and done again item by item.
        Returns (item, what `do` returned) of the items done."""
        done: list[tuple] = []
        for start in range(0, len(items), STEPS_PER_SAVEPOINT):
            chunk = items[start:start + STEPS_PER_SAVEPOINT]
            try:
                with self.session.begin_nested():
                    results = [(item, do(item)) for item in chunk]
                done += results
                continue
            except loop.IncidentError:
                pass
            for item in chunk:
                try:
                    with self.session.begin_nested():
                        done.append((item, do(item)))
                except loop.IncidentError:
                    continue
        return done

    def _take(self, step: "_Step", now: datetime) -> None:
        loop.act(self.session, step.incident_id, step.action, step.by, now, **step.extra)
        if step.rating is not None:
            ratings.by_callback(self.session, step.incident_id, DESK, now, satisfaction=step.rating)

    def arrive(self, reached, tally: Tally) -> None:
        """A walking worker got to an incident they accepted (it is started) or left it after
        their stay (resolved), at that moment."""
        for worker_id, where in reached:
            action, extra = ("start", {}) if where.what == "arrived" else \
                ("resolve", {"note": "已现场处置"})
            by = loop.Participant(f"worker:{worker_id}", worker_id=worker_id)
            try:
                with self.session.begin_nested():
                    loop.act(self.session, where.job, action, by, where.at, **extra)
            except loop.IncidentError:
                found = self.session.execute(text("SELECT status, assignee_id FROM incident WHERE id = :id"),
                                             {"id": where.job}).one()
                if not (action == "start" and tuple(found) == ("in_progress", worker_id)):
                    self.walkers.cancel(worker_id, where.job)   # no longer theirs: back to patrol
                continue
            tally.count(action)

    def step(self, now: datetime, minutes: float, tally: Tally | None = None, *, walk: bool = True,
             fix_seconds: float | None = None) -> Tally:
        """One moment: new reports for `minutes` of time, the workers' walk up to it (unless
        `walk` is false), steps taken, the clock run."""
        tally = tally or Tally()
        held = frozenset(held_by_people(self.session, now))
        expected = self.pace.reports_per_hour * minutes / 60
        self.report([self.draft() for _ in range(_poisson(self.rng, expected))], now, tally)
        if self.walkers is not None:
            if walk:
                reached, stored = self.walkers.walk(
                    self.session, now - timedelta(minutes=minutes), now,
                    fix_seconds or self.walkers.roster.fix_seconds, held)
                tally.fixes += stored
                self.arrive(reached, tally)
            else:
                self.walkers.walking = set()
        self.advance(now, minutes, tally, held)
        result = escalation.tick(self.session, now)
        tally.overdue += len(result.overdue)
        tally.escalated += len(result.escalated)
        return tally

    def backfill(self, until: datetime, hours: float, every_minutes: float = 10,
                 progress=lambda done, total: None) -> Tally:
        """Play the last `hours` in order, committing as it goes; the workers walk the last
        of them (their roster's `history_hours`), their phones taking fewer fixes."""
        tally = Tally()
        steps = max(1, int(hours * 60 / every_minutes))
        walk_from = until - timedelta(hours=self.walkers.roster.history_hours) if self.walkers else until
        for i in range(steps):
            moment = until - timedelta(minutes=every_minutes * (steps - 1 - i))
            self.step(moment, every_minutes, tally, walk=moment > walk_from,
                      fix_seconds=self.walkers.roster.history_fix_seconds if self.walkers else None)
            self.session.commit()
            progress(i + 1, steps)
        return tally


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method; the means here are small (a few per step)
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
