"""What a camera really sees: its sector (bearing, field of view, range) clipped by line of sight
around building footprints — a 2D visibility polygon, in a metric CRS.

Rays leave the camera towards every building corner within reach and every point where a wall
crosses the range circle (and a hair either side of each, to pass it), along the sector's two
edges and every ARC_STEP_DEG along its arc; each ray stops at the nearest wall it meets, or at
the range. The rays' ends, in angle order, are the visible polygon: exact at the corners and
where walls leave the range, and the arc drawn to within a few centimetres.
All rays are cut against all walls at once with numpy, so a camera costs about a millisecond.

A camera mounted on a building sees out from it, not through it: a position inside a footprint
is moved onto the outside wall of its block (the union of the footprints around it, so a wall
two buildings share is not taken for an outside one); walls through the camera do not stop its
rays, the buildings' far walls do, and the footprints it is mounted on (within MOUNT_REACH_M)
are cut out of what it sees.
"""
from __future__ import annotations

import math

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

ARC_STEP_DEG = 2.0
CORNER_EPS_RAD = 1e-5        # a ray this far either side of a corner: past it, or stopped by it
MOUNT_REACH_M = 1.0
# A wall passing this close to the camera is one it is mounted on, and does not stop its rays. A
# position put on a wall is known to about a nanometre (UTM coordinates of millions of metres),
# and a ray almost parallel to the wall would otherwise cross it micrometres out and stop there.
THROUGH_M = 1e-3


def sector(x: float, y: float, bearing: float | None, fov: float, range_m: float,
           arc_step_deg: float = ARC_STEP_DEG) -> Polygon:
    """The plain wedge (or disc, for 360°): what the camera would see with nothing in the way."""
    angles = _arc_angles(bearing, fov, arc_step_deg)
    ends = np.column_stack([x + range_m * np.sin(angles), y + range_m * np.cos(angles)])
    if fov >= 360:
        return Polygon(ends[:-1])
    return Polygon(np.vstack([[x, y], ends]))


def visible(x: float, y: float, bearing: float | None, fov: float, range_m: float,
            buildings: list[BaseGeometry] | np.ndarray, arc_step_deg: float = ARC_STEP_DEG) -> BaseGeometry:
    """The part of the sector the camera at (x, y) can see past `buildings` (footprints, metric)."""
    origin = shapely.Point(x, y)
    near = [b for b in buildings if b is not None and not b.is_empty and b.distance(origin) <= range_m]
    if any(b.contains(origin) for b in near):
        # A position inside a footprint goes onto the outside wall of the block it stands in:
        # where two footprints share a wall, the nearest wall of one is inside the other.
        block = next(part for part in shapely.get_parts(shapely.union_all(near)) if part.covers(origin))
        origin = shapely.ops.nearest_points(block.boundary, origin)[0]
        x, y = origin.x, origin.y
    mounts = [b for b in near if b.distance(origin) <= MOUNT_REACH_M]
    wedge = sector(x, y, bearing, fov, range_m, arc_step_deg)
    walls = _walls(near)
    full = fov >= 360
    angles = _arc_angles(bearing, fov, arc_step_deg)
    if len(walls):
        corners = np.unique(walls[:, :2], axis=0)
        dx, dy = corners[:, 0] - x, corners[:, 1] - y
        toward = np.arctan2(dx, dy)                       # clockwise from north, like a bearing
        reach = np.hypot(dx, dy) <= range_m
        toward = np.concatenate([toward[reach], _circle_crossings(x, y, walls, range_m)])
        toward = np.concatenate([toward - CORNER_EPS_RAD, toward, toward + CORNER_EPS_RAD])
        if not full:
            toward = toward[_inside_sector(toward, bearing, fov)]
        angles = np.concatenate([angles, toward])
    start = 0.0 if full else math.radians(bearing) - math.radians(fov) / 2
    order = np.argsort(np.mod(angles - start, 2 * math.pi), kind="stable")
    angles = angles[order]
    distance = _nearest_hits(x, y, angles, walls, range_m)
    ends = np.column_stack([x + distance * np.sin(angles), y + distance * np.cos(angles)])
    ring = ends if full else np.vstack([[x, y], ends])
    seen = shapely.make_valid(Polygon(ring))
    seen = shapely.intersection(seen, wedge)      # rays a hair outside the fov come back in
    if mounts:
        seen = shapely.difference(seen, shapely.union_all(mounts))
    return _polygons(seen)


