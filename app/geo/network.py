"""The road network as a graph, for travel distances along roads (not through buildings).

Roads are noded where they cross (shapely.node), each piece between two nodes an edge
weighted by its length in metres (the city's UTM zone). Dijkstra runs in scipy's C code: one
run from an incident gives the distance to every node, hence to every worker at once.
A point joins the network where it is nearest to a road (projected onto that piece), the
straight stretch to it counted: a worker halfway along a street is not sent to its corner.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

from .crs import MetricFrame, frame_for

SNAP_DECIMALS = 2        # node coordinates rounded to 1 cm: ends that touch are one node
MIN_PIECE_M = 0.05       # a loop or a parallel piece shorter than this is not split further


@dataclass
class RoadNetwork:
    frame: MetricFrame
    nodes: np.ndarray                      # (n, 2) metric coordinates
    graph: csr_matrix
    pairs: np.ndarray                      # (m, 2) node indices of each edge, a < b
    lines: np.ndarray                      # (m,) the edges' metric LineStrings, drawn a → b
    tree: shapely.STRtree
    edge_of: dict[tuple[int, int], int]    # (a, b) → edge index


@dataclass(frozen=True)
class Route:
    target: int                 # index into the targets given
    metres: float               # along roads, plus the straight stretches to and from them
    straight_m: float           # as the crow flies, for comparison
    line: shapely.LineString | None     # WGS84, from the source to the target


def build(lines_wgs84) -> RoadNetwork | None:
    lines = np.array([g for g in lines_wgs84 if g is not None and not g.is_empty], dtype=object)
    if len(lines) == 0:
        return None
    frame = frame_for(lines)
    noded = shapely.node(shapely.MultiLineString(list(shapely.get_parts(frame.to_metric(lines)))))
    index: dict[tuple[float, float], int] = {}
    edges: dict[tuple[int, int], np.ndarray] = {}      # (a, b), a < b → coordinates a → b

    def node(xy) -> int:
        key = (round(float(xy[0]), SNAP_DECIMALS), round(float(xy[1]), SNAP_DECIMALS))
        return index.setdefault(key, len(index))

    def add(piece) -> None:
        """Every piece stays in the graph and in the snapping index. A second piece between
        the same two nodes (a street and its service lane round a block) is split by a node at
        its middle, and a closed loop (a cul-de-sac's turning circle) in three: the graph then
        has one edge per node pair and no piece is lost, so a point on one is joined to it."""
        length = float(piece.length)
        coords = shapely.get_coordinates(piece)
        a, b = node(coords[0]), node(coords[-1])
        if length < MIN_PIECE_M and (a == b or tuple(sorted((a, b))) in edges):
            return          # within the nodes' rounding: nothing here a point could be joined to
        if a == b:
            for part in (substring(piece, 0, length / 3), substring(piece, length / 3, 2 * length / 3),
                         substring(piece, 2 * length / 3, length)):
                add(part)
            return
        key, oriented = ((a, b), coords) if a < b else ((b, a), coords[::-1])
        if key in edges:
            add(substring(piece, 0, length / 2))
            add(substring(piece, length / 2, length))
            return
        edges[key] = oriented

    for piece in shapely.get_parts(noded):
        add(piece)
    nodes = np.array(list(index), dtype=float)
    pairs = np.array(list(edges), dtype=int).reshape(-1, 2)
    edge_lines = np.array([shapely.LineString(c) for c in edges.values()], dtype=object)
    weights = np.array([line.length for line in edge_lines])
    graph = _symmetric(pairs, weights, len(nodes))
    return RoadNetwork(frame, nodes, graph, pairs, edge_lines, shapely.STRtree(edge_lines),
                       {(int(a), int(b)): i for i, (a, b) in enumerate(pairs)})


def _symmetric(pairs: np.ndarray, weights: np.ndarray, n: int) -> csr_matrix:
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    return coo_matrix((np.concatenate([weights, weights]), (rows, cols)), shape=(n, n)).tocsr()


@dataclass(frozen=True)
class _Joined:
    """A point joined to the network: on edge `edge`, `along` metres from its a end."""
    point: np.ndarray
    edge: int
    along: float
    gap: float                # the straight stretch from the point to the road


def _join(network: RoadNetwork, points: np.ndarray) -> list[_Joined]:
    geoms = shapely.points(points)
    edge_ids = network.tree.query_nearest(geoms, return_distance=False, all_matches=False)[1]
    joined = []
    for point, geom, edge in zip(points, geoms, edge_ids):
        line = network.lines[edge]
        joined.append(_Joined(point, int(edge), float(line.project(geom)), float(line.distance(geom))))
    return joined


def routes(network: RoadNetwork, source_wgs84, targets_wgs84, drawn: int | None = None) -> list[Route]:
    """From one point to many, shortest first; targets off the source's part of the network
    last, without a route. Only the first `drawn` (default all) get their route line."""
    if not targets_wgs84:
        return []
    source = shapely.get_coordinates(network.frame.to_metric(source_wgs84))[0]
    targets = shapely.get_coordinates(network.frame.to_metric(np.array(targets_wgs84, dtype=object)))
    joined = _join(network, np.vstack([source[None, :], targets]))
    # each joined point becomes a node, linked to both ends of its edge (and directly to any
    # other joined point on the same edge)
    n = len(network.nodes)
    extra_pairs, extra_weights = [], []
    for k, j in enumerate(joined):
        a, b = network.pairs[j.edge]
        length = network.lines[j.edge].length
        extra_pairs += [(a, n + k), (b, n + k)]
        extra_weights += [max(j.along, 1e-9), max(length - j.along, 1e-9)]
    by_edge: dict[int, list[int]] = {}
    for k, j in enumerate(joined):
        by_edge.setdefault(j.edge, []).append(k)
    for ks in by_edge.values():
        for x in ks:
            for y in ks:
                if x < y:
                    extra_pairs.append((n + x, n + y))
                    extra_weights.append(max(abs(joined[x].along - joined[y].along), 1e-9))
    pairs = np.vstack([network.pairs, np.array(extra_pairs, dtype=int)])
    weights = np.concatenate([[line.length for line in network.lines], extra_weights])
    graph = _symmetric(pairs, weights, n + len(joined))
    distances, previous = dijkstra(graph, directed=False, indices=n, return_predecessors=True)
    metres = np.array([joined[0].gap + distances[n + 1 + i] + joined[1 + i].gap for i in range(len(targets))])
    straight = np.hypot(*(targets - source).T)
    order = np.argsort(metres, kind="stable")
    found = []
    for rank, i in enumerate(order):
        if not np.isfinite(metres[i]):
            found.append(Route(int(i), float("inf"), float(straight[i]), None))
            continue
        line = None
        if drawn is None or rank < drawn:
            coords = _path(network, joined, previous, n, n + 1 + int(i))
            line = network.frame.to_wgs84(
                shapely.LineString(np.vstack([source[None, :], coords, targets[i][None, :]])))
        found.append(Route(int(i), float(metres[i]), float(straight[i]), line))
    return found


def _piece(network: RoadNetwork, joined: list[_Joined], n: int, u: int, v: int) -> np.ndarray:
    """The coordinates of one step of a path, u → v, where either may be a joined point."""
    def position(node):            # (edge, metres from its a end), or None for a real node
        return (joined[node - n].edge, joined[node - n].along) if node >= n else None
    pu, pv = position(u), position(v)
    if pu is None and pv is None:
        a, b = sorted((u, v))
        edge = network.edge_of[(a, b)]
        coords = shapely.get_coordinates(network.lines[edge])
        return coords if u == a else coords[::-1]
    edge = pu[0] if pu is not None else pv[0]
    line = network.lines[edge]
    a, b = network.pairs[edge]
    start = pu[1] if pu is not None else (0.0 if u == a else line.length)
    end = pv[1] if pv is not None else (0.0 if v == a else line.length)
    return shapely.get_coordinates(substring(line, start, end))


def _path(network: RoadNetwork, joined: list[_Joined], previous: np.ndarray, source: int,
          target: int) -> np.ndarray:
    chain = [target]
    while chain[-1] != source:
        chain.append(int(previous[chain[-1]]))
    chain.reverse()
    return np.vstack([_piece(network, joined, len(network.nodes), u, v) for u, v in zip(chain[:-1], chain[1:])])
