"""Grouping blocks into contiguous regions balanced by households: communities of a street,
grids of a community.

This is regionalisation with a floor and a ceiling (300–1000 households a grid) and a fixed
number of regions. PySAL's spopt was looked at first: max-p takes a floor only and makes as
many regions as it can; SKATER and AZP fix the count but minimise the spread of an attribute
inside each region, not the balance of a sum, and none takes a ceiling or prefers a boundary
along a road over one across a block. So the blocks are grouped here by recursive bisection
of their adjacency graph: a region of n parts is split into two connected sides of ⌊n/2⌋ and
⌈n/2⌉ parts by sweeping the blocks' centres in eight directions and taking, of the splits that
balance households (and, with bounds, leave each side able to average inside them), the one
whose shared boundary is shortest — counting a boundary along a road, railway or river at its
length, one across a block at three times it. Sweeps keep the sides compact; the boundary
cost keeps them on the ground's own lines. A grid left a strip its blocks do not excuse (a
slice of a big block cut between its buildings) is drawn afresh with a neighbour by the
bisection, which turns its cuts away from strips.
"""
from __future__ import annotations

import math
from collections import deque
from typing import Sequence

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from . import compactness
from .blocks import BlockGraph
from .partition import GRID_SIZE, Part, polygonal

DIRECTIONS = 8
MAX_DRIFT = 0.45            # quotas a side may miss its share by, when a split within it exists
CUT_WEIGHT = 0.6            # score of a boundary as long as the region is wide, in quotas
OFF_LINE = 3.0              # a boundary across a block costs this many times its length
ON_MAIN = 0.4               # a boundary along a main road, when main roads are preferred
REFINEMENTS = 8             # times blocks are cut finer for grids to fall inside the bounds
LOOKAHEAD = 40              # best splits tried for connected sides before repairing one
MAX_TRIES = 400             # splits inside the bounds tried for connected, splittable sides
FEASIBLE_TRIES = 60         # splits tried to show that a side of two parts can be split
COMPACTING_MOVES = 200      # blocks moved at most to make strips squarer


def group(graph: BlockGraph, nodes: np.ndarray, sizes: Sequence[float],
          bounds: tuple[int, int] | None = None, prefer_main: bool = False) -> list[np.ndarray]:
    """Split `nodes` (blocks) into len(sizes) connected groups whose households follow
    `sizes`: how many parts of `bounds` households each group is to hold (a community's grid
    count, or 1 for each grid)."""
    costs = graph.shared_m * np.where(graph.on_line, 1.0, OFF_LINE)
    if prefer_main:
        costs = np.where(graph.on_main, costs * ON_MAIN, costs)
    splitter = _Splitter(graph, costs, bounds)
    out: list[np.ndarray] = []
    splitter.split(np.asarray(nodes, dtype=int), list(sizes), out)
    if bounds and all(size == 1 for size in sizes):
        out = splitter.compact(splitter.rebalance(out))
    return out


