"""Camera coverage kept up to date: the queue of cameras to recompute (filled by triggers when a
camera or a building near it changes, migration 0009) is worked off in batches — PostGIS gathers
each camera with the footprints in its reach, app/geo/visibility.py draws what it sees, and the
blind spots (road no online camera sees) are redone around the cameras that changed.

Batches are taken in geohash order so each covers a compact part of the city, and one batch is
one transaction: a crash leaves the rest queued, never half a batch written. Several processes
may work the queue at once (SKIP LOCKED).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...geo import visibility
from ...geo.crs import MetricFrame, utm_epsg
from . import facing

BATCH = 400
MIN_BLIND_SPOT_M = 1.0          # shorter leftovers are the seams between two cameras' views

# degrees of longitude and latitude covering `range_m` around the camera (alias c)
_REACH = "ST_Expand(c.geom, c.range_m / (111320 * cos(radians(ST_Y(c.geom)))), c.range_m / 110540)"


@dataclass
class Refreshed:
    cameras: int = 0
    seeing_nothing: int = 0
    blind_spots: int = 0


def refresh(session: Session, method: str = "visibility", every_road: bool = False,
            progress: Callable[[str, int], None] = lambda what, n: None) -> Refreshed:
    """Works the whole queue off, committing batch by batch; `progress(what, how many more)`.
    `every_road`: then redo the blind spots of every road (after an import)."""
    done = Refreshed()
    while True:
        taken = session.execute(text("""
            DELETE FROM camera_dirty WHERE camera_id IN (
                SELECT camera_id FROM camera_dirty ORDER BY ST_GeoHash(ST_Centroid(geom)), camera_id
                LIMIT :n FOR UPDATE SKIP LOCKED)
            RETURNING camera_id, ST_AsEWKB(geom)"""), {"n": BATCH}).all()
        if not taken:
            break
        ids = [r[0] for r in taken]
        computed = compute(session, ids, method)
        done.cameras += len(ids)
        done.seeing_nothing += computed
        if not every_road:                      # else once for all, at the end
            done.blind_spots += redo_blind_spots(session, [r[1] for r in taken])
        session.commit()
        progress("cameras", len(ids))
    if every_road:
        done.blind_spots = redo_blind_spots(session, None)
        session.commit()
    return done


def refresh_cameras(session: Session, ids: list[int]) -> None:
    """At once, in the caller's transaction: the coverage of cameras just edited, and the blind
    spots around them (an operator sees the result of their edit in the answer)."""
    taken = session.execute(text("DELETE FROM camera_dirty WHERE camera_id = ANY(:ids) RETURNING ST_AsEWKB(geom)"),
                            {"ids": ids}).scalars().all()
    compute(session, ids)
    if taken:
        redo_blind_spots(session, taken)


def queue_all(session: Session) -> int:
    """Every camera to be recomputed (after changing the method or the geometry code)."""
    return session.execute(text("""
        INSERT INTO camera_dirty (camera_id, geom) SELECT id, ST_Multi(geom) FROM camera
        ON CONFLICT (camera_id) DO NOTHING""")).rowcount


def compute(session: Session, ids: list[int], method: str = "visibility") -> int:
    """Stores the coverage of the cameras `ids` (that still exist); returns how many see nothing
    (their coverage row is removed: an empty polygon is not a coverage). Cameras whose source
    gives no bearing get one from the ground first (facing.py)."""
    changed = facing.estimate(session, ids)
    if changed:     # their update queued them again; they are cast here, with the new bearing
        session.execute(text("DELETE FROM camera_dirty WHERE camera_id = ANY(:ids)"), {"ids": changed})
    cameras = session.execute(text(f"""
        SELECT c.id, ST_X(c.geom), ST_Y(c.geom), c.bearing, c.fov, c.range_m,
               (SELECT array_agg(ST_AsBinary(b.geom)) FROM building b WHERE b.geom && {_REACH})
        FROM camera c WHERE c.id = ANY(:ids)"""), {"ids": ids}).all()
    if not cameras:
        return 0
    lon = np.array([c[1] for c in cameras])
    lat = np.array([c[2] for c in cameras])
    frame = MetricFrame(utm_epsg(float(lon.mean()), float(lat.mean())))
    points = shapely.get_coordinates(frame.to_metric(shapely.points(lon, lat)))
    seen_ids, wkbs = [], []
    for (camera_id, _, _, bearing, fov, range_m, footprints), (x, y) in zip(cameras, points):
        if method == "sector":
            seen = visibility.sector(x, y, bearing, fov, range_m)
        else:
            buildings = frame.to_metric(shapely.from_wkb(np.array(footprints or [], dtype=object)))
            seen = visibility.visible(x, y, bearing, fov, range_m, list(buildings))
        if not seen.is_empty:
            seen_ids.append(camera_id)
            wkbs.append(shapely.to_wkb(frame.to_wgs84(seen)))
    session.execute(text("DELETE FROM camera_coverage WHERE camera_id = ANY(:ids) AND NOT camera_id = ANY(:seen)"),
                    {"ids": [c[0] for c in cameras], "seen": seen_ids})
    if seen_ids:
        session.execute(text("""
            INSERT INTO camera_coverage (camera_id, method, computed_at, geom)
            SELECT v.id, :method, now(), ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_GeomFromWKB(v.w, 4326)), 3))
            FROM unnest(CAST(:ids AS int[]), CAST(:wkbs AS bytea[])) AS v(id, w)
            ON CONFLICT (camera_id) DO UPDATE
               SET method = EXCLUDED.method, computed_at = EXCLUDED.computed_at, geom = EXCLUDED.geom"""),
            {"ids": seen_ids, "wkbs": wkbs, "method": method})
    return len(cameras) - len(seen_ids)


def redo_blind_spots(session: Session, nears: list[bytes] | None) -> int:
    """The blind spots of every road within the longest camera range of these points (None:
    of every road — after an import, when roads far from any camera are new)."""
    return session.execute(text("""
        WITH near AS (SELECT ST_Collect(ST_GeomFromEWKB(w)) AS g FROM unnest(CAST(:nears AS bytea[])) w),
        reach AS (SELECT coalesce(max(range_m), 0) + 1 AS m FROM camera),
        roads AS (
            SELECT r.id, r.geom FROM road r, near, reach
            WHERE CAST(:nears AS bytea[]) IS NULL OR (
                r.geom && ST_Expand(near.g, reach.m / (111320 * cos(radians(ST_YMax(near.g)))), reach.m / 110540)
                AND ST_DWithin(r.geom::geography, near.g::geography, reach.m))),
        cleared AS (DELETE FROM camera_blind_spot WHERE road_id IN (SELECT id FROM roads))
        , added AS (
            INSERT INTO camera_blind_spot (road_id, length_m, geom)
            SELECT r.id, ST_Length(d.geom::geography), d.geom
            FROM roads r
            CROSS JOIN LATERAL (
                SELECT ST_Union(cc.geom) AS seen FROM camera_coverage cc
                JOIN camera c ON c.id = cc.camera_id AND c.status = 'online'
                WHERE cc.geom && r.geom) s
            CROSS JOIN LATERAL ST_Dump(ST_LineMerge(ST_CollectionExtract(
                CASE WHEN s.seen IS NULL THEN r.geom ELSE ST_Difference(r.geom, s.seen) END, 2))) d
            WHERE ST_Length(d.geom::geography) >= :shortest
            RETURNING 1)
        SELECT count(*) FROM added"""), {"nears": nears, "shortest": MIN_BLIND_SPOT_M}).scalar_one()


@dataclass(frozen=True)
class Blind:
    """A camera that sees less than a share of its sector, and why."""
    camera_id: int
    name: str | None
    seen_m2: float
    sector_m2: float
    why: str            # "offline", "inside_building" or "facing_wall"


def seeing_little(session: Session, share: float = 0.10) -> list[Blind]:
    """Cameras that see less than `share` of their plain sector: offline ones (whatever they
    see), ones that stand inside a building footprint, and the rest, which face a wall."""
    rows = session.execute(text("""
        SELECT c.id, c.name, c.status,
               coalesce(ST_Area(cc.geom::geography), 0) AS seen,
               pi() * c.range_m ^ 2 * c.fov / 360 AS sector,
               EXISTS (SELECT 1 FROM building b WHERE b.geom && c.geom AND ST_Within(c.geom, b.geom)) AS inside
        FROM camera c LEFT JOIN camera_coverage cc ON cc.camera_id = c.id
        WHERE coalesce(ST_Area(cc.geom::geography), 0) < :share * pi() * c.range_m ^ 2 * c.fov / 360
        ORDER BY c.id"""), {"share": share}).all()
    return [Blind(r.id, r.name, float(r.seen), float(r.sector),
                  "offline" if r.status != "online" else "inside_building" if r.inside else "facing_wall")
            for r in rows]
