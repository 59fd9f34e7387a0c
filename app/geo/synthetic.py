"""A synthetic city built to a street's published figures, for tests and benchmarks.

A preset gives one street's figures (area, households, residents, communities, grids, street-chief
road segments). The city is `scale` such streets side by side, each a square tile of the preset's
area cut by a road lattice: primary roads on the tile edges, a secondary cross through the middle,
residential lanes between, so every tile has 8 × 8 blocks. Blocks hold housing slabs, a few
schools and shops, and open squares. Households and residents are shared out exactly (largest
remainder, by floor area) so each tile carries the preset's figures to the unit. Cameras stand at
junctions and on building corners.

A preset's `layout` chooses how a tile is cut. "lattice" is the grid above. "organic" is a town
that is not one: straight primaries still run on the tile edges (so tiles join), but inside them two
diagonal avenues cross, a wobbly ring road circles the crossing, and the faces left are cut again and
again by curved and diagonal streets until they are block-sized; some blocks get a dead-end lane.
The blocks are the faces of that road network (polygonize); buildings stand inside each block's
interior (the block less half of every road's width and a setback): slabs in rows along the nearest
road, detached houses along the block's frontage, schools, shops, and empty squares.

Everything is built in metres around an origin, then moved to WGS84; the same seed gives the same
city, coordinate for coordinate.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace

import numpy as np
import shapely
import shapely.affinity
import shapely.ops
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from .crs import MetricFrame, utm_epsg

BLOCKS_PER_SIDE = 8            # roads per tile side: edges, the middle cross, six lanes
ROAD_WIDTH_M = {"primary": 30.0, "secondary": 24.0, "tertiary": 18.0, "residential": 12.0,
                "service": 6.0}       # the lattice has no tertiary roads nor service lanes
SEGMENT_BLOCKS = (3, 3, 2)     # a lane inside a tile is three street-chief segments
COORDINATE_GRID = 1e-7         # degrees (~1 cm), the precision OpenStreetMap stores


@dataclass(frozen=True)
class Preset:
    code: str
    city: tuple[str, str]
    district: tuple[str, str]
    street: tuple[str, str]
    origin: tuple[float, float]        # lon, lat of the south-west corner (fictitious place)
    area_km2: float
    households: int
    residents: int
    communities: int
    grids: int
    road_segments: int
    layout: str = "lattice"            # "lattice" | "organic"


# 振兴街道: the published figures of a street often cited for grid management; the location
# and layout are invented.
PRESETS = {
    "zhenxing": Preset(code="ZX", city=("振兴市", "Zhenxing City"), district=("振兴区", "Zhenxing District"),
                       street=("振兴街道", "Zhenxing Street"), origin=(123.38, 41.76),
                       area_km2=0.68, households=28_000, residents=68_000, communities=12,
                       grids=64, road_segments=42),
    # 河西街道: a fictitious street of plausible figures, on a town plan that is not a lattice.
    "hexi": Preset(code="HX", city=("河西市", "Hexi City"), district=("河西区", "Hexi District"),
                   street=("河西街道", "Hexi Street"), origin=(114.29, 30.57),
                   area_km2=0.9, households=18_000, residents=45_000, communities=8,
                   grids=40, road_segments=36, layout="organic"),
}
LAYOUTS = ("lattice", "organic")


@dataclass(frozen=True)
class SyntheticBuilding:
    source_id: str
    name: str | None
    address: str
    kind: str
    levels: int
    households: int
    population: int
    geom: BaseGeometry


@dataclass(frozen=True)
class SyntheticRoad:
    source_id: str
    name: str
    road_class: str
    geom: LineString


@dataclass(frozen=True)
class SyntheticCamera:
    source_id: str
    kind: str
    bearing: float | None
    fov: float
    range_m: float
    height_m: float
    status: str
    owner: str
    geom: Point


@dataclass(frozen=True)
class SyntheticSegment:
    code: str
    name_zh: str
    name_en: str
    length_m: float
    geom: MultiLineString


@dataclass
class SyntheticStreet:
    index: int                      # 1-based
    boundary: Polygon
    buildings: list[SyntheticBuilding] = field(default_factory=list)
    segments: list[SyntheticSegment] = field(default_factory=list)


@dataclass
class SyntheticCity:
    preset: Preset
    frame: MetricFrame
    streets: list[SyntheticStreet]
    roads: list[SyntheticRoad]
    cameras: list[SyntheticCamera]

    @property
    def boundary(self) -> BaseGeometry:
        return shapely.union_all([s.boundary for s in self.streets])


def build_city(preset: Preset, scale: int = 1, seed: int = 1) -> SyntheticCity:
    if scale < 1:
        raise ValueError("the scale is a number of streets, at least 1")
    rng = random.Random(seed)
    frame = MetricFrame(utm_epsg(*preset.origin))
    ox, oy = _origin_metric(frame, preset.origin)
    tile = math.sqrt(preset.area_km2 * 1e6)
    spacing = tile / BLOCKS_PER_SIDE
    cols = math.ceil(math.sqrt(scale))
    rows = math.ceil(scale / cols)

    def to_wgs84(geoms: list) -> list:
        # one vectorised transform per kind of feature: per-geometry calls dominate otherwise
        if not geoms:
            return []
        moved = shapely.transform(np.asarray(geoms, dtype=object), lambda xy: xy + (ox, oy))
        return list(shapely.set_precision(frame.to_wgs84(moved), COORDINATE_GRID))

    tiles = [((i % cols) * tile, (i // cols) * tile) for i in range(scale)]
    if preset.layout == "organic":
        return _organic_city(preset, frame, rng, tile, cols, tiles, to_wgs84)
    if preset.layout != "lattice":
        raise ValueError(f"unknown layout {preset.layout!r}; known: {', '.join(LAYOUTS)}")
    metric_buildings = [_street_buildings(preset, rng, n + 1, x0, y0, spacing)
                        for n, (x0, y0) in enumerate(tiles)]
    metric_segments = [_street_segments(preset, n + 1, x0, y0, spacing)
                       for n, (x0, y0) in enumerate(tiles)]
    streets, flat = _streets(to_wgs84, tiles, tile, metric_buildings, metric_segments)

    used = {(i % cols, i // cols) for i in range(scale)}
    metric_roads = _roads(preset, used, spacing)
    roads = [replace(r, geom=g) for r, g in zip(metric_roads, to_wgs84([r.geom for r in metric_roads]))]
    metric_cameras = _cameras(preset, rng, used, spacing, flat)
    cameras = [replace(c, geom=g)
               for c, g in zip(metric_cameras, to_wgs84([c.geom for c in metric_cameras]))]
    return SyntheticCity(preset, frame, streets, roads, cameras)


def _streets(to_wgs84, tiles, tile: float, metric_buildings, metric_segments):
    """Each tile as a street in WGS84 with its buildings and segments; and every building, in
    metres, in one list."""
    boundaries = to_wgs84([box(x0, y0, x0 + tile, y0 + tile) for x0, y0 in tiles])
    flat = [b for street in metric_buildings for b in street]
    footprints = iter(to_wgs84([b.geom for b in flat]))
    lines = iter(to_wgs84([s.geom for street in metric_segments for s in street]))
    streets = []
    for n, boundary in enumerate(boundaries):
        street = SyntheticStreet(n + 1, boundary)
        street.buildings = [replace(b, geom=next(footprints)) for b in metric_buildings[n]]
        street.segments = [replace(s, geom=next(lines)) for s in metric_segments[n]]
        streets.append(street)
    return streets, flat


def street_name(preset: Preset, index: int) -> tuple[str, str]:
    """The index-th street (1-based): the preset's name, then numbered ones (振兴2街道)."""
    if index == 1:
        return preset.street
    zh, en = preset.street
    return f"{zh[:-2]}{index}{zh[-2:]}", en.replace(" Street", f" {index} Street")