def _arc_angles(bearing: float | None, fov: float, step_deg: float = ARC_STEP_DEG) -> np.ndarray:
    """Angles (radians, clockwise from north) along the arc, both edges included."""
    if fov >= 360:
        n = int(round(360 / step_deg))
        return np.linspace(0, 2 * math.pi, n + 1)
    half = math.radians(fov) / 2
    centre = math.radians(bearing or 0.0)
    n = max(int(math.ceil(fov / step_deg)), 1)
    return np.linspace(centre - half, centre + half, n + 1)


def _circle_crossings(x: float, y: float, walls: np.ndarray, range_m: float) -> np.ndarray:
    """Bearings (radians) at which walls cross the range circle. A wall whose far corner is out
    of reach ends, for the camera, where it crosses the circle: without a ray there, the
    polygon would cut the corner between the arc's rays, losing up to an arc step's sliver."""
    px, py = walls[:, 0] - x, walls[:, 1] - y
    ex, ey = walls[:, 2] - walls[:, 0], walls[:, 3] - walls[:, 1]
    a = ex * ex + ey * ey
    b = 2 * (px * ex + py * ey)
    c = px * px + py * py - range_m * range_m
    disc = b * b - 4 * a * c
    ok = (a > 0) & (disc >= 0)
    root = np.sqrt(np.where(ok, disc, 0))
    found = []
    for sign in (-1, 1):
        s = np.where(ok, (-b + sign * root) / np.where(a > 0, 2 * a, 1), -1)
        on = ok & (s >= 0) & (s <= 1)
        found.append(np.arctan2(px[on] + s[on] * ex[on], py[on] + s[on] * ey[on]))
    return np.concatenate(found)


def _inside_sector(angles: np.ndarray, bearing: float | None, fov: float) -> np.ndarray:
    off = np.mod(angles - math.radians(bearing or 0.0) + math.pi, 2 * math.pi) - math.pi
    return np.abs(off) <= math.radians(fov) / 2


def _walls(buildings: list[BaseGeometry]) -> np.ndarray:
    """Every edge of the footprints' rings, as rows x0, y0, x1, y1."""
    rows = []
    for b in buildings:
        for ring in shapely.get_rings(shapely.get_parts(b)):
            c = np.asarray(ring.coords)[:, :2]
            rows.append(np.hstack([c[:-1], c[1:]]))
    return np.vstack(rows) if rows else np.empty((0, 4))


def _nearest_hits(x: float, y: float, angles: np.ndarray, walls: np.ndarray, range_m: float) -> np.ndarray:
    """For each ray, the distance to the first wall it meets, at most range_m."""
    hit = np.full(len(angles), range_m)
    walls = walls[_distance_to(x, y, walls) > THROUGH_M]
    if not len(walls):
        return hit
    dx, dy = np.sin(angles)[:, None], np.cos(angles)[:, None]          # rays (unit)
    px, py = walls[:, 0][None, :] - x, walls[:, 1][None, :] - y          # wall starts, from the camera
    ex, ey = (walls[:, 2] - walls[:, 0])[None, :], (walls[:, 3] - walls[:, 1])[None, :]
    denominator = dx * ey - dy * ex
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (px * ey - py * ex) / denominator              # along the ray
        s = (px * dy - py * dx) / denominator              # along the wall
    meets = (np.abs(denominator) > 1e-12) & (t > 1e-6) & (s >= -1e-9) & (s <= 1 + 1e-9)
    t = np.where(meets, t, np.inf)
    return np.minimum(hit, t.min(axis=1))


def _distance_to(x: float, y: float, walls: np.ndarray) -> np.ndarray:
    """Each wall's distance from (x, y)."""
    ax, ay = walls[:, 0] - x, walls[:, 1] - y
    ex, ey = walls[:, 2] - walls[:, 0], walls[:, 3] - walls[:, 1]
    length2 = ex * ex + ey * ey
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.clip(np.where(length2 > 0, -(ax * ex + ay * ey) / length2, 0.0), 0.0, 1.0)
    return np.hypot(ax + u * ex, ay + u * ey)


def _polygons(geom: BaseGeometry) -> BaseGeometry:
    """Only the areal parts (a ray's end can leave a sliver line or point behind)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]
    if not parts:
        return shapely.MultiPolygon()
    return shapely.MultiPolygon(parts)
