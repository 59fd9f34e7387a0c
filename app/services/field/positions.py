"""Positions from the field: a batch of fixes from a worker's phone, or a day's GPX file,
checked and stored once each — the (worker, time) key makes a retried upload harmless.

A fix is refused when it cannot be a worker's position: outside the served city, later than
now (beyond a phone clock's slack), older than the retained months, or too inaccurate to tell
one street from the next. A fix that implies an impossible speed from the worker's last good
fix is kept but flagged (a GPS jump): tracks and coverage leave it out, and the next fix is
measured from the last good one, so a single jump flags only itself.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import gpxpy
import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ... import dates
from ...config import PositionRules
from ...geo.distance import haversine_m
from ...messages import Said
from ..city import frame

REJECTIONS = ("malformed", "outside_city", "future", "too_old", "inaccurate")
IMPOSSIBLE_SPEED = "impossible_speed"


@dataclass(frozen=True)
class Fix:
    at: datetime
    lon: float
    lat: float
    accuracy_m: float | None = None
    speed_mps: float | None = None


@dataclass
class Intake:
    """What became of a batch: the counts a phone shows and a support desk reads."""
    received: int
    stored: int = 0
    duplicates: int = 0
    rejected: Counter = field(default_factory=Counter)
    flagged: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {"received": self.received, "stored": self.stored, "duplicates": self.duplicates,
                "rejected": {r: self.rejected.get(r, 0) for r in REJECTIONS},
                "flagged": {IMPOSSIBLE_SPEED: self.flagged.get(IMPOSSIBLE_SPEED, 0)}}


# -- reading ---------------------------------------------------------------------------------

def _time(value) -> datetime | None:
    """ISO 8601 (a zone is required), or seconds since the epoch."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, timezone.utc) if 0 < value < 1e11 else None
    if isinstance(value, str):
        try:
            return dates.moment(value, None)
        except dates.Unusable:
            return None
    return None


def _number(value) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value):
        return float(value)
    return None


def read_fixes(items) -> tuple[list[Fix], int]:
    """Fixes from JSON objects {time, lon, lat, accuracy, speed}; also the count of objects
    that are not fixes at all."""
    fixes, malformed = [], 0
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            malformed += 1
            continue
        at = _time(item.get("time", item.get("t")))
        lon, lat = _number(item.get("lon")), _number(item.get("lat"))
        if at is None or lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            malformed += 1
            continue
        accuracy, speed = _number(item.get("accuracy")), _number(item.get("speed"))
        fixes.append(Fix(at, lon, lat, accuracy, speed))
    return fixes, malformed


class BadGpx(Said, ValueError):
    pass


def read_gpx(data: str | bytes) -> list[Fix]:
    """Every track point of a GPX 1.0/1.1 file that has a usable time (app/dates.py)."""
    try:
        gpx = gpxpy.parse(data.decode("utf-8-sig") if isinstance(data, bytes) else data)
    except (gpxpy.gpx.GPXException, UnicodeDecodeError, ValueError) as error:
        raise BadGpx("positions.bad_gpx", error=str(error)) from None
    fixes = []
    for track in gpx.tracks:
        for segment in track.segments:
            for point in segment.points:
                if point.time is None:
                    continue
                at = point.time if point.time.tzinfo else point.time.replace(tzinfo=timezone.utc)
                try:
                    dates.within_range(at)
                except dates.Unusable:
                    continue
                accuracy = point.horizontal_dilution * 5 if point.horizontal_dilution else None
                fixes.append(Fix(at, point.longitude, point.latitude, accuracy, point.speed))
    return fixes


# -- checking (pure) -------------------------------------------------------------------------

@dataclass(frozen=True)
class Checked:
    fix: Fix
    flag: str | None