def share_exactly(total: int, weights) -> list[int]:
    """Split an integer total in proportion to weights (largest remainder); zero weight gets 0."""
    weights = np.asarray(weights, dtype=float)
    if not len(weights) or weights.sum() <= 0:
        return [0] * len(weights)
    raw = weights / weights.sum() * total
    shares = np.floor(raw).astype(int)
    order = np.argsort(-(raw - shares), kind="stable")
    shares[order[: total - int(shares.sum())]] += 1
    return shares.tolist()


def _origin_metric(frame: MetricFrame, origin) -> tuple[float, float]:
    # to_metric takes WGS84 geometries; a point gives the origin's easting/northing.
    x, y = frame.to_metric(Point(origin)).coords[0]
    return x, y


def _road_class(i: int) -> str:
    if i % BLOCKS_PER_SIDE == 0:
        return "primary"
    return "secondary" if i % (BLOCKS_PER_SIDE // 2) == 0 else "residential"


def _road_name(axis: str, i: int) -> tuple[str, str]:
    """North–south roads are 经 (Jing), east–west ones 纬 (Wei), numbered across the city."""
    kind = _road_class(i)
    zh_axis, en_axis = ("经", "Jing") if axis == "x" else ("纬", "Wei")
    zh_kind, en_kind = {"primary": ("大街", "Avenue"), "secondary": ("路", "Road"),
                        "residential": ("巷", "Lane")}[kind]
    return f"{zh_axis}{i + 1}{zh_kind}", f"{en_axis} {i + 1} {en_kind}"


def _street_buildings(preset: Preset, rng: random.Random, street: int, x0: float, y0: float,
                      spacing: float) -> list[SyntheticBuilding]:
    blocks = [(bx, by) for by in range(BLOCKS_PER_SIDE) for bx in range(BLOCKS_PER_SIDE)]
    uses = ["square"] * 4 + ["school"] * 2 + ["commercial"] * 4
    uses += ["residential"] * (len(blocks) - len(uses))
    rng.shuffle(uses)
    drafts = []   # (block label, kind, levels, polygon, name)
    for (bx, by), use in zip(blocks, uses):
        inner = _block_interior(x0, y0, bx, by, spacing)
        label = f"{by + 1}-{bx + 1}"
        if use == "square":
            continue
        if use == "school":
            minx, miny, maxx, maxy = inner.bounds
            w, h = maxx - minx, maxy - miny
            drafts.append((label, "school", rng.randint(3, 5),
                           box(minx + 0.15 * w, miny + 0.55 * h, maxx - 0.15 * w, maxy - 0.1 * h),
                           ("振兴第{}小学".format(street), None)))
            continue
        columns, rows = (3, 4) if use == "residential" else (2, 2)
        for cell, poly in enumerate(_cell_buildings(rng, inner, columns, rows)):
            if use == "residential":
                levels = rng.choice((6, 6, 7, 9, 11, 12, 15, 18))
                drafts.append((f"{label}-{cell + 1}", "residential", levels, poly, None))
            else:
                kind = rng.choice(("commercial", "retail", "office"))
                drafts.append((f"{label}-{cell + 1}", kind, rng.randint(2, 12), poly, None))

    floor_area = [p.area * levels if kind == "residential" else 0.0
                  for _, kind, levels, p, _ in drafts]
    households = share_exactly(preset.households, floor_area)
    population = share_exactly(preset.residents, households)
    street_zh = street_name(preset, street)[0]
    result = []
    for (label, kind, levels, poly, name), hh, pop in zip(drafts, households, population):
        result.append(SyntheticBuilding(
            source_id=f"gen:{preset.code}-{street}-{label}", name=name[0] if name else None,
            address=f"{street_zh}{label}号楼", kind=kind, levels=levels, households=hh,
            population=pop, geom=poly))
    return result


def _block_interior(x0, y0, bx, by, spacing) -> Polygon:
    """A block between its four roads, set back by half of each road's width plus a pavement."""
    i, j = round(x0 / spacing) + bx, round(y0 / spacing) + by
    pavement = 3.0
    west = ROAD_WIDTH_M[_road_class(i)] / 2 + pavement
    east = ROAD_WIDTH_M[_road_class(i + 1)] / 2 + pavement
    south = ROAD_WIDTH_M[_road_class(j)] / 2 + pavement
    north = ROAD_WIDTH_M[_road_class(j + 1)] / 2 + pavement
    return box(x0 + bx * spacing + west, y0 + by * spacing + south,
               x0 + (bx + 1) * spacing - east, y0 + (by + 1) * spacing - north)


def _cell_buildings(rng: random.Random, inner: Polygon, columns: int, rows: int) -> list[Polygon]:
    """Slabs in rows, each inside its own cell of the block: they never touch."""
    minx, miny, maxx, maxy = inner.bounds
    cw, ch = (maxx - minx) / columns, (maxy - miny) / rows
    result = []
    for r in range(rows):
        for c in range(columns):
            w = cw * rng.uniform(0.55, 0.8)
            h = ch * rng.uniform(0.4, 0.65)
            left = minx + c * cw + rng.uniform(1.0, cw - w - 1.0)
            bottom = miny + r * ch + rng.uniform(1.0, ch - h - 1.0)
            result.append(box(left, bottom, left + w, bottom + h))
    return result


def _roads(preset: Preset, tiles: set[tuple[int, int]], spacing: float) -> list[SyntheticRoad]:
    """Road centre lines, one row per block edge, for every edge that borders a used tile."""
    n = BLOCKS_PER_SIDE
    edges = {}
    for col, row in tiles:
        for k in range(n + 1):
            for m in range(n):
                # east–west edge at lattice row j = row*n + k, from column i to i+1
                i, j = col * n + m, row * n + k
                edges[("y", i, j)] = LineString([(i * spacing, j * spacing), ((i + 1) * spacing, j * spacing)])
                i, j = col * n + k, row * n + m
                edges[("x", i, j)] = LineString([(i * spacing, j * spacing), (i * spacing, (j + 1) * spacing)])
    result = []
    for (axis, i, j), line in sorted(edges.items()):
        along = i if axis == "x" else j
        name_zh, _ = _road_name(axis, along)
        result.append(SyntheticRoad(f"gen:{preset.code}-r{axis}{i}-{j}", name_zh,
                                    _road_class(along), line))
    return result


def _street_segments(preset: Preset, street: int, x0: float, y0: float,
                     spacing: float) -> list[SyntheticSegment]:
    """The lanes and the middle cross inside a tile, each cut into SEGMENT_BLOCKS pieces."""
    n = BLOCKS_PER_SIDE
    base_i, base_j = round(x0 / spacing), round(y0 / spacing)
    result = []
    for axis in ("x", "y"):
        for k in range(1, n):
            along = (base_i if axis == "x" else base_j) + k
            name_zh, name_en = _road_name(axis, along)
            start = 0
            for piece, blocks in enumerate(SEGMENT_BLOCKS, start=1):
                a, b = start * spacing, (start + blocks) * spacing
                start += blocks
                if axis == "x":
                    line = LineString([(x0 + k * spacing, y0 + a), (x0 + k * spacing, y0 + b)])
                else:
                    line = LineString([(x0 + a, y0 + k * spacing), (x0 + b, y0 + k * spacing)])
                result.append(SyntheticSegment(
                    code=f"{preset.code}-{street:02d}-{axis}{k}{piece}",
                    name_zh=f"{name_zh}第{piece}段", name_en=f"{name_en}, section {piece}",
                    length_m=round(line.length, 1), geom=MultiLineString([line])))
    if len(result) != preset.road_segments:
        raise AssertionError(f"the lattice gives {len(result)} segments, the preset wants "
                             f"{preset.road_segments}")
    return result


def _cameras(preset: Preset, rng: random.Random, tiles, spacing,
             buildings: list[SyntheticBuilding]) -> list[SyntheticCamera]:
    """Domes over the main junctions, pairs of fixed cameras along the lanes at the others, and
    fixed cameras on building corners looking out over the pavement."""
    n = BLOCKS_PER_SIDE
    junctions = set()
    for col, row in tiles:
        for a in range(n + 1):
            for b in range(n + 1):
                junctions.add((col * n + a, row * n + b))
    cameras = []

    def add(kind, x, y, bearing, height):
        status = rng.choices(("online", "offline", "maintenance"), (95, 4, 1))[0]
        fov = 360.0 if kind == "dome" else 60.0
        cameras.append(SyntheticCamera(
            source_id=f"{preset.code}-c{len(cameras) + 1}", kind=kind,
            bearing=None if kind == "dome" else bearing % 360, fov=fov,
            range_m=min(80.0, max(20.0, 10 * height)), height_m=height, status=status,
            owner=rng.choice(("public_security", "community", "property")),
            geom=Point(round(x, 2), round(y, 2))))

    for i, j in sorted(junctions):
        x, y = i * spacing, j * spacing
        main = _road_class(i) != "residential" and _road_class(j) != "residential"
        if main:
            add("dome", x, y, None, 8.0)
        else:
            for bearing in rng.sample((0.0, 90.0, 180.0, 270.0), 2):
                add("fixed", x + 4, y + 4, bearing, rng.choice((4.0, 5.0, 6.0)))
    for building in buildings:
        if building.kind != "residential" or rng.random() > 0.4:
            continue
        minx, miny, maxx, maxy = building.geom.bounds
        corner = rng.randrange(4)
        x, dx = (minx, -1) if corner in (0, 3) else (maxx, 1)
        y, dy = (miny, -1) if corner in (0, 1) else (maxy, 1)
        bearing = math.degrees(math.atan2(dx, dy))   # clockwise from north, facing outward
        add("fixed", x + dx * 0.5, y + dy * 0.5, bearing, rng.choice((3.0, 4.0, 5.0)))
    return cameras


# --- the organic layout -------------------------------------------------------------------------

MAIN_CLASSES = ("primary", "secondary", "tertiary")
SETBACK_M = 3.0                # from a road's edge to the nearest wall
JUNCTION_GAP_M = 20.0          # a new street meets a road at least this far from another junction
MIN_CROSSING_ANGLE = math.radians(35)
ROAD_WORDS = (
    ("建设", "Jianshe"), ("人民", "Renmin"), ("解放", "Jiefang"), ("和平", "Heping"),
    ("胜利", "Shengli"), ("新华", "Xinhua"), ("文化", "Wenhua"), ("友谊", "Youyi"),
    ("长青", "Changqing"), ("柳荫", "Liuyin"), ("桂花", "Guihua"), ("梧桐", "Wutong"),
    ("银杏", "Yinxing"), ("海棠", "Haitang"), ("紫荆", "Zijing"), ("丁香", "Dingxiang"),
    ("玉兰", "Yulan"), ("石榴", "Shiliu"), ("枫林", "Fenglin"), ("松涛", "Songtao"),
    ("竹园", "Zhuyuan"), ("荷塘", "Hetang"), ("滨河", "Binhe"), ("望江", "Wangjiang"),
    ("青石", "Qingshi"), ("南浦", "Nanpu"), ("北苑", "Beiyuan"), ("东湖", "Donghu"),
    ("西岭", "Xiling"), ("朝阳", "Chaoyang"), ("安居", "Anju"), ("康乐", "Kangle"),
    ("福寿", "Fushou"), ("永安", "Yong'an"), ("兴隆", "Xinglong"), ("吉祥", "Jixiang"),
    ("春晖", "Chunhui"), ("秋实", "Qiushi"), ("晓月", "Xiaoyue"), ("明珠", "Mingzhu"),
)
ROAD_SUFFIX = {"primary": ("大道", "Avenue"), "secondary": ("路", "Road"), "tertiary": ("街", "Street"),
               "residential": ("巷", "Lane"), "service": ("里", "Alley"), "ring": ("环路", "Ring Road")}


@dataclass
class _Way:
    """One named road of a tile; its pieces run between junctions."""
    name_zh: str
    name_en: str
    road_class: str
    side: str | None = None        # "S", "E", "N", "W": the tile's edge this way runs along


class _RoadNames:
    """Names for the organic layout's roads, none used twice in a city."""

    def __init__(self, rng: random.Random):
        self.words = list(ROAD_WORDS)
        rng.shuffle(self.words)
        self.used = 0

    def next(self, kind: str) -> tuple[str, str]:
        (zh, en), cycle = self.words[self.used % len(self.words)], self.used // len(self.words)
        self.used += 1
        zh_kind, en_kind = ROAD_SUFFIX[kind]
        if cycle:
            return f"{zh}{cycle + 1}{zh_kind}", f"{en} {cycle + 1} {en_kind}"
        return f"{zh}{zh_kind}", f"{en} {en_kind}"


@dataclass
class _Crossing:
    along: float                   # metres along the new line
    point: tuple[float, float]
    piece: int


class _Network:
    """A tile's road network in metres (0..size on both axes), kept noded: a junction is a vertex
    its pieces share exactly (the same floats), so polygonize finds the blocks without snapping."""

    def __init__(self, size: float):
        self.size = size
        self.ways: list[_Way] = []
        self.pieces: list[tuple[int, LineString]] = []    # (way, line), each way's in order along it
        corners = [(0.0, 0.0), (size, 0.0), (size, size), (0.0, size)]
        for side, a, b in zip("SENW", corners, corners[1:] + corners[:1]):
            self.pieces.append((self.add_way(_Way("", "", "primary", side)), LineString([a, b])))

    def add_way(self, way: _Way) -> int:
        self.ways.append(way)
        return len(self.ways) - 1

    def lines(self) -> np.ndarray:
        return np.array([line for _, line in self.pieces], dtype=object)

    def road_class(self, piece: int) -> str:
        return self.ways[self.pieces[piece][0]].road_class

    def crossings(self, line: LineString) -> list[_Crossing] | None:
        """Where `line` crosses the pieces, in order along it; None where it runs along one."""
        lines = self.lines()
        found = []
        for i in np.flatnonzero(shapely.intersects(lines, line)):
            for part in shapely.get_parts(shapely.intersection(lines[i], line)):
                if part.geom_type != "Point":
                    return None
                found.append(_Crossing(line.project(part), self._on_side(i, part.coords[0]), int(i)))
        return sorted(found, key=lambda c: c.along)

    def _on_side(self, piece: int, xy) -> tuple[float, float]:
        # a point on a tile edge sits on it exactly, so the neighbouring tile's edge meets it
        side = self.ways[self.pieces[piece][0]].side
        x, y = float(xy[0]), float(xy[1])
        return {"S": (x, 0.0), "N": (x, self.size), "W": (0.0, y), "E": (self.size, y)}.get(side, (x, y))

    def split(self, point: tuple[float, float]) -> None:
        """Make `point` (on a piece) a junction: the piece under it is cut in two there."""
        lines = self.lines()
        i = int(np.argmin(shapely.distance(lines, Point(point))))
        coords = np.asarray(lines[i].coords)
        along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
        at = lines[i].project(Point(point))
        if at < 1e-6 or at > along[-1] - 1e-6:
            return                                  # already a junction
        head = [tuple(c) for c, s in zip(coords, along) if s < at - 1e-6] + [point]
        tail = [point] + [tuple(c) for c, s in zip(coords, along) if s > at + 1e-6]
        way = self.pieces[i][0]
        self.pieces[i:i + 1] = [(way, LineString(head)), (way, LineString(tail))]

    def add(self, way: int, coords: np.ndarray, crossings: list[_Crossing]) -> None:
        """Add the stretch of polyline `coords` between its first and last crossing, cut into
        pieces at every crossing, and cut the roads it crosses there too."""
        for c in crossings:             # before the new pieces exist, which end on these points
            self.split(c.point)
        along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
        for a, b in zip(crossings, crossings[1:]):
            inner = [tuple(c) for c, s in zip(coords, along) if a.along + 1e-6 < s < b.along - 1e-6]
            self.pieces.append((way, LineString([a.point, *inner, b.point])))

    def junctions(self) -> np.ndarray:
        """The pieces' ends (x, y): junctions, tile corners and dead ends."""
        lines = self.lines()
        return shapely.get_coordinates(np.concatenate([shapely.get_point(lines, 0), shapely.get_point(lines, -1)]))

    def faces(self) -> list[Polygon]:
        return list(shapely.get_parts(shapely.polygonize(self.lines())))


def _arc(start, heading: float, curvature: float, s0: float, s1: float) -> np.ndarray:
    """Points of a circular arc (straight when curvature is 0) through `start` with `heading`
    (radians clockwise from north) there, from arc length s0 to s1."""
    if curvature == 0:
        s = np.array([s0, s1])
        return np.column_stack([start[0] + s * math.sin(heading), start[1] + s * math.cos(heading)])
    s = np.linspace(s0, s1, max(3, int((s1 - s0) / 6.0) + 1))
    h = heading + curvature * s
    return np.column_stack([start[0] + (math.cos(heading) - np.cos(h)) / curvature,
                            start[1] + (np.sin(h) - math.sin(heading)) / curvature])


def _direction(line: LineString, along: float) -> np.ndarray:
    a = line.interpolate(max(0.0, along - 1.0)).coords[0]
    b = line.interpolate(min(line.length, along + 1.0)).coords[0]
    d = np.subtract(b, a)
    return d / np.hypot(*d)


def _off_axis(heading: float, rng: random.Random) -> float:
    """Most streets of this town run neither north–south nor east–west."""
    off = math.degrees(heading) % 90
    if off < 12 and rng.random() < 0.85:
        return heading + math.radians(rng.uniform(15, 30) - off)
    if off > 78 and rng.random() < 0.85:
        return heading + math.radians(rng.uniform(60, 75) - off)
    return heading


def _organic_network(rng: random.Random, size: float, names: _RoadNames) -> _Network:
    net = _Network(size)
    _avenues_and_ring(net, rng, names)
    stack = net.faces()
    while stack:
        face = stack.pop(0)
        if face.area <= rng.uniform(1.2e4, 2.0e4):
            continue
        road_class = "tertiary" if face.area > 6e4 else "residential"
        for _ in range(14):
            cut = _try_cut(net, face, rng)
            if cut is not None:
                coords, crossings = cut
                way = net.add_way(_Way(*names.next(road_class), road_class))
                net.add(way, coords, crossings)
                inside = shapely.covered_by(net.lines(), face.buffer(0.05))
                stack += list(shapely.get_parts(shapely.polygonize(net.lines()[inside])))
                break
    for face in net.faces():
        if face.area > 1.0e4 and rng.random() < 0.55:
            _dead_end(net, face, rng, names)
    return net


def _avenues_and_ring(net: _Network, rng: random.Random, names: _RoadNames) -> None:
    """Two diagonal avenues cross near the middle of the tile; a wobbly ring road circles the
    crossing."""
    size = net.size
    centre = np.array([size / 2, size / 2]) + [rng.uniform(-0.04, 0.04) * size for _ in range(2)]
    corners = np.array([(0, 0), (size, 0), (size, size), (0, size)], dtype=float)
    avenues = []
    for road_class, sign in (("primary", 1), ("secondary", -1)):
        while True:
            # 30–60° off north, but not so near 45° that the avenue ends in a tile corner
            bearing = sign * math.radians(rng.choice((rng.uniform(30, 40), rng.uniform(50, 60))))
            through = centre + rng.uniform(-0.03, 0.03) * size * np.array([math.cos(bearing), -math.sin(bearing)])
            coords = _arc(through, bearing, 0.0, -size, size)
            crossings = net.crossings(LineString(coords))
            ends = np.array([crossings[0].point, crossings[-1].point])
            if np.min(np.hypot(*(ends[:, None, :] - corners[None]).transpose(2, 0, 1))) > 80:
                break
        way = net.add_way(_Way(*names.next(road_class), road_class))
        net.add(way, coords, crossings)
        avenues.append(way)
    first, second = (shapely.union_all([line for w, line in net.pieces if w == way]) for way in avenues)
    cx, cy = shapely.get_parts(shapely.intersection(first, second))[0].coords[0]
    radius = rng.uniform(0.24, 0.29) * size
    a2, a3 = rng.uniform(0.04, 0.1), rng.uniform(0.0, 0.04)
    p2, p3 = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
    phi = np.linspace(0, 2 * math.pi, 121)
    r = radius * (1 + a2 * np.cos(2 * phi + p2) + a3 * np.cos(3 * phi + p3))
    ring = np.column_stack([cx + r * np.cos(phi), cy + r * np.sin(phi)])
    ring[-1] = ring[0]
    crossings = net.crossings(LineString(ring))
    # the ring closes: go round from its first crossing to the same crossing again
    length = LineString(ring).length
    twice = np.vstack([ring, ring[1:]])
    crossings.append(_Crossing(crossings[0].along + length, crossings[0].point, crossings[0].piece))
    way = net.add_way(_Way(*names.next("ring"), "secondary"))
    net.add(way, twice, crossings)


def _try_cut(net: _Network, face: Polygon, rng: random.Random):
    """A street across `face`, roughly across its long axis, straight or curved, meeting the
    roads around it well away from other junctions and not at a glancing angle; None when the
    drawn one would leave a sliver."""
    rect = np.asarray(shapely.minimum_rotated_rectangle(face).exterior.coords)
    e0, e1 = rect[1] - rect[0], rect[2] - rect[1]
    long_axis = e0 if np.hypot(*e0) >= np.hypot(*e1) else e1
    long_m = float(np.hypot(*long_axis))
    if long_m == 0:
        return None
    u = long_axis / long_m
    through = np.asarray(face.centroid.coords[0]) + u * rng.uniform(-0.2, 0.2) * long_m
    if not face.buffer(-20).contains(Point(through)):
        return None
    heading = math.atan2(u[0], u[1]) + math.pi / 2 + rng.uniform(-0.35, 0.35)
    heading = _off_axis(heading, rng)
    minx, miny, maxx, maxy = face.bounds
    half = math.hypot(maxx - minx, maxy - miny) + 10
    curvature = 0.0
    if rng.random() < 0.6:
        curvature = rng.choice((-1, 1)) / max(rng.uniform(150, 500), half / 1.1)
    coords = _arc(through, heading, curvature, -half, half)
    line = LineString(coords)
    crossings = net.crossings(line)
    if crossings is None:
        return None
    at = line.project(Point(through))
    before = [c for c in crossings if c.along < at]
    after = [c for c in crossings if c.along > at]
    if not before or not after or after[0].along - before[-1].along < 40:
        return None
    ends = (before[-1], after[0])
    junctions = net.junctions()
    lines = net.lines()
    for end in ends:
        if np.min(np.hypot(*(junctions - end.point).T)) < JUNCTION_GAP_M:
            return None
        road = lines[end.piece]
        cos = abs(float(np.dot(_direction(line, end.along), _direction(road, road.project(Point(end.point))))))
        if cos > math.cos(MIN_CROSSING_ANGLE):
            return None
    # the two blocks it would leave must each still hold buildings
    a, b = ends
    stretch = [tuple(c) for c, s in zip(coords, np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))]))
               if a.along < s < b.along]
    drawn = np.array([a.point, *stretch, b.point])
    overshoot = np.vstack([drawn[0] - _unit(drawn[1] - drawn[0]), drawn, drawn[-1] + _unit(drawn[-1] - drawn[-2])])
    parts = [p for p in shapely.get_parts(shapely.ops.split(face, LineString(overshoot)))
             if p.geom_type == "Polygon"]
    if len(parts) != 2 or any(p.area < 5000 or p.buffer(-22).area < 500 for p in parts):
        return None
    return coords, list(ends)


