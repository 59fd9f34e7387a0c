"""A person on foot along the roads: a grid worker's patrol as their phone reports it.

A walker keeps to the streets of their beat (the road network's pieces that lie in their
grid), taking at each corner the street they have walked least, at their own pace (1.0–1.5
m/s, a little faster or slower from one fix to the next). Now and then they wait at a
crossing, or stop a few minutes at a building's door (a visit); now and then they step out of
the grid on an errand and wander there a while — sometimes long enough for the out-of-grid
alert. Sent somewhere (an incident), they go by the shortest road route, stay, and come back to
their beat. Their phone reports a fix every few seconds, off by a few metres of GPS noise.

Pure: a road network (app/geo/network.py), Shapely geometries and times in; fixes and the
moments a walker arrived and left out. Distances are metres in the network's frame.
"""
from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Hashable

import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

from . import network as roads

WALK_REACH_M = 3000.0     # a route between two nodes is searched this far
CROSSING_M = 400.0        # a patrol crosses this far to the part of the beat walked least


@dataclass(frozen=True)
class Gait:
    """How a person on foot moves, and how their phone reports it."""

    speed_mps: tuple[float, float] = (1.0, 1.5)      # a walker's own pace, drawn once
    stride_jitter: float = 0.06             # sd of the pace from one fix to the next, as a share
    pause_chance: float = 0.15              # at a corner: wait for the lights, greet someone
    pause_s: tuple[float, float] = (5.0, 40.0)
    door_every_m: float = 1000.0            # along streets with doors: a visit this often
    door_minutes: tuple[float, float] = (1.0, 6.0)     # from 5 minutes, a stop on the track
    door_reach_m: float = 10.0              # a door this close to the street's centre line
    errand_every_minutes: float = 120.0     # on average: a step outside the grid
    errand_m: tuple[float, float] = (60.0, 200.0)    # how far out it leads
    errand_minutes: tuple[float, float] = (2.0, 6.0)
    long_errand_share: float = 0.4          # of errands, those long enough for the alert
    long_errand_minutes: tuple[float, float] = (20.0, 30.0)
    errand_radius_m: float = 120.0          # out there, they wander this near the errand's place
    gps_sigma_m: float = 2.5                # per axis
    accuracy_m: tuple[float, float] = (4.0, 12.0)    # what the phone says of itself


@dataclass(frozen=True)
class Fix:
    at: datetime
    lon: float
    lat: float
    accuracy_m: float
    speed_mps: float


@dataclass(frozen=True)
class Reached:
    """A walker sent somewhere arrived there ("arrived") or, their stay over, left ("done")."""
    job: Hashable
    what: str
    at: datetime


@dataclass(frozen=True)
class Beat:
    """A worker's part of the network: the pieces theirs to walk, the places an errand may
    lead to, and the doors along their streets."""
    edges: np.ndarray                       # (m,) bool: the network's pieces in the grid
    nodes: np.ndarray                       # node indices those pieces touch
    away: np.ndarray                        # (n,) bool: nodes out of the grid (and in the city)
    doors: dict[int, list[tuple[float, np.ndarray]]]   # piece → (metres from its a end, door)


def beat(network: roads.RoadNetwork, grid_wgs84, buildings_wgs84=(), city_wgs84=None,
         margin_m: float = 8.0, door_reach_m: float = Gait.door_reach_m) -> Beat:
    """The pieces whose middle lies in the grid (or within `margin_m` of it: the street on
    its line is walked too), and each building's door on them: the point of its wall nearest
    the street, if within `door_reach_m` of the street's centre line."""
    area = network.frame.to_metric(grid_wgs84)
    reach = area.buffer(margin_m)
    near = network.tree.query(reach, predicate="intersects")
    middles = shapely.line_interpolate_point(network.lines[near], 0.5, normalized=True)
    edges = np.zeros(len(network.lines), dtype=bool)
    edges[near[shapely.intersects(reach, middles)]] = True
    nodes = np.unique(network.pairs[edges].ravel())
    away = ~shapely.contains_xy(area.buffer(30.0), network.nodes[:, 0], network.nodes[:, 1])
    if city_wgs84 is not None:
        away &= shapely.contains_xy(network.frame.to_metric(city_wgs84), network.nodes[:, 0],
                                    network.nodes[:, 1])
    doors: dict[int, list[tuple[float, np.ndarray]]] = {}
    ours = np.flatnonzero(edges)
    buildings = [b for b in buildings_wgs84 if b is not None and not b.is_empty]
    if len(ours) and buildings:
        metric = network.frame.to_metric(np.array(buildings, dtype=object))
        found = shapely.STRtree(network.lines[ours]).query_nearest(
            metric, max_distance=door_reach_m, all_matches=False)
        for b, k in zip(*found):
            edge = int(ours[k])
            line = network.lines[edge]
            door, street = shapely.get_coordinates(shapely.shortest_line(metric[b], line))
            doors.setdefault(edge, []).append((float(line.project(shapely.Point(street))), door))
    return Beat(edges, nodes, away, doors)


