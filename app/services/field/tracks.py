"""A worker's day: the fixes (good ones only) as a route with its stops, for playback on the
wall and for the assessment; and keeping each day's route when old months of fixes are
dropped (retention)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...config import PositionRules
from ...geo import tracks
from ...messages import Message


@dataclass(frozen=True)
class Day:
    worker_id: int
    day: date
    fixes: int
    distance_m: float
    first_at: datetime | None
    last_at: datetime | None
    lines: list               # Shapely LineStrings, WGS84
    stops: list[dict]
    timeline: list = ()       # the good fixes as [seconds after first_at, lon, lat], for playback

    def as_geojson(self) -> dict:
        features = [{"type": "Feature", "geometry": shapely.geometry.mapping(line),
                     "properties": {"kind": "route", "piece": i}} for i, line in enumerate(self.lines)]
        features += [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                      "properties": {"kind": "stop", "arrived": s["arrived"], "left": s["left"],
                                     "minutes": s["minutes"]}} for s in self.stops]
        return {"type": "FeatureCollection", "features": features, "properties": {
            "worker_id": self.worker_id, "day": self.day.isoformat(), "fixes": self.fixes,
            "distance_m": round(self.distance_m, 1),
            "first_at": self.first_at.isoformat() if self.first_at else None,
            "last_at": self.last_at.isoformat() if self.last_at else None,
            "timeline": [list(step) for step in self.timeline]}}


def day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, ZoneInfo(zone))
    return start, start + timedelta(days=1)


def of_day(session: Session, worker_id: int, day: date, zone: str, rules: PositionRules) -> Day:
    start, end = day_bounds(day, zone)
    rows = session.execute(text("""
        SELECT fixed_at, ST_X(geom), ST_Y(geom) FROM position
        WHERE worker_id = :worker AND fixed_at >= :start AND fixed_at < :end AND flag IS NULL
        ORDER BY fixed_at"""), {"worker": worker_id, "start": start, "end": end}).all()
    if not rows:
        return kept(session, worker_id, day) or Day(worker_id, day, 0, 0.0, None, None, [], [])
    at = [r[0] for r in rows]
    t = np.array([(a - at[0]).total_seconds() for a in at])
    lon, lat = np.array([r[1] for r in rows]), np.array([r[2] for r in rows])
    ranges = tracks.pieces(t, rules.gap_minutes * 60)
    stops = [{"lon": round(s.lon, 7), "lat": round(s.lat, 7), "arrived": at[s.first].isoformat(),
              "left": at[s.last].isoformat(), "minutes": round(s.seconds / 60, 1)}
             for s in tracks.stops(t, lon, lat, rules.stop_radius_m, rules.stop_minutes * 60)]
    timeline = [(round(float(s), 1), round(float(x), 6), round(float(y), 6)) for s, x, y in zip(t, lon, lat)]
    return Day(worker_id, day, len(rows), tracks.distance_m(lon, lat, ranges), at[0], at[-1],
               tracks.lines(lon, lat, ranges), stops, timeline)


def keep(session: Session, found: Day) -> None:
    """Stores the day's route in track_day (replacing an earlier keep of the same day)."""
    if not found.fixes:
        return
    geom = shapely.MultiLineString(found.lines) if found.lines else None
    session.execute(text("""
        INSERT INTO track_day (worker_id, day, fixes, distance_m, first_at, last_at, geom)
        VALUES (:worker, :day, :fixes, :distance, :first, :last,
                ST_SetSRID(ST_GeomFromWKB(:geom), 4326))
        ON CONFLICT (worker_id, day) DO UPDATE SET fixes = EXCLUDED.fixes,
            distance_m = EXCLUDED.distance_m, first_at = EXCLUDED.first_at,
            last_at = EXCLUDED.last_at, geom = EXCLUDED.geom"""),
        {"worker": found.worker_id, "day": found.day, "fixes": found.fixes, "distance": found.distance_m,
         "first": found.first_at, "last": found.last_at,
         "geom": shapely.to_wkb(geom) if geom is not None else None})


def keep_finished(session: Session, day: date, zone: str, rules: PositionRules,
                  progress=lambda _: None) -> int:
    """Keeps the route of each worker who has fixes on `day` (a day that is over) and no kept
    route of it yet; the caller commits. Returns how many were kept."""
    start, end = day_bounds(day, zone)
    workers = session.execute(text("""
        SELECT w.id FROM worker w
        WHERE EXISTS (SELECT 1 FROM position p WHERE p.worker_id = w.id AND p.flag IS NULL
                        AND p.fixed_at >= :start AND p.fixed_at < :end)
          AND NOT EXISTS (SELECT 1 FROM track_day k WHERE k.worker_id = w.id AND k.day = :day)
        ORDER BY w.id"""), {"start": start, "end": end, "day": day}).scalars().all()
    for i, worker_id in enumerate(workers):
        keep(session, of_day(session, worker_id, day, zone, rules))
        if i % 100 == 99:
            progress(Message("tracks.day_kept", day=day.isoformat(), done=i + 1, total=len(workers)))
    return len(workers)


def keep_late(session: Session, worker_id: int, fixed_at: list[datetime], zone: str,
              rules: PositionRules, today: date) -> list[date]:
    """A phone that was offline uploads fixes of a day that is over: that day's kept route is
    made again from all its fixes. Returns the days kept."""
    days = sorted({d for d in (at.astimezone(ZoneInfo(zone)).date() for at in fixed_at) if d < today})
    for day in days:
        keep(session, of_day(session, worker_id, day, zone, rules))
    return days


def kept(session: Session, worker_id: int, day: date) -> Day | None:
    """A day whose fixes are gone, from track_day (stops are not kept)."""
    row = session.execute(text("""
        SELECT fixes, distance_m, first_at, last_at, ST_AsBinary(geom) FROM track_day
        WHERE worker_id = :worker AND day = :day"""), {"worker": worker_id, "day": day}).first()
    if row is None:
        return None
    lines = list(shapely.from_wkb(row[4]).geoms) if row[4] else []
    return Day(worker_id, day, row[0], row[1], row[2], row[3], lines, [])


def retain(session: Session, rules: PositionRules, zone: str, now: datetime, progress=lambda _: None) -> list[str]:
    """Drops the month partitions of fixes older than the retention, each worker's days kept
    in track_day first. Returns the partitions dropped. Commits month by month; `progress`
    hears how far it is as a Message (the command line says it)."""
    cutoff = (now.replace(day=1) - timedelta(days=31 * (rules.retention_months - 1))).replace(day=1)
    months = session.execute(text("""
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'position'::regclass AND c.relname ~ '^position_[0-9]{4}_[0-9]{2}$'
        ORDER BY c.relname""")).scalars().all()
    dropped = []
    for name in months:
        first = datetime.strptime(name[len("position_"):] + "_01", "%Y_%m_%d").date()
        if first >= cutoff.date():
            continue
        days = session.execute(text(f"""
            SELECT DISTINCT worker_id, (fixed_at AT TIME ZONE :zone)::date FROM "{name}"
            ORDER BY 1, 2"""), {"zone": zone}).all()
        for i, (worker_id, day) in enumerate(days):
            keep(session, of_day(session, worker_id, day, zone, rules))
            if i % 100 == 0:
                progress(Message("tracks.month_kept", month=name, done=i + 1, total=len(days)))
        session.execute(text(f'DROP TABLE "{name}"'))
        session.commit()
        progress(Message("tracks.month_dropped", month=name, days=len(days)))
        dropped.append(name)
    return dropped
