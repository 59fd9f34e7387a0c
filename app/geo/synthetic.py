"""A synthetic city built to a street's published figures, for tests and benchmarks.

A preset gives one street's figures (area, households, residents, communities, grids, street-chief
road segments). The city is `scale` such streets side by side, each a square tile of the preset's
area cut by a road lattice: primary roads on the tile edges, a secondary cross through the middle,
residential lanes between, so every tile has 8 × 8 blocks. Blocks hold housing slabs, a few
schools and shops, and open squares. Households and residents are shared out exactly (largest
remainder, by floor area) so each tile carries the preset's figures to the unit. Cameras stand at
junctions and on building corners.

Everything is built in metres around an origin, then moved to WGS84; the same seed gives the same
city, coordinate for coordinate.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from .crs import MetricFrame, utm_epsg

BLOCKS_PER_SIDE = 8            # roads per tile side: edges, the middle cross, six lanes
ROAD_WIDTH_M = {"primary": 30.0, "secondary": 24.0, "residential": 12.0}
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


# 振兴街道: the published figures of a street often cited for grid management; the location
# and layout are invented.
PRESETS = {
    "zhenxing": Preset(code="ZX", city=("振兴市", "Zhenxing City"), district=("振兴区", "Zhenxing District"),
                       street=("振兴街道", "Zhenxing Street"), origin=(123.38, 41.76),
                       area_km2=0.68, households=28_000, residents=68_000, communities=12,
                       grids=64, road_segments=42),
}


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
    metric_buildings = [_street_buildings(preset, rng, n + 1, x0, y0, spacing)
                        for n, (x0, y0) in enumerate(tiles)]
    metric_segments = [_street_segments(preset, n + 1, x0, y0, spacing)
                       for n, (x0, y0) in enumerate(tiles)]
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

    used = {(i % cols, i // cols) for i in range(scale)}
    metric_roads = _roads(preset, used, spacing)
    roads = [replace(r, geom=g) for r, g in zip(metric_roads, to_wgs84([r.geom for r in metric_roads]))]
    metric_cameras = _cameras(preset, rng, used, spacing, flat)
    cameras = [replace(c, geom=g)
               for c, g in zip(metric_cameras, to_wgs84([c.geom for c in metric_cameras]))]
    return SyntheticCity(preset, frame, streets, roads, cameras)


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