def _unit(v) -> np.ndarray:
    return np.asarray(v) / np.hypot(*v)


def _dead_end(net: _Network, face: Polygon, rng: random.Random, names: _RoadNames) -> None:
    """A lane from one of the block's streets into its middle, ending there."""
    lines = net.lines()
    around = [i for i in np.flatnonzero(shapely.covered_by(lines, face.buffer(0.05)))
              if net.road_class(i) in ("tertiary", "residential") and lines[i].length >= 80]
    if not around:
        return
    road = lines[rng.choice(around)]
    along = road.length * rng.uniform(0.35, 0.65)
    start = road.interpolate(along).coords[0]
    tx, ty = _direction(road, along)
    normal = np.array([-ty, tx])
    if not face.contains(Point(np.add(start, 3 * normal))):
        normal = -normal
    ray = LineString([np.add(start, 0.5 * normal), np.add(start, 2000 * normal)])
    hits = shapely.get_parts(shapely.intersection(ray, face.exterior))
    if not len(hits):
        return
    depth = min(Point(start).distance(h) for h in hits)
    if depth < 70:
        return
    end = np.add(start, min(depth * rng.uniform(0.4, 0.55), 90) * normal)
    if face.exterior.distance(Point(end)) < 22:
        return
    if np.min(np.hypot(*(net.junctions() - start).T)) < 25:
        return
    net.split(start)
    way = net.add_way(_Way(*names.next("service"), "service"))
    net.pieces.append((way, LineString([start, tuple(end)])))


