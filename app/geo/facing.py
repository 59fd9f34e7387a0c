"""Which way a camera faces when its source does not say, estimated from the ground around it.

Most mapped cameras carry no direction (181 of the demo's 221). Taken as north, a camera on a
south, east or west wall looked into its own building and saw nothing. Instead, in order:

- wall: on, inside, or within WALL_REACH_M of a building, it faces away from the wall, along the
  wall's outward normal (at a corner, between the two walls' normals). Footprints that touch are
  one block, and their shared walls are not outside walls. Where the normal looks straight at a
  facade across a narrow street, a camera is mounted to look along the street: of the bearings
  that keep the whole view on the outside of the wall (every TURN_STEP_DEG from the normal), the
  one that sees the most, when it sees clearly more (BETTER_BY) than the normal.
- road: else, by a road within ROAD_REACH_M, it faces along the road; of every nearby road's
  two ways (at a junction, several roads), the one that sees the most road past the buildings.
- dome: else there is nothing to go by; the camera is taken for a dome with a short range.

Pure geometry in a metric CRS: footprints and roads are Shapely geometries in metres.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.ops
from shapely.geometry.base import BaseGeometry

from .visibility import visible

WALL_REACH_M = 3.0
ROAD_REACH_M = 20.0
DOME_RANGE_M = 15.0
TURN_STEP_DEG = 10.0
BETTER_BY = 1.2
_OUTWARD_PROBE_M = 0.25


@dataclass(frozen=True)
class Facing:
    how: str                    # "wall", "road" or "dome"
    bearing: float | None       # degrees clockwise from north; None for a dome


def estimate(x: float, y: float, fov: float, range_m: float, footprints: list[BaseGeometry],
             roads: list[BaseGeometry]) -> Facing:
    origin = shapely.Point(x, y)
    footprints = [b for b in footprints if b is not None and not b.is_empty]
    normal = away_from_wall(origin, footprints)
    if normal is not None:
        return Facing("wall", _turned_to_see_most(x, y, normal, fov, range_m, footprints))
    bearing = along_road(origin, fov, range_m, footprints, [r for r in roads if r is not None and not r.is_empty])
    if bearing is not None:
        return Facing("road", bearing)
    return Facing("dome", None)


def away_from_wall(origin: shapely.Point, footprints: list[BaseGeometry]) -> float | None:
    near = [b for b in footprints if b.distance(origin) <= WALL_REACH_M]
    if not near:
        return None
    block = min(shapely.get_parts(shapely.union_all(near)), key=lambda part: part.distance(origin))
    on_wall = shapely.ops.nearest_points(block.boundary, origin)[0]
    point = np.array([on_wall.x, on_wall.y])
    normals = []
    for ring in shapely.get_rings(block):
        coords = shapely.get_coordinates(ring)
        for a, b in zip(coords[:-1], coords[1:]):
            if shapely.LineString([a, b]).distance(on_wall) > 1e-6:
                continue
            along = b - a
            normal = np.array([along[1], -along[0]]) / np.hypot(*along)
            if block.covers(shapely.Point(*(point + _OUTWARD_PROBE_M * normal))):
                normal = -normal                   # that side is the building's inside
            normals.append(normal)
    if not normals:
        return None
    outward = np.sum(normals, axis=0)
    if np.hypot(*outward) < 1e-9:             # a wall with the building on both sides (a sliver)
        outward = normals[0]
    return math.degrees(math.atan2(outward[0], outward[1])) % 360


def _turned_to_see_most(x: float, y: float, normal: float, fov: float, range_m: float,
                        footprints: list[BaseGeometry]) -> float:
    """The normal, or a bearing turned from it (the view still wholly off the wall) that sees
    clearly more: along a narrow street rather than into the facade across it."""
    reach = max(0.0, 90.0 - fov / 2)
    turns = [k * TURN_STEP_DEG for k in range(1, int(reach // TURN_STEP_DEG) + 1)]
    candidates = [normal] + [(normal + sign * turn) % 360 for turn in turns for sign in (-1, 1)]
    areas = [visible(x, y, bearing, fov, range_m, footprints).area for bearing in candidates]
    best = max(range(len(candidates)), key=areas.__getitem__)
    return candidates[best] if areas[best] > areas[0] * BETTER_BY else normal


def along_road(origin: shapely.Point, fov: float, range_m: float, footprints: list[BaseGeometry],
               roads: list[BaseGeometry]) -> float | None:
    near = [r for r in roads if r.distance(origin) <= ROAD_REACH_M]
    if not near:
        return None
    candidates = []
    for road in near:
        for line in shapely.get_parts(road):
            at = line.project(origin)
            ahead = line.interpolate(min(at + 1.0, line.length))
            behind = line.interpolate(max(at - 1.0, 0.0))
            if ahead.equals(behind):
                continue
            way = math.degrees(math.atan2(ahead.x - behind.x, ahead.y - behind.y)) % 360
            candidates += [way, (way + 180) % 360]
    if not candidates:
        return None
    network = shapely.union_all(near)

    def road_seen(bearing: float) -> float:
        return shapely.intersection(network, visible(origin.x, origin.y, bearing, fov, range_m, footprints)).length
    return max(candidates, key=road_seen)