def check(fixes: list[Fix], last_good: Fix | None, city, rules: PositionRules, now: datetime,
          intake: Intake) -> list[Checked]:
    """The fixes worth storing, oldest first, with their flags; counts what was refused.
    `city` is a prepared Shapely geometry of the served area."""
    latest = now + timedelta(seconds=rules.future_tolerance_s)
    oldest = now - timedelta(days=rules.max_age_days)
    ordered = sorted(fixes, key=lambda f: f.at)
    inside = shapely.intersects_xy(city, [f.lon for f in ordered], [f.lat for f in ordered]) \
        if ordered else []
    kept, seen = [], set()
    for fix, in_city in zip(ordered, inside):
        reason = ("future" if fix.at > latest else "too_old" if fix.at < oldest
                  else "inaccurate" if fix.accuracy_m is not None and fix.accuracy_m > rules.max_accuracy_m
                  else None if in_city else "outside_city")
        if reason:
            intake.rejected[reason] += 1
        elif fix.at in seen:
            intake.duplicates += 1
        else:
            seen.add(fix.at)
            kept.append(fix)
    checked = []
    for fix in kept:
        flag = None
        if last_good is not None and fix.at > last_good.at:
            metres = float(haversine_m(last_good.lon, last_good.lat, fix.lon, fix.lat))
            if metres / (fix.at - last_good.at).total_seconds() > rules.max_speed_mps:
                flag = IMPOSSIBLE_SPEED
                intake.flagged[flag] += 1
        if flag is None:
            last_good = fix
        checked.append(Checked(fix, flag))
    return checked


# -- storing ---------------------------------------------------------------------------------

_partitions: set[str] = set()


def last_good_fix(session: Session, worker_id: int, before: datetime) -> Fix | None:
    row = session.execute(text("""
        SELECT fixed_at, ST_X(geom), ST_Y(geom) FROM position
        WHERE worker_id = :worker AND flag IS NULL AND fixed_at < :before
        ORDER BY fixed_at DESC LIMIT 1"""), {"worker": worker_id, "before": before}).first()
    return Fix(row[0], row[1], row[2]) if row else None


def _ensure_partitions(session: Session, fixes: list[Checked]) -> None:
    months = {f.fix.at.astimezone(timezone.utc).strftime("%Y_%m") for f in fixes} - _partitions
    for month in sorted(months):
        at = datetime.strptime(month + "_01", "%Y_%m_%d").replace(tzinfo=timezone.utc)
        session.execute(text("SELECT gridmap_ensure_position_partition(:at)"), {"at": at})
        _partitions.add(month)


_STORE = text("""
    INSERT INTO position (worker_id, fixed_at, accuracy_m, speed_mps, flag, geom)
    SELECT :worker, f.at, f.accuracy, f.speed, f.flag, ST_SetSRID(ST_MakePoint(f.lon, f.lat), 4326)
    FROM unnest(CAST(:at AS timestamptz[]), CAST(:lon AS float8[]), CAST(:lat AS float8[]),
                CAST(:accuracy AS float8[]), CAST(:speed AS float8[]), CAST(:flag AS text[]))
         AS f(at, lon, lat, accuracy, speed, flag)
    ON CONFLICT (worker_id, fixed_at) DO NOTHING""")


def intake(session: Session, worker_id: int, fixes: list[Fix], rules: PositionRules, now: datetime,
           malformed: int = 0) -> Intake:
    """Checks and stores a batch in one INSERT; the caller commits."""
    result = Intake(received=len(fixes) + malformed)
    result.rejected["malformed"] += malformed
    if not fixes:
        return result
    earliest = min(f.at for f in fixes)
    checked = check(fixes, last_good_fix(session, worker_id, earliest), frame.city_outline(session),
                    rules, now, result)
    if checked:
        _ensure_partitions(session, checked)
        stored = session.execute(_STORE, {
            "worker": worker_id, "at": [c.fix.at for c in checked], "lon": [c.fix.lon for c in checked],
            "lat": [c.fix.lat for c in checked], "accuracy": [c.fix.accuracy_m for c in checked],
            "speed": [c.fix.speed_mps for c in checked], "flag": [c.flag for c in checked]}).rowcount
        result.stored = stored
        result.duplicates += len(checked) - stored
    return result