def _road_zone(net: _Network) -> BaseGeometry:
    """Where no wall may stand: each road's half width and the setback either side of it."""
    reach = [ROAD_WIDTH_M[net.road_class(i)] / 2 + SETBACK_M for i in range(len(net.pieces))]
    return shapely.union_all(shapely.buffer(net.lines(), reach, quad_segs=8))


def _rows(inner: Polygon, angle: float, lengths, depth: float, row_gap: float, gap: float,
          limit: int | None = None) -> list[Polygon]:
    """Slabs in parallel rows turned by `angle` (radians, counter-clockwise from east), each as
    long as fits; rows `row_gap` apart, slabs `gap` apart along a row. Of a few ways to lay the
    rows across the block, the one with the most floor space."""
    origin = inner.centroid
    turned = shapely.affinity.rotate(inner, -angle, origin=origin, use_radians=True).buffer(-0.5)
    if turned.is_empty:
        return []
    shapely.prepare(turned)
    minx, miny, maxx, maxy = turned.bounds
    xs = np.arange(minx, maxx, 2.0)
    pitch = depth + row_gap
    best: list[Polygon] = []
    for phase in (0.0, 0.25, 0.5, 0.75):
        placed = []
        y = miny + phase * pitch
        while y + depth <= maxy and (limit is None or len(placed) < limit):
            fits = [shapely.contains(turned, shapely.box(xs, y, xs + length, y + depth)) for length in lengths]
            i = 0
            while i < len(xs) and (limit is None or len(placed) < limit):
                for length, fit in zip(lengths, fits):
                    if fit[i]:
                        placed.append(box(xs[i], y, xs[i] + length, y + depth))
                        i += math.ceil((length + gap) / 2.0)
                        break
                else:
                    i += 1
            y += pitch
        if sum(p.area for p in placed) > sum(p.area for p in best):
            best = placed
    return [shapely.affinity.rotate(p, angle, origin=origin, use_radians=True) for p in best]