class _Splitter:
    def __init__(self, graph: BlockGraph, costs: np.ndarray, bounds):
        self.graph = graph
        self.costs = costs
        self.bounds = bounds
        self.adjacent = graph.neighbours()
        self.weights = graph.households.astype(float)
        if self.weights.sum() <= 0:     # nobody lives here: balance ground area instead
            self.weights = graph.areas.astype(float)

    def split(self, nodes: np.ndarray, sizes: list[float], out: list[np.ndarray]) -> None:
        if len(sizes) == 1 or len(nodes) < 2:
            out.append(nodes)
            # a group of blocks too few for its parts: the rest are empty, the count stays
            out.extend(np.empty(0, dtype=int) for _ in sizes[1:])
            return
        k = len(sizes) // 2
        fraction = sum(sizes[:k]) / sum(sizes)
        left, right = self._best_split(nodes, fraction, sum(sizes[:k]), sum(sizes[k:]))
        self.split(left, sizes[:k], out)
        self.split(right, sizes[k:], out)

    def _best_split(self, nodes, fraction, n_left, n_right):
        candidates = []         # (score, direction, k)
        orders = []
        total = self.weights[nodes].sum()
        quota = total / (n_left + n_right) if total else 1.0
        width = math.sqrt(max(self.graph.areas[nodes].sum(), 1.0))
        inside = np.zeros(len(self.graph.blocks), dtype=bool)
        inside[nodes] = True
        for d in range(DIRECTIONS):
            angle = math.pi * d / DIRECTIONS
            order = nodes[np.argsort(self.graph.centres[nodes] @ [math.cos(angle), math.sin(angle)],
                                     kind="stable")]
            orders.append(order)
            prefix = np.cumsum(self.weights[order])[:-1]
            drift = np.abs(prefix - total * fraction) / quota
            cut = self._sweep_cuts(order, inside)
            miss = self._miss(prefix, total, n_left, n_right)
            # each side needs a block with somebody in it for each of its parts
            lived_in = np.cumsum(self.weights[order] > 0)
            short = np.maximum(n_left - lived_in[:-1], n_right - (lived_in[-1] - lived_in[:-1]))
            miss = miss + np.maximum(short, 0) * quota
            score = drift + CUT_WEIGHT * cut / width
            for k in range(len(order) - 1):
                candidates.append((miss[k], drift[k] > MAX_DRIFT, score[k], d, k))
        candidates.sort()
        tried = 0
        for miss, drifts, score, d, k in candidates:
            if tried >= MAX_TRIES or (miss > 0 and tried >= LOOKAHEAD):
                break
            left, right = orders[d][:k + 1], orders[d][k + 1:]
            tried += 1
            if self._connected(left) and self._connected(right) and self._feasible(left, n_left) \
                    and self._feasible(right, n_right):
                return left, right
        for miss, drifts, score, d, k in candidates[:LOOKAHEAD]:
            left, right = orders[d][:k + 1], orders[d][k + 1:]
            if self._connected(left) and self._connected(right):
                return left, right
        _, _, _, d, k = candidates[0]
        return self._repaired(orders[d][:k + 1], orders[d][k + 1:])

    def rebalance(self, groups: list[np.ndarray]) -> list[np.ndarray]:
        """Move blocks across group edges, one at a time, while that brings groups outside the
        bounds closer to them and leaves every group in one piece: the bisection balances
        only as finely as its blocks."""
        low, high = self.bounds
        members = [set(int(b) for b in g) for g in groups]
        label = {b: g for g, m in enumerate(members) for b in m}
        sums = [self.weights[list(m)].sum() if m else 0.0 for m in members]

        def violation(total: float) -> float:
            return max(0.0, low - total, total - high)

        for _ in range(4 * len(label)):
            best = None
            for g in sorted(range(len(members)), key=lambda g: -violation(sums[g])):
                if violation(sums[g]) == 0:
                    break
                for block in list(label):
                    h = label[block]
                    if (sums[g] < low) == (h == g):
                        continue        # a small group takes from others, a big one gives
                    source, target = (h, g) if sums[g] < low else (g, h)
                    if not any(label.get(o) == target for o, _ in self.adjacent[block]):
                        continue
                    w = self.weights[block]
                    gain = (violation(sums[source]) + violation(sums[target])
                            - violation(sums[source] - w) - violation(sums[target] + w))
                    if gain > 0 and (best is None or gain > best[0]) and len(members[source]) > 1 \
                            and self._connected(list(members[source] - {block})):
                        best = (gain, block, source, target)
                if best:
                    break
            if not best:
                break
            _, block, source, target = best
            self._move(block, source, target, members, label, sums)
        return [np.array(sorted(m), dtype=int) for m in members]

    def compact(self, groups: list[np.ndarray]) -> list[np.ndarray]:
        """Move blocks across group edges, one at a time, while that makes the more elongated
        of the two groups less so beyond what its own blocks allow, keeping both inside the
        bounds and in one piece: the sweeps balance households first, and a balanced group
        can still be a strip."""
        low, high = self.bounds
        members = [set(int(b) for b in g) for g in groups]
        label = {b: g for g, m in enumerate(members) for b in m}
        sums = [self.weights[list(m)].sum() if m else 0.0 for m in members]
        own = np.zeros(len(self.graph.blocks))      # only this community's blocks: a street has many
        for block in label:
            own[block] = compactness.allowed([self.graph.metric[block]])

        def excess(blocks: set[int]) -> float:
            if not blocks:
                return 0.0
            shape = shapely.union_all(self.graph.metric[list(blocks)])
            return max(0.0, compactness.elongation(shape) - own[list(blocks)].max())

        excesses = [excess(m) for m in members]
        for _ in range(COMPACTING_MOVES):
            best = None
            for g in sorted((g for g in range(len(members)) if excesses[g] > 0), key=lambda g: -excesses[g]):
                for block in sorted(b for b in label if any(
                        (label[b] == g) != (label.get(o) == g) for o, _ in self.adjacent[b])):
                    source = label[block]
                    for target in {label[o] for o, _ in self.adjacent[block] if o in label} - {source}:
                        if g not in (source, target):
                            continue
                        w = self.weights[block]
                        # a strip of a block moved in would only excuse the group it joins
                        if not (low <= sums[source] - w and sums[target] + w <= high) \
                                or len(members[source]) < 2 or own[block] > own[list(members[target])].max():
                            continue
                        before = max(excesses[source], excesses[target])
                        after_source = excess(members[source] - {block})
                        after_target = excess(members[target] | {block})
                        gain = before - max(after_source, after_target)
                        if gain > 0.01 and (best is None or gain > best[0]) \
                                and self._connected(list(members[source] - {block})):
                            best = (gain, block, source, target, after_source, after_target)
                if best:
                    break
            if not best:
                break
            _, block, source, target, excesses[source], excesses[target] = best
            self._move(block, source, target, members, label, sums)
        return [np.array(sorted(m), dtype=int) for m in members]

    def _move(self, block: int, source: int, target: int, members: list[set[int]], label: dict,
              sums: list[float]) -> None:
        """One block from group `source` to `target`, in the groups' members, labels and sums."""
        members[source].discard(block)
        members[target].add(block)
        label[block] = target
        sums[source] -= self.weights[block]
        sums[target] += self.weights[block]

    def _sweep_cuts(self, order, inside) -> np.ndarray:
        """The cost of the boundary between the first k+1 blocks of the order and the rest."""
        on_left = np.zeros(len(self.graph.blocks), dtype=bool)
        cut, cuts = 0.0, np.empty(len(order) - 1)
        for k, block in enumerate(order[:-1]):
            for other, edge in self.adjacent[block]:
                if inside[other]:
                    cut += -self.costs[edge] if on_left[other] else self.costs[edge]
            on_left[block] = True
            cuts[k] = cut
        return cuts

    def _miss(self, prefix, total, n_left, n_right) -> np.ndarray:
        """How many households the average part on the worse side falls outside the bounds."""
        if not self.bounds or self.graph.households.sum() <= 0:
            return np.zeros(len(prefix))
        low, high = self.bounds
        sides = (prefix / n_left, (total - prefix) / n_right)
        return np.maximum(*(np.maximum(0.0, np.maximum(low - s, s - high)) for s in sides))

    def _feasible(self, nodes, parts: int) -> bool:
        """A side that is to become two parts can be split into two connected pieces inside
        the bounds."""
        if parts != 2 or not self.bounds or self.graph.households.sum() <= 0:
            return True
        low, high = self.bounds
        total = self.weights[nodes].sum()
        tried = 0
        for d in range(DIRECTIONS):
            angle = math.pi * d / DIRECTIONS
            order = nodes[np.argsort(self.graph.centres[nodes] @ [math.cos(angle), math.sin(angle)])]
            prefix = np.cumsum(self.weights[order])[:-1]
            for k in np.flatnonzero((prefix >= low) & (prefix <= high) & (total - prefix >= low)
                                    & (total - prefix <= high)):
                if self._connected(order[:k + 1]) and self._connected(order[k + 1:]):
                    return True
                tried += 1
                if tried >= FEASIBLE_TRIES:
                    return False
        return False

    def _connected(self, nodes) -> bool:
        return len(self._components(nodes)) <= 1

    def _components(self, nodes) -> list[list[int]]:
        member = set(int(n) for n in nodes)
        seen: set[int] = set()
        components = []
        for start in member:
            if start in seen:
                continue
            seen.add(start)
            queue, component = deque([start]), []
            while queue:
                block = queue.popleft()
                component.append(block)
                for other, _ in self.adjacent[block]:
                    if other in member and other not in seen:
                        seen.add(other)
                        queue.append(other)
            components.append(component)
        return components

    def _repaired(self, left, right):
        """No balanced split leaves both sides in one piece: each side keeps its heaviest
        piece and gives the others to the other side."""
        for _ in range(2):
            for side, other in ((left, right), (right, left)):
                pieces = self._components(side)
                if len(pieces) > 1:
                    pieces.sort(key=lambda p: self.weights[p].sum(), reverse=True)
                    moved = [b for piece in pieces[1:] for b in piece]
                    if side is left:
                        left = np.array(pieces[0])
                        right = np.concatenate([right, moved])
                    else:
                        right = np.array(pieces[0])
                        left = np.concatenate([left, moved])
                    break
        return left.astype(int), right.astype(int)


