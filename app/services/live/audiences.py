"""Which of a process's open streams an event reaches, in time that grows with the areas the
event falls in, not with the streams.

A city holds a phone per grid worker and a wall per operator: 10,000 streams, but a few hundred
distinct areas (every phone of a grid has the same one). Streams are grouped by their audience's
`area_key`; the groups' areas sit in an STRtree, so an event's place finds the groups that see it
with one query (asking 640 areas one by one cost 2 ms an event, measured in
bench/stream_shapes). Tasks given to or taken from a worker, and a worker's own track, are
looked up by worker id.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Hashable, Iterable, TypeVar

import shapely

from .stream import Audience

S = TypeVar("S", bound=Hashable)


@dataclass(eq=False)
class _Group(Generic[S]):
    audience: Audience            # any member's: the area part is the same for all
    members: set = field(default_factory=set)


class Audiences(Generic[S]):
    def __init__(self):
        self._groups: dict[tuple, _Group[S]] = {}
        self._workers: dict[int, dict[S, Audience]] = {}
        self._tree: shapely.STRtree | None = None
        self._placed: list[_Group[S]] = []           # the tree's groups, in its order
        self._everywhere: list[_Group[S]] = []       # groups that see the whole city
        self._stale = True

    def add(self, stream: S, audience: Audience) -> None:
        group = self._groups.get(audience.area_key)
        if group is None:
            group = self._groups[audience.area_key] = _Group(audience)
            self._stale = True
        group.members.add(stream)
        if audience.worker_id is not None:
            self._workers.setdefault(audience.worker_id, {})[stream] = audience

    def remove(self, stream: S, audience: Audience) -> None:
        group = self._groups.get(audience.area_key)
        if group is not None:
            group.members.discard(stream)
            if not group.members:
                del self._groups[audience.area_key]
                self._stale = True
        if audience.worker_id is not None:
            mine = self._workers.get(audience.worker_id, {})
            mine.pop(stream, None)
            if not mine:
                self._workers.pop(audience.worker_id, None)

    def __len__(self) -> int:
        return sum(len(g.members) for g in self._groups.values())

    def reached_by(self, event: dict) -> set[S]:
        """The streams that may see `event`."""
        reached: set[S] = set()
        for group in self._groups_around(event):
            if group.audience.sees_in_area(event):
                reached |= group.members
        for worker_id in _workers_named(event):
            for stream, audience in self._workers.get(worker_id, {}).items():
                if audience.hears_as_worker(event):
                    reached.add(stream)
        return reached

    def _groups_around(self, event: dict) -> Iterable[_Group[S]]:
        place = _place(event)
        if place is None:               # no place: only what sees everything (or needs none)
            if event.get("type") in ("incident", "position"):
                return self._everywhere_groups()
            return list(self._groups.values())
        self._index()
        hits = self._tree.query(shapely.points(*place), predicate="intersects") if self._placed else ()
        return [*self._everywhere, *(self._placed[i] for i in hits)]

    def _everywhere_groups(self) -> list[_Group[S]]:
        self._index()
        return self._everywhere

    def _index(self) -> None:
        if not self._stale:
            return
        groups = list(self._groups.values())
        self._everywhere = [g for g in groups if g.audience.everything]
        self._placed = [g for g in groups if not g.audience.everything]
        self._tree = shapely.STRtree([g.audience.area for g in self._placed]) if self._placed else None
        self._stale = False


def _place(event: dict) -> tuple[float, float] | None:
    kind = event.get("type")
    if kind == "incident":
        incident = event["incident"]
        lon, lat = incident.get("lon"), incident.get("lat")
    elif kind == "position":
        lon, lat = event.get("lon"), event.get("lat")
    else:
        return None
    return None if lon is None or lat is None else (lon, lat)


def _workers_named(event: dict) -> tuple:
    kind = event.get("type")
    if kind == "incident":
        named = (event["incident"].get("assignee_id"), event.get("taken_from"))
        return tuple(w for w in dict.fromkeys(named) if w is not None)
    if kind == "position" and event.get("worker_id") is not None:
        return (event["worker_id"],)
    return ()