def _frontage(rng: random.Random, inner: Polygon, width, depth, gap: float, rows: int) -> list[Polygon]:
    """Buildings facing the street along the block's edge (its curves too), `rows` deep, each
    `gap` clear of the others; `width` and `depth` draw a footprint's size."""
    safe = inner.buffer(-0.5)
    shapely.prepare(safe)
    result = []
    layer = shapely.orient_polygons(inner)
    for row in range(rows):
        if row:
            layer = shapely.orient_polygons(inner.buffer(-row * 20.0, join_style="mitre"))
        for part in shapely.get_parts(layer):
            if part.geom_type != "Polygon" or part.is_empty:
                continue
            ring = LineString(part.exterior.coords)
            s = rng.uniform(0, 4)
            while s < ring.length - 4:
                w, d = width(), depth()
                front = np.asarray(ring.interpolate(s).coords[0])
                t = np.asarray(ring.interpolate(s + w).coords[0]) - front
                if np.hypot(*t) < w * 0.8:
                    s += 2.0
                    continue
                t = _unit(t)
                n = np.array([-t[1], t[0]])          # inward: the exterior runs counter-clockwise
                a = front + 0.5 * n
                footprint = Polygon([a, a + w * t, a + w * t + d * n, a + d * n])
                clear = not result or not shapely.dwithin(np.array(result, dtype=object), footprint, gap).any()
                if safe.contains(footprint) and clear:
                    result.append(footprint)
                    s += w + gap
                else:
                    s += 2.0
    return result