def shapes(graph: BlockGraph, groups: Sequence[np.ndarray], units: np.ndarray,
           households: np.ndarray) -> list[Part]:
    """Each group's ground: its blocks, with every building whole in the group holding it (a
    line that crosses a building bends around it), as parts that tile the blocks exactly."""
    label = np.full(len(graph.blocks), -1)
    for g, nodes in enumerate(groups):
        label[nodes] = g
    unit_group = label[graph.owner] if len(units) else np.empty(0, dtype=int)
    # snapped to the precision grid, an overlay can leave a line behind beside its polygons
    # (a GeometryCollection, which no further overlay takes): only the ground counts
    bases = [polygonal(shapely.union_all(graph.blocks[nodes], grid_size=GRID_SIZE)) if len(nodes) else Polygon()
             for nodes in groups]
    geoms = list(bases)
    if len(units):
        bases_arr = np.array(bases, dtype=object)
        crossing = np.flatnonzero(~shapely.covers(bases_arr[unit_group], units))
        for g in range(len(groups)):
            own = crossing[unit_group[crossing] == g]
            foreign = crossing[(unit_group[crossing] != g) & shapely.intersects(units[crossing], bases[g])]
            geom = bases[g]
            if len(own):
                geom = polygonal(shapely.union(geom, shapely.union_all(units[own], grid_size=GRID_SIZE),
                                               grid_size=GRID_SIZE))
            if len(foreign):
                geom = shapely.difference(geom, shapely.union_all(units[foreign], grid_size=GRID_SIZE),
                                          grid_size=GRID_SIZE)
            geoms[g] = polygonal(geom)
    geoms = _give_away_orphans(geoms, [units[unit_group == g] for g in range(len(groups))])
    return [Part(geom, tuple(int(u) for u in np.flatnonzero(unit_group == g)),
                 int(households[unit_group == g].sum()) if len(units) else 0)
            for g, geom in enumerate(geoms)]