# -- what a walker does next: a queue of steps ----------------------------------------------

@dataclass
class _Leg:
    """Walk along a line."""
    coords: np.ndarray
    speed: float
    end_node: int | None            # the network node at its end, if it ends on one
    done: float = 0.0
    cum: np.ndarray = field(init=False)

    def __post_init__(self):
        self.cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(self.coords, axis=0).T))])

    @property
    def length(self) -> float:
        return float(self.cum[-1])

    def at(self, metres: float) -> np.ndarray:
        i = min(int(np.searchsorted(self.cum, metres, side="right")), len(self.cum) - 1)
        if i == 0:
            return self.coords[0]
        span = self.cum[i] - self.cum[i - 1]
        share = 0.0 if span <= 0 else (metres - self.cum[i - 1]) / span
        return self.coords[i - 1] + min(max(share, 0.0), 1.0) * (self.coords[i] - self.coords[i - 1])


@dataclass
class _Wait:
    seconds: float


@dataclass
class _Mark:
    job: Hashable
    what: str


class Walker:
    """One person on foot. `walk(until, every_s)` moves them on to `until` and returns the
    fixes their phone took on the way and the moments they reached where they were sent."""

    def __init__(self, network: roads.RoadNetwork, beat: Beat, rng: random.Random, at: datetime,
                 start_wgs84: tuple[float, float] | None = None, gait: Gait = Gait()):
        if not beat.edges.any():
            raise ValueError("This beat has no street to walk.")
        self.network, self.beat, self.rng, self.gait = network, beat, rng, gait
        self.at = self.next_fix = at
        self.pace = rng.uniform(*gait.speed_mps)
        if start_wgs84 is None:
            self.node: int | None = int(rng.choice(list(beat.nodes)))
            self.xy = network.nodes[self.node].copy()
        else:
            self.node = None
            self.xy = shapely.get_coordinates(network.frame.to_metric(shapely.Point(start_wgs84)))[0]
        self.plan: deque = deque()
        self.visits = np.zeros(len(network.lines))
        self.came_by: int | None = None
        self.jobs: deque = deque()          # (job, xy, stay seconds), waiting
        self.job: Hashable | None = None    # the one under way
        self.errand_until: datetime | None = None
        self.errand_edges: np.ndarray | None = None
        self.next_errand = at + self._errand_gap()
        self.stride = 1.0
        self.speed = 0.0
        self._corners: dict[int, np.ndarray] = {}      # node → the pieces that meet there

    # -- orders ---------------------------------------------------------------------------

    def send(self, job: Hashable, lon: float, lat: float, stay_s: float) -> None:
        """Go to (lon, lat) along the roads, stay, then back to the beat; jobs are taken in
        the order sent. The one under way is not interrupted; anything else is."""
        xy = shapely.get_coordinates(self.network.frame.to_metric(shapely.Point(lon, lat)))[0]
        self.jobs.append((job, xy, stay_s))
        if self.job is None:
            self._interrupt()

    def cancel(self, job: Hashable) -> None:
        self.jobs = deque(j for j in self.jobs if j[0] != job)
        if self.job == job:
            self.job = None
            self._interrupt()

    def holds(self, job: Hashable) -> bool:
        return self.job == job or any(j[0] == job for j in self.jobs)

    # -- moving ---------------------------------------------------------------------------

    def walk(self, until: datetime, every_s: float) -> tuple[list[Fix], list[Reached]]:
        taken, reached = [], []
        while self.next_fix <= until:
            self._move_to(self.next_fix, reached)
            taken.append((self.next_fix, self.xy[0], self.xy[1], self.speed))
            self.next_fix += timedelta(seconds=every_s)
        self._move_to(until, reached)
        return self._fixes(taken), reached

    def _fixes(self, taken) -> list[Fix]:
        if not taken:
            return []
        noise = [(self.rng.gauss(0, self.gait.gps_sigma_m), self.rng.gauss(0, self.gait.gps_sigma_m))
                 for _ in taken]
        points = shapely.points([(x + dx, y + dy) for (_, x, y, _), (dx, dy) in zip(taken, noise)])
        lonlat = shapely.get_coordinates(self.network.frame.to_wgs84(points))
        return [Fix(at, round(float(lon), 7), round(float(lat), 7),
                    round(self.rng.uniform(*self.gait.accuracy_m), 1), round(speed, 2))
                for (at, _, _, speed), (lon, lat) in zip(taken, lonlat)]

    def _move_to(self, moment: datetime, reached: list[Reached]) -> None:
        left = (moment - self.at).total_seconds()
        if left <= 0:
            return
        self.stride = min(max(1 + self.rng.gauss(0, self.gait.stride_jitter), 0.9), 1.1)
        idle = 0
        while left > 1e-6:
            if not self.plan:
                self._decide()
                idle += 1
                if idle > 20:               # nothing to do that takes time: stand a moment
                    self.plan.append(_Wait(min(left, 10.0)))
                continue
            step = self.plan[0]
            if isinstance(step, _Mark):
                self.plan.popleft()
                reached.append(Reached(step.job, step.what, self.at))
                if step.what == "done":
                    self.job = None
                continue
            if isinstance(step, _Wait):
                used = min(left, step.seconds)
                step.seconds -= used
                self.speed = 0.0
                if step.seconds <= 1e-6:
                    self.plan.popleft()
            else:
                speed = step.speed * self.stride
                if step.length - step.done <= speed * left:
                    used = (step.length - step.done) / speed
                    self.xy = step.coords[-1].copy()
                    self.node = step.end_node
                    self.plan.popleft()
                else:
                    used = left
                    step.done += speed * left
                    self.xy = step.at(step.done)
                self.speed = speed
            if used > 0:
                idle = 0
            self.at += timedelta(seconds=used)
            left -= used
        self.at = moment

    def _interrupt(self) -> None:
        """Drop what was planned; a leg half walked leaves them between nodes."""
        if self.plan and isinstance(self.plan[0], _Leg) and self.plan[0].done > 0:
            self.node = None
        self.plan.clear()
        self.errand_until = self.errand_edges = None
        self.came_by = None

    # -- deciding -------------------------------------------------------------------------

    def _decide(self) -> None:
        if self.job is None and self.jobs:
            self.job, xy, stay = self.jobs.popleft()
            self.errand_until = None
            self._go(xy, None)
            self.plan.extend([_Mark(self.job, "arrived"), _Wait(stay), _Mark(self.job, "done")])
            return
        if self.errand_until is not None:
            if self.at < self.errand_until and self.node is not None:
                if not self._wander(self.errand_edges):
                    self.plan.append(_Wait(30.0))
                return
            self.errand_until = self.errand_edges = None
        if self.node is None or not self._on_beat(self.node):
            self._back_to_beat()
            return
        if self.at >= self.next_errand:
            self.next_errand = self.at + self._errand_gap()
            if self._errand():
                return
        if self.rng.random() < self.gait.pause_chance:
            self.plan.append(_Wait(self.rng.uniform(*self.gait.pause_s)))
        if not self._wander(self.beat.edges, doors=True):
            self._back_to_beat(elsewhere=True)

    def _on_beat(self, node: int) -> bool:
        return bool(np.any(self.beat.edges[self._edges_at(node)]))

    def _edges_at(self, node: int) -> np.ndarray:
        found = self._corners.get(node)
        if found is None:
            graph = self.network.graph
            others = graph.indices[graph.indptr[node]:graph.indptr[node + 1]]
            found = self._corners[node] = np.array(
                [self.network.edge_of[(min(node, int(o)), max(node, int(o)))] for o in others], dtype=int)
        return found

    def _wander(self, allowed: np.ndarray, doors: bool = False) -> bool:
        """Along one of the allowed pieces at this node: the one walked least, not back the
        way they came unless there is no other; on the beat, a piece elsewhere when every
        piece here has been walked more than the least walked one."""
        here = [int(e) for e in self._edges_at(self.node) if allowed[e]]
        if not here:
            return False
        if doors:
            least = self.visits[allowed].min()
            if min(self.visits[e] for e in here) > least + 1 and self._to_least_walked(allowed, least):
                return True
        if len(here) > 1 and self.came_by in here:
            here.remove(self.came_by)
        weights = [1.0 / (1.0 + self.visits[e]) ** 2 for e in here]
        edge = self.rng.choices(here, weights=weights)[0]
        self.visits[edge] += 1
        self.came_by = edge
        a, b = (int(v) for v in self.network.pairs[edge])
        line = self.network.lines[edge]
        coords = shapely.get_coordinates(line)
        forward = self.node == a
        end = b if forward else a
        speed = self._leg_speed()
        visit = self.beat.doors.get(edge) if doors else None
        if visit and self.rng.random() < 1 - math.exp(-line.length / self.gait.door_every_m):
            along, door = self.rng.choice(visit)
            if not forward:
                along = line.length - along
            oriented = shapely.LineString(coords if forward else coords[::-1])
            before = shapely.get_coordinates(substring(oriented, 0, along))
            after = shapely.get_coordinates(substring(oriented, along, oriented.length))
            street = before[-1]
            self.plan.extend([_Leg(before, speed, None), _Leg(np.array([street, door]), speed, None),
                              _Wait(self.rng.uniform(*self.gait.door_minutes) * 60),
                              _Leg(np.array([door, street]), speed, None), _Leg(after, speed, end)])
        else:
            self.plan.append(_Leg(coords if forward else coords[::-1], speed, end))
        return True

    def _to_least_walked(self, allowed: np.ndarray, least: float) -> bool:
        """To the nearest piece walked least, if it lies within a short walk; pieces beyond
        it (a part of the grid the roads reach only from outside) count as walked."""
        candidates = np.flatnonzero(allowed & (self.visits <= least))
        distances, previous = dijkstra(self.network.graph, directed=False, indices=self.node,
                                       return_predecessors=True, limit=CROSSING_M)
        ends = self.network.pairs[candidates].ravel()
        reach = distances[ends]
        if not np.isfinite(reach).any():
            self.visits[candidates] = least + 1
            return False
        nearest = int(ends[np.argmin(reach)])
        if nearest == self.node:
            return False
        self.came_by = None
        self.plan.append(_Leg(roads._path(self.network, [], previous, self.node, nearest),
                              self._leg_speed(), nearest))
        return True

    def _back_to_beat(self, elsewhere: bool = False) -> None:
        nodes = self.beat.nodes
        if elsewhere and self.node is not None:
            nodes = nodes[nodes != self.node]
            if len(nodes) == 0:
                self.plan.append(_Wait(60.0))
                return
        nearest = int(nodes[np.argmin(np.hypot(*(self.network.nodes[nodes] - self.xy).T))])
        self._go(self.network.nodes[nearest], nearest)

    def _errand(self) -> bool:
        """A step outside the grid: to a node some way out, wandering near it a while."""
        distance = np.hypot(*(self.network.nodes - self.xy).T)
        low, high = self.gait.errand_m
        candidates = np.flatnonzero(self.beat.away & (distance >= low) & (distance <= high))
        if len(candidates) == 0:
            return False
        target = int(self.rng.choice(list(candidates)))
        minutes = self.gait.long_errand_minutes if self.rng.random() < self.gait.long_errand_share \
            else self.gait.errand_minutes
        self.errand_until = self.at + timedelta(minutes=self.rng.uniform(*minutes))
        place = self.network.nodes[target]
        pairs = self.network.pairs
        near = np.hypot(*(self.network.nodes - place).T) <= self.gait.errand_radius_m
        self.errand_edges = self.beat.away[pairs[:, 0]] & self.beat.away[pairs[:, 1]] \
            & near[pairs[:, 0]] & near[pairs[:, 1]]
        self._go(place, target)
        return True

    def _go(self, xy: np.ndarray, end_node: int | None) -> None:
        """By the shortest road route (a straight line where the roads do not lead there)."""
        self.came_by = None
        if float(np.hypot(*(xy - self.xy))) < 0.5:
            self.node = end_node
            return
        coords = self._between_nodes(self.node, end_node) if self.node is not None and end_node is not None \
            else None
        if coords is None:
            frame = self.network.frame
            found = roads.routes(self.network, frame.to_wgs84(shapely.Point(self.xy)),
                                 [frame.to_wgs84(shapely.Point(xy))])
            if found and found[0].line is not None:
                coords = shapely.get_coordinates(frame.to_metric(found[0].line))
                coords[0], coords[-1] = self.xy, xy
            else:
                coords = np.array([self.xy, xy])
        self.plan.append(_Leg(coords, self._leg_speed(), end_node))

    def _between_nodes(self, source: int, target: int) -> np.ndarray | None:
        """Node to node, the search kept to a walk's reach, the path drawn by network.py's
        own `_path`: cheaper than `routes`, which first joins arbitrary points to the network."""
        distances, previous = dijkstra(self.network.graph, directed=False, indices=source,
                                       return_predecessors=True, limit=WALK_REACH_M)
        if not np.isfinite(distances[target]):
            return None
        return roads._path(self.network, [], previous, source, target)

    def _leg_speed(self) -> float:
        low, high = self.gait.speed_mps
        return min(max(self.pace * self.rng.uniform(0.93, 1.07), low), high)

    def _errand_gap(self) -> timedelta:
        return timedelta(minutes=self.rng.expovariate(1 / self.gait.errand_every_minutes))