def _nearest_road_angle(net: _Network, geom: BaseGeometry) -> float:
    lines = net.lines()
    centre = geom.centroid
    road = lines[int(np.argmin(shapely.distance(lines, centre)))]
    dx, dy = _direction(road, road.project(centre))
    return math.atan2(dy, dx)


def _organic_buildings(preset: Preset, rng: random.Random, street: int, net: _Network,
                       school_numbers) -> list[SyntheticBuilding]:
    faces = sorted(net.faces(), key=lambda f: (round(f.centroid.y, 3), round(f.centroid.x, 3)))
    interiors = shapely.difference(np.array(faces, dtype=object), _road_zone(net))
    blocks = [(n + 1, inner) for n, inner in enumerate(interiors) if inner.area >= 300]
    uses = _block_uses(rng, net, blocks)
    drafts = []   # (label, kind, levels, polygon, name)
    for (number, inner), use in zip(blocks, uses):
        parts = [p for p in shapely.get_parts(inner) if p.geom_type == "Polygon" and p.area >= 300]
        footprints: list[tuple[str, int, Polygon, str | None]] = []
        for part in parts:
            angle = _nearest_road_angle(net, part)
            if use == "square":
                continue
            if use == "school":
                for poly in _rows(part, angle, (60.0, 48.0, 36.0), rng.uniform(15, 18), 30.0, 12.0,
                                  limit=2 - len(footprints)):
                    footprints.append(("school", rng.randint(3, 5), poly,
                                       f"{preset.street[0][:-2]}第{next(school_numbers)}小学"))
            elif use == "commercial":
                for poly in _frontage(rng, part, lambda: rng.uniform(18, 32), lambda: rng.uniform(14, 20),
                                      6.0, 1):
                    footprints.append((rng.choice(("commercial", "retail", "office")), rng.randint(2, 12),
                                       poly, None))
            elif use == "slabs":
                length = rng.uniform(50, 70)
                for poly in _rows(part, angle, (length, length * 0.8, length * 0.6, length * 0.45),
                                  rng.uniform(12, 15), rng.uniform(18, 26), rng.uniform(8, 14)):
                    footprints.append(("residential", rng.choice((6, 6, 7, 9, 11, 12, 15, 18)), poly, None))
            if use == "houses" or (use == "slabs" and not footprints):
                for poly in _frontage(rng, part, lambda: rng.uniform(8, 13), lambda: rng.uniform(8, 12),
                                      rng.uniform(3, 5), 4):
                    footprints.append(("house", 2, poly, None))
        for k, (kind, levels, poly, name) in enumerate(footprints, start=1):
            drafts.append((f"{number}-{k}", kind, levels, poly, name))

    floor_area = [p.area * levels if kind in ("residential", "house") else 0.0
                  for _, kind, levels, p, _ in drafts]
    households = share_exactly(preset.households, floor_area)
    population = share_exactly(preset.residents, households)
    street_zh = street_name(preset, street)[0]
    return [SyntheticBuilding(
        source_id=f"gen:{preset.code}-{street}-{label}", name=name,
        address=f"{street_zh}{label}号" if kind == "house" else f"{street_zh}{label}号楼", kind=kind,
        levels=levels, households=hh, population=pop, geom=poly)
        for (label, kind, levels, poly, name), hh, pop in zip(drafts, households, population)]