def _give_away_orphans(geoms: list, own_units: list[np.ndarray]) -> list:
    """A piece of a group that holds none of its buildings and is cut off from the rest (a
    corner a building of the next group walled off) goes to the group it shares most edge
    with."""
    geoms = list(geoms)
    for g, geom in enumerate(geoms):
        if not isinstance(geom, MultiPolygon) or not len(own_units[g]):
            continue
        anchors = shapely.point_on_surface(own_units[g])
        pieces = list(geom.geoms)
        holds = [bool(shapely.intersects(piece, anchors).any()) for piece in pieces]
        if all(holds) or not any(holds):
            continue
        keep = [p for p, h in zip(pieces, holds) if h]
        for piece in (p for p, h in zip(pieces, holds) if not h):
            shared = [(shapely.length(shapely.intersection(piece.boundary, other.boundary)), o)
                      for o, other in enumerate(geoms) if o != g and not other.is_empty]
            length, o = max(shared, default=(0.0, -1))
            if length > 0:
                geoms[o] = polygonal(shapely.union(geoms[o], piece, grid_size=GRID_SIZE))
            else:
                keep.append(piece)
        geoms[g] = polygonal(shapely.union_all(keep, grid_size=GRID_SIZE))
    return geoms


def divide_along_ground(region, units: np.ndarray, households: np.ndarray, frame, lines, main_lines,
                        community_grids: Sequence[int], bounds: tuple[int, int]) -> list[list[Part]]:
    """A street's communities (one per entry of `community_grids`, its grid count) and their
    grids, made of whole blocks: communities preferring main roads as their edges.

    Blocks are whole up to the ceiling of households; when whole blocks cannot make every grid
    fall inside the bounds (a few big blocks leave no balanced connected split), blocks are cut
    finer, the biggest first, and the grouping tried again: a boundary leaves the lines only
    where balance needs it."""
    from .blocks import build_graph
    low, high = bounds
    parts_wanted = int(sum(community_grids))
    best, best_miss = None, math.inf
    largest, cut, ranked = float(high), 0, None
    for _ in range(REFINEMENTS):
        graph = build_graph(region, units, households, frame, lines, main_lines, bounds, largest)
        everything = np.arange(len(graph.blocks))
        communities = group(graph, everything, community_grids, bounds, prefer_main=True) \
            if len(community_grids) > 1 else [everything]
        result = [shapes(graph, group(graph, nodes, [1] * count, bounds), units, households)
                  for nodes, count in zip(communities, community_grids)]
        miss = sum(max(0, low - p.households, p.households - high) for parts in result for p in parts)
        if miss < best_miss:
            best, best_miss = result, miss
        if miss == 0:
            break
        # cut the biggest blocks in two: first as many as grids lack a lived-in block of their
        # own, then more each round
        lived_in = int((graph.households > 0).sum())
        cut = max(cut + max(1, parts_wanted // 8), parts_wanted - lived_in)
        if ranked is None:
            ranked = np.sort(graph.households)[::-1]        # the blocks as the lines cut them
        if cut >= len(ranked) or ranked[min(cut, len(ranked) - 1)] < low / 2:
            break
        largest = float(ranked[cut - 1]) - 0.5
    best = [parts if all(not p.geom.is_empty for p in parts)
            else _bisected(parts, units, households, frame, lines, bounds) for parts in best]
    if best_miss == 0:
        return _unstripped(best, region, units, households, frame, lines, bounds)
    # Whole blocks could not balance every grid (a street whose blocks are each about one
    # grid, and some of them empty squares): straight bisection may, and is kept if it does
    # better on households, or as well with more of its lines on the ground.
    bisected = bisected_street(region, units, households, frame, lines, main_lines, community_grids, bounds)
    best = min((best, bisected), key=lambda result: _judged(result, lines, frame, bounds))
    return _unstripped(best, region, units, households, frame, lines, bounds)


def _unstripped(result: list[list[Part]], region, units, households, frame, lines, bounds) -> list[list[Part]]:
    """Each grid that is a strip its blocks do not make it (a piece of a big block cut off
    along its length, where whole blocks could not square it) is divided afresh with a
    neighbour of its community, by bisection that turns its cut away from strips, when both
    new grids are then inside the bounds and neither is a strip."""
    low, high = bounds
    result = [list(parts) for parts in result]
    strips = compactness.too_elongated([p.geom for parts in result for p in parts], region, lines, frame)
    at = [(c, g) for c, parts in enumerate(result) for g in range(len(parts))]
    redrawn: set[tuple[int, int]] = set()
    for (c, g), ratio in zip(at, strips):
        if ratio is None or (c, g) in redrawn:
            continue
        parts = result[c]
        strip = parts[g]
        touching = [h for h, p in enumerate(parts) if h != g and shapely.length(
            shapely.intersection(shapely.boundary(strip.geom), shapely.boundary(p.geom))) > 0]
        for h in sorted(touching, key=lambda h: parts[h].households):
            pair = _bisected([strip, parts[h]], units, households, frame, lines, bounds)
            if not all(low <= p.households <= high for p in pair) \
                    or any(compactness.too_elongated([p.geom for p in pair], region, lines, frame)):
                continue
            parts[g], parts[h] = pair
            redrawn |= {(c, g), (c, h)}
            break
    return result


def _judged(result: list[list[Part]], lines, frame, bounds) -> tuple:
    from .ground_share import ground_share
    low, high = bounds
    grids = [p for parts in result for p in parts]
    outside = sum(not low <= p.households <= high for p in grids)
    miss = sum(max(0, low - p.households, p.households - high) for p in grids)
    share = ground_share([p.geom for p in grids], lines, frame).share or 0.0
    return outside, miss, -share


def bisected_street(region, units, households, frame, lines, main_lines, community_grids, bounds):
    from .partition import divide, share_out
    communities = divide(region, units, households, len(community_grids), frame, main_lines)
    result = []
    counts = share_out(int(sum(community_grids)), [c.households for c in communities])
    for community, count in zip(communities, counts):
        members = np.array(community.units, dtype=int)
        grids = divide(community.geom, units[members], households[members], count, frame, lines, bounds,
                       snap_ends=False)
        result.append([Part(p.geom, tuple(int(members[u]) for u in p.units), p.households) for p in grids])
    return result


def _bisected(parts: list[Part], units, households, frame, lines, bounds) -> list[Part]:
    """Too few blocks for a community's grids even cut finer: its ground is bisected instead
    (geo.partition), straight lines that bend around buildings."""
    from .partition import divide
    region = shapely.union_all([p.geom for p in parts if not p.geom.is_empty], grid_size=GRID_SIZE)
    members = np.array(sorted(u for p in parts for u in p.units), dtype=int)
    divided = divide(region, units[members], households[members], len(parts), frame, lines, bounds,
                     snap_ends=False)
    return [Part(p.geom, tuple(int(members[u]) for u in p.units), p.households) for p in divided]
