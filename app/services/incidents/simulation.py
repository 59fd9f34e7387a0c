"""Demo life: incidents reported around buildings (more where more people live), categories
weighted as the category table says, and moved through the loop by simulated workers and
operators — some too slowly, so the clock marks them overdue and escalates them.

Everything goes through the real services (report, act, tick), so the wall map sees what
it would see in a real command center. Time is a parameter: `backfill` plays the past
hours in order so the map opens on a lived-in day; `step` plays one live moment.
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
from ...models import OPEN_STATUSES, Category, Incident
from . import escalation, loop

DESK = loop.Participant("operator:simulated", dispatcher=True)
DESCRIPTIONS = {
    "environment": ["垃圾满溢 Bins overflowing", "楼道堆物 Clutter in the stairwell", "路面油污 Oil on the road"],
    "road_damage": ["路面坑洼 Pothole", "井盖松动 Loose manhole cover"],
    "illegal_parking": ["占用消防通道 Car in the fire lane", "人行道停车 Car on the pavement"],
    "street_vending": ["流动摊贩 Street vendor at the gate"],
    "public_facility": ["路灯不亮 Street light out", "健身器材损坏 Broken exercise equipment"],
    "greenery": ["树枝折断 Broken branch", "绿地毁损 Trampled lawn"],
    "neighbour_dispute": ["噪音纠纷 Noise dispute", "漏水纠纷 Leak between flats"],
    "safety_hazard": ["围栏松动 Loose railing", "外墙脱落 Facade tiles falling"],
    "illegal_construction": ["违建阳台 Unauthorised balcony", "私搭棚屋 Shed built on common land"],
    "fire_risk": ["电动车楼道充电 E-bike charging indoors", "消防栓损坏 Broken hydrant"],
    "elderly_care": ["独居老人需探访 Elderly resident living alone needs a visit"],
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

    def count(self, action: str) -> None:
        self.steps[action] = self.steps.get(action, 0) + 1

    def summary(self) -> str:
        steps = ", ".join(f"{k} {v}" for k, v in sorted(self.steps.items()))
        return (f"{self.reported} reported; {steps or 'no steps'}; {self.overdue} overdue, "
                f"{self.escalated} escalated")


class Simulator:
    def __init__(self, session: Session, seed: int = 1, pace: Pace | None = None,
                 rules: IncidentRules | None = None):
        self.session = session
        self.rng = random.Random(seed)
        self.pace = pace or Pace()
        self.rules = rules or IncidentRules()
        self._places = session.execute(text("""
            SELECT ST_X(c), ST_Y(c), greatest(households, 1) FROM (
                SELECT ST_PointOnSurface(geom) AS c, households FROM building) b""")).all()
        self._place_weights = list(itertools.accumulate(p[2] for p in self._places))
        categories = session.scalars(select(Category).order_by(Category.code)).all()
        self._categories = [c.code for c in categories]
        self._weights = [c.weight for c in categories]
        self._neglected: set[int] = set()
        if not self._places or not self._categories:
            raise ValueError("The simulation needs buildings and categories: load a city first "
                             "(make demo, or flask import / flask generate).")

    def report_one(self, now: datetime, tally: Tally) -> Incident | None:
        lon, lat, _ = self.rng.choices(self._places, cum_weights=self._place_weights)[0]
        # a few metres from the building, as a worker standing at its door would report
        angle, metres = self.rng.uniform(0, 2 * math.pi), self.rng.uniform(3, 25)
        lon += metres * math.cos(angle) / (111_320 * math.cos(math.radians(lat)))
        lat += metres * math.sin(angle) / 111_320
        category = self.rng.choices(self._categories, weights=self._weights)[0]
        draft = loop.Report(
            category, lon, lat, self.rng.choice(DESCRIPTIONS.get(category, ["问题 Problem"])),
            severity=self.rng.choices(("low", "normal", "high"), weights=(3, 6, 1))[0],
            channel=self.rng.choices(("worker", "citizen", "hotline", "camera"), weights=(6, 2, 2, 1))[0])
        try:
            with self.session.begin_nested():
                made = loop.report(self.session, draft, DESK, self.rules, now)
        except loop.Invalid:
            return None         # jittered past the city's edge: skip it
        tally.reported += 1
        if self.rng.random() < self.pace.neglect:
            self._neglected.add(made.id)
        return made

    def advance(self, now: datetime, minutes: float, tally: Tally) -> None:
        """Each open incident may take its next step within `minutes`."""
        def chance(per_minute: float) -> bool:
            return self.rng.random() < 1 - (1 - per_minute) ** minutes

        rows = self.session.execute(select(Incident.id, Incident.status, Incident.assignee_id,
                                           Incident.duplicate_of_id, Incident.level)
                                    .where(Incident.status.in_(OPEN_STATUSES + ("resolved",)))).all()
        for incident_id, status, assignee, duplicate_of, level in rows:
            if incident_id in self._neglected and status in ("assigned", "reported"):
                continue
            action, extra = None, {}
            if duplicate_of and status in OPEN_STATUSES and chance(self.pace.merge / 30):
                action, extra = "merge", {"into_id": duplicate_of}
            elif status in ("assigned", "reopened", "escalated") and chance(self.pace.accept):
                action = "accept"
            elif status == "reported" and chance(self.pace.accept):
                action, extra = "assign", {"level": level}     # an operator clears triage
            elif status == "accepted" and chance(self.pace.start):
                action = "start"
            elif status in ("accepted", "in_progress") and chance(self.pace.resolve):
                action, extra = "resolve", {"note": "已处置 Handled on site"}
            elif status == "resolved" and chance(self.pace.verify):
                action = "verify"
            if action is None:
                continue
            by = DESK if assignee is None or action in ("verify", "merge", "assign") else \
                loop.Participant(f"worker:{assignee}", worker_id=assignee)
            try:
                with self.session.begin_nested():
                    loop.act(self.session, incident_id, action, by, now, **extra)
                    if action == "verify" and self.rng.random() < self.pace.rate:
                        loop.act(self.session, incident_id, "rate", DESK, now,
                                      satisfaction=self.rng.choices((1, 2, 3, 4, 5), weights=(1, 1, 3, 8, 12))[0])
            except loop.IncidentError:
                continue        # e.g. the duplicate's original was itself merged meanwhile
            tally.count(action)

    def step(self, now: datetime, minutes: float, tally: Tally | None = None) -> Tally:
        """One moment: new reports for `minutes` of time, steps taken, the clock run."""
        tally = tally or Tally()
        expected = self.pace.reports_per_hour * minutes / 60
        for _ in range(_poisson(self.rng, expected)):
            self.report_one(now, tally)
        self.advance(now, minutes, tally)
        result = escalation.tick(self.session, now)
        tally.overdue += len(result.overdue)
        tally.escalated += len(result.escalated)
        return tally

    def backfill(self, until: datetime, hours: float, every_minutes: float = 10,
                 progress=lambda done, total: None) -> Tally:
        """Play the last `hours` in order, committing as it goes."""
        tally = Tally()
        steps = max(1, int(hours * 60 / every_minutes))
        for i in range(steps):
            moment = until - timedelta(minutes=every_minutes * (steps - 1 - i))
            self.step(moment, every_minutes, tally)
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