def _block_uses(rng: random.Random, net: _Network, blocks) -> list[str]:
    """Three squares among the small blocks, two schools among the large ones, four blocks of
    shops on the avenues and the ring, an old village of detached houses around one spot, slabs
    elsewhere."""
    n = len(blocks)
    uses = ["slabs"] * n
    order = sorted(range(n), key=lambda i: blocks[i][1].area)
    free = set(range(n))

    def take(candidates, count, use):
        chosen = [i for i in candidates if i in free]
        chosen = rng.sample(chosen, min(count, len(chosen)))
        for i in chosen:
            uses[i] = use
            free.discard(i)

    take(order[: n // 2], 3, "square")
    take(order[n // 2:], 2, "school")
    main = shapely.union_all([line for w, line in net.pieces
                              if net.ways[w].side is None and net.ways[w].road_class in ("primary", "secondary")])
    near_main = [i for i in range(n) if blocks[i][1].distance(main) < 25]
    take(near_main, 4, "commercial")
    village = blocks[rng.randrange(n)][1].centroid
    rest = sorted(free, key=lambda i: (blocks[i][1].distance(village), i))
    for i in rest[: round(0.3 * len(rest))]:
        uses[i] = "houses"
    return uses


def _organic_segments(preset: Preset, street: int, net: _Network) -> list[SyntheticSegment]:
    """The tile's own roads (not its edges) cut into the preset's number of street-chief
    segments: each road gets a share by length; a road too short for one joins a segment it
    meets."""
    ways = sorted({w for w, _ in net.pieces if net.ways[w].side is None})
    merged = {w: shapely.line_merge(MultiLineString([line for v, line in net.pieces if v == w]))
              for w in ways}
    main = [w for w in ways if net.ways[w].road_class != "service"]
    counts = share_exactly(preset.road_segments, [merged[w].length for w in main])
    drafts = []     # [way, section, lines]
    for w, count in zip(main, counts):
        parts = list(shapely.get_parts(merged[w]))
        if count == 0:
            continue
        if len(parts) > 1:
            raise AssertionError(f"road {net.ways[w].name_zh} is not one line")
        line = parts[0]
        for k in range(count):
            piece = shapely.ops.substring(line, line.length * k / count, line.length * (k + 1) / count)
            drafts.append([w, k + 1, [piece]])
    if len(drafts) != preset.road_segments:
        raise AssertionError(f"the roads give {len(drafts)} segments, the preset wants {preset.road_segments}")
    for w in ways:
        if w in main and counts[main.index(w)]:
            continue
        distances = [min(shapely.distance(merged[w], line) for line in d[2]) for d in drafts]
        drafts[int(np.argmin(distances))][2].extend(shapely.get_parts(merged[w]))
    result = []
    for n, (w, section, lines) in enumerate(drafts, start=1):
        way = net.ways[w]
        geom = MultiLineString(lines)
        result.append(SyntheticSegment(
            code=f"{preset.code}-{street:02d}-{n:02d}", name_zh=f"{way.name_zh}第{section}段",
            name_en=f"{way.name_en}, section {section}", length_m=round(geom.length, 1), geom=geom))
    return result


def _organic_city(preset: Preset, frame: MetricFrame, rng: random.Random, tile: float, cols: int,
                  tiles: list[tuple[float, float]], to_wgs84) -> SyntheticCity:
    names = _RoadNames(rng)
    schools = iter(range(1, 1_000_000))
    metric_buildings, metric_segments, interior = [], [], []
    edge_junctions: dict[tuple[str, int, int], set] = {}
    for n, (x0, y0) in enumerate(tiles):
        col, row = n % cols, n // cols
        net = _organic_network(rng, tile, names)

        def to_city(geom, col=col, row=row):
            return shapely.transform(geom, lambda xy: _snap_edges(xy, col, row, tile))

        buildings = _organic_buildings(preset, rng, n + 1, net, schools)
        metric_buildings.append([replace(b, geom=to_city(b.geom)) for b in buildings])
        metric_segments.append([replace(s, geom=to_city(s.geom)) for s in _organic_segments(preset, n + 1, net)])
        for i, (w, line) in enumerate(net.pieces):
            way = net.ways[w]
            if way.side is not None:
                continue
            geom = to_city(line)
            interior.append(SyntheticRoad(f"gen:{preset.code}-{n + 1}-w{w}-{i}", way.name_zh, way.road_class, geom))
        for w, line in net.pieces:
            side = net.ways[w].side
            if side is None:
                continue
            key = {"S": ("y", col, row), "N": ("y", col, row + 1),
                   "W": ("x", col, row), "E": ("x", col + 1, row)}[side]
            ends = to_city(line).coords
            edge_junctions.setdefault(key, set()).update([ends[0], ends[-1]])

    roads = []
    for (axis, i, j), points in sorted(edge_junctions.items()):
        along = 1 if axis == "x" else 0
        ordered = sorted(points, key=lambda p: p[along])
        zh = f"{'经' if axis == 'x' else '纬'}{(i if axis == 'x' else j) + 1}大街"
        for k, (a, b) in enumerate(zip(ordered, ordered[1:])):
            roads.append(SyntheticRoad(f"gen:{preset.code}-e{axis}{i}-{j}-{k}", zh, "primary", LineString([a, b])))
    roads += interior

    streets, flat = _streets(to_wgs84, tiles, tile, metric_buildings, metric_segments)
    metric_cameras = _organic_cameras(preset, rng, roads, flat)
    cameras = [replace(c, geom=g) for c, g in zip(metric_cameras, to_wgs84([c.geom for c in metric_cameras]))]
    roads = [replace(r, geom=g) for r, g in zip(roads, to_wgs84([r.geom for r in roads]))]
    return SyntheticCity(preset, frame, streets, roads, cameras)


def _snap_edges(xy: np.ndarray, col: int, row: int, tile: float) -> np.ndarray:
    """A tile's local metres moved to the city's; coordinates on the tile's edges (exactly 0 or
    `tile` locally) become exact multiples of the tile, the same floats the neighbour uses."""
    out = xy + (col * tile, row * tile)
    for axis, first in ((0, col), (1, row)):
        out[:, axis] = np.where(xy[:, axis] == 0.0, first * tile, out[:, axis])
        out[:, axis] = np.where(xy[:, axis] == tile, (first + 1) * tile, out[:, axis])
    return out


def _organic_cameras(preset: Preset, rng: random.Random, roads: list[SyntheticRoad],
                     buildings: list[SyntheticBuilding]) -> list[SyntheticCamera]:
    """Domes over junctions of main roads; at the others a pair of fixed cameras, each looking
    down one of the roads that meet there; fixed cameras on building corners looking out."""
    leaving: dict[tuple, list[tuple[float, str]]] = {}
    for road in roads:
        coords = road.geom.coords
        for end, toward in ((coords[0], coords[1]), (coords[-1], coords[-2])):
            bearing = math.degrees(math.atan2(toward[0] - end[0], toward[1] - end[1])) % 360
            leaving.setdefault(tuple(end), []).append((bearing, road.road_class))
    cameras = []

    def add(kind, x, y, bearing, height):
        status = rng.choices(("online", "offline", "maintenance"), (95, 4, 1))[0]
        fov = 360.0 if kind == "dome" else 60.0
        cameras.append(SyntheticCamera(
            source_id=f"{preset.code}-c{len(cameras) + 1}", kind=kind,
            bearing=None if kind == "dome" else round(bearing % 360, 1), fov=fov,
            range_m=min(80.0, max(20.0, 10 * height)), height_m=height, status=status,
            owner=rng.choice(("public_security", "community", "property")),
            geom=Point(round(x, 2), round(y, 2))))

    for (x, y), arms in sorted(leaving.items()):
        if len(arms) < 2:
            continue                                    # a dead end
        if all(road_class in MAIN_CLASSES for _, road_class in arms):
            add("dome", x, y, None, 8.0)
            continue
        for bearing, _ in rng.sample(sorted(arms), 2):
            # on the corner to the right of the road it watches, 4 m out from the junction
            corner = math.radians(bearing + 45)
            add("fixed", x + 4 * math.sin(corner), y + 4 * math.cos(corner), bearing,
                rng.choice((4.0, 5.0, 6.0)))
    for building in buildings:
        if building.kind not in ("residential", "house") or rng.random() > (0.4 if building.kind == "residential" else 0.1):
            continue
        ring = np.asarray(building.geom.exterior.coords)[:-1]
        corner = ring[rng.randrange(len(ring))]
        out = _unit(corner - np.asarray(building.geom.centroid.coords[0]))
        bearing = math.degrees(math.atan2(out[0], out[1]))
        add("fixed", corner[0] + out[0] * 0.5, corner[1] + out[1] * 0.5, bearing, rng.choice((3.0, 4.0, 5.0)))
    return cameras
