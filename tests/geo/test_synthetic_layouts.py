"""The synthetic city's layouts: the lattice (zhenxing) stays exactly as it was, coordinate for
coordinate; the organic town (hexi) is not a lattice — diagonal avenues, a ring road, curved and
diagonal streets, dead-end lanes, irregular blocks — and still carries its preset's figures to the
unit, with no building on a road or on another building, and tiles that join."""
import hashlib
import math
from collections import Counter, defaultdict

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely import STRtree

from app.geo.synthetic import MAIN_CLASSES, ROAD_WIDTH_M, PRESETS, SETBACK_M, build_city

ZHENXING, HEXI = PRESETS["zhenxing"], PRESETS["hexi"]
OSM_HIGHWAYS = {"primary", "secondary", "tertiary", "residential", "service"}

# build_city(ZHENXING, 2, seed=7) before the organic layout was added (the conftest's city)
LATTICE_HASH = "88bac3cfaa19b653836235c677bf1f4bb7a0c6cb4263fb986ef511606ca1cd36"


def city_hash(city) -> str:
    h = hashlib.sha256()
    for s in city.streets:
        h.update(repr((s.index, s.boundary.wkb)).encode())
        for b in s.buildings:
            h.update(repr((b.source_id, b.name, b.address, b.kind, b.levels, b.households,
                           b.population, b.geom.wkb)).encode())
        for g in s.segments:
            h.update(repr((g.code, g.name_zh, g.name_en, g.length_m, g.geom.wkb)).encode())
    for r in city.roads:
        h.update(repr((r.source_id, r.name, r.road_class, r.geom.wkb)).encode())
    for c in city.cameras:
        h.update(repr((c.source_id, c.kind, c.bearing, c.fov, c.range_m, c.height_m, c.status,
                       c.owner, c.geom.wkb)).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def town():
    return build_city(HEXI, 1, seed=1)


@pytest.fixture(scope="module")
def towns():
    return build_city(HEXI, 4, seed=3)


def metric_roads(city):
    return [(r, city.frame.to_metric(r.geom)) for r in city.roads]


def bearings(line):
    """Each segment's direction, degrees clockwise from north folded to 0–90, and its length."""
    d = np.diff(np.asarray(line.coords), axis=0)
    return np.degrees(np.arctan2(d[:, 0], d[:, 1])) % 90, np.hypot(*d.T)


def test_the_lattice_city_is_unchanged():
    assert ZHENXING.layout == "lattice"
    assert city_hash(build_city(ZHENXING, 2, seed=7)) == LATTICE_HASH


def test_the_organic_town_is_not_a_lattice(town):
    roads = metric_roads(town)
    folded, lengths = map(np.concatenate, zip(*(bearings(g) for _, g in roads)))
    off_axis = (folded >= 10) & (folded <= 80)
    assert lengths[off_axis].sum() / lengths.sum() > 0.6

    # two diagonal avenues, 30–60° off north, cross the tile: a primary and a secondary
    tile = town.frame.to_metric(town.streets[0].boundary)
    by_name = defaultdict(list)
    for r, g in roads:
        by_name[(r.name, r.road_class)].append(g)
    merged = {k: shapely.line_merge(shapely.MultiLineString(v)) for k, v in by_name.items()}
    avenues = [(k, m) for k, m in merged.items() if k[1] in ("primary", "secondary")
               and m.geom_type == "LineString" and not m.is_closed]
    diagonal = []
    for (name, road_class), line in avenues:
        (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
        bearing = math.degrees(math.atan2(x1 - x0, y1 - y0)) % 180
        off_north = min(bearing, 180 - bearing)
        if 30 <= off_north <= 60 and line.length > 0.9 * math.sqrt(tile.area):
            diagonal.append(road_class)
    assert sorted(diagonal) == ["primary", "secondary"]
    # a ring road closes on itself
    assert any(k[1] == "secondary" and m.geom_type == "LineString" and m.is_closed for k, m in merged.items())

    # streets that curve: their direction turns by more than 15° from one end to the other
    def turning(line):
        d = np.diff(np.asarray(line.coords), axis=0)
        heading = np.unwrap(np.arctan2(d[:, 1], d[:, 0]))
        return abs(math.degrees(heading[-1] - heading[0]))
    curved = [k for k, m in merged.items() if k[1] in ("tertiary", "residential")
              for part in shapely.get_parts(m) if turning(part) > 15]
    assert len(curved) >= 10

    # dead-end lanes: service roads with an end no other road shares
    ends = Counter(c for _, g in roads for c in (g.coords[0], g.coords[-1]))
    dead = [r for r, g in roads if r.road_class == "service" and (ends[g.coords[0]] == 1 or ends[g.coords[-1]] == 1)]
    assert len(dead) >= 3

    # the blocks are the network's faces: many, of many sizes, few of them rectangles
    blocks = shapely.get_parts(shapely.polygonize([g for _, g in roads]))
    assert len(blocks) >= 40
    assert sum(b.area for b in blocks) == pytest.approx(tile.area, rel=1e-5)   # a block is ≥ 1 ha
    rectangular = [b for b in blocks if b.area / shapely.minimum_rotated_rectangle(b).area > 0.98]
    assert len(rectangular) < 0.25 * len(blocks)
    areas = np.array([b.area for b in blocks])
    assert areas.max() > 2.5 * areas.min()


def test_road_classes_are_osm_highway_values(town, towns):
    for city in (town, towns):
        classes = {r.road_class for r in city.roads}
        assert classes <= OSM_HIGHWAYS and {"primary", "secondary", "residential", "service"} <= classes


@pytest.mark.parametrize("scale", [1, 3])
def test_every_organic_street_has_the_preset_figures(scale):
    city = build_city(HEXI, scale, seed=2)
    assert len(city.streets) == scale
    for street in city.streets:
        area_km2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(street.boundary)[0]) / 1e6
        assert area_km2 == pytest.approx(0.9, rel=0.002)
        assert sum(b.households for b in street.buildings) == 18_000
        assert sum(b.population for b in street.buildings) == 45_000
        assert len(street.segments) == HEXI.road_segments
        assert all(street.boundary.contains(b.geom) for b in street.buildings)
        kinds = Counter(b.kind for b in street.buildings)
        assert kinds["house"] >= 50 and kinds["residential"] >= 50 and kinds["school"] >= 1
        assert kinds["commercial"] + kinds["retail"] + kinds["office"] >= 1
        # households live in homes only; houses are detached, two storeys, small
        assert all(b.households == 0 for b in street.buildings if b.kind not in ("residential", "house"))
        houses = [b for b in street.buildings if b.kind == "house"]
        assert {b.levels for b in houses} == {2}
        frame = city.frame
        assert max(frame.to_metric(b.geom).area for b in houses) < 200
    codes = [s.code for street in city.streets for s in street.segments]
    assert len(set(codes)) == len(codes)


def test_no_building_crosses_a_road_or_another_building(towns):
    frame = towns.frame
    footprints = np.array([b.geom for s in towns.streets for b in s.buildings], dtype=object)
    left, right = STRtree(footprints).query(footprints, predicate="intersects")
    assert not (left < right).any()
    roads = np.array([r.geom for r in towns.roads], dtype=object)
    assert not len(STRtree(roads).query(footprints, predicate="intersects")[0])
    # in metres: every wall keeps half the road's width and the setback (less a centimetre of
    # rounding to the coordinate grid)
    metric = frame.to_metric(footprints)
    for road in towns.roads:
        reach = ROAD_WIDTH_M[road.road_class] / 2 + SETBACK_M - 0.05
        near = STRtree(metric).query(frame.to_metric(road.geom), predicate="dwithin", distance=reach)
        assert not len(near), road.source_id


def test_there_are_squares_of_open_ground(town):
    roads = [g for _, g in metric_roads(town)]
    blocks = shapely.get_parts(shapely.polygonize(roads))
    footprints = town.frame.to_metric(np.array([b.geom for b in town.streets[0].buildings], dtype=object))
    holding = STRtree(footprints).query(blocks, predicate="intersects")[0]
    empty = set(range(len(blocks))) - set(holding.tolist())
    assert len(empty) >= 3


def test_tiles_join_road_for_road(towns):
    """Four towns side by side: every road end but a lane's dead end meets another road, and
    the network's faces cover the four tiles exactly."""
    ends = Counter(c for r in towns.roads for c in (r.geom.coords[0], r.geom.coords[-1]))
    loose = [r for r in towns.roads for c in (r.geom.coords[0], r.geom.coords[-1]) if ends[c] == 1]
    assert loose and all(r.road_class == "service" for r in loose)
    roads = [g for _, g in metric_roads(towns)]
    faces = shapely.get_parts(shapely.polygonize(roads))
    tiles = towns.frame.to_metric(towns.boundary)
    assert sum(f.area for f in faces) == pytest.approx(tiles.area, rel=1e-5)
    # the tile edges are straight primaries
    edges = [r for r in towns.roads if "-e" in r.source_id]
    assert edges and all(r.road_class == "primary" and len(r.geom.coords) == 2 for r in edges)


def test_the_same_seed_builds_the_same_town_and_another_seed_another():
    assert city_hash(build_city(HEXI, 2, seed=5)) == city_hash(build_city(HEXI, 2, seed=5))
    assert city_hash(build_city(HEXI, 2, seed=5)) != city_hash(build_city(HEXI, 2, seed=6))


def test_coordinates_lie_on_the_coordinate_grid(town):
    geoms = ([b.geom for b in town.streets[0].buildings] + [r.geom for r in town.roads]
             + [s.geom for s in town.streets[0].segments] + [c.geom for c in town.cameras])
    coords = shapely.get_coordinates(np.array(geoms, dtype=object)) * 1e7
    assert np.abs(coords - np.round(coords)).max() < 1e-3


def test_segments_run_on_the_roads_and_cameras_stand_outside_buildings(town):
    street = town.streets[0]
    roads = town.frame.to_metric(shapely.union_all([r.geom for r in town.roads]))
    for segment in street.segments:
        line = town.frame.to_metric(segment.geom)
        assert line.length == pytest.approx(segment.length_m, abs=0.5)
        assert line.buffer(0.05).difference(roads.buffer(0.1)).area == pytest.approx(0, abs=1e-6)
    covered = shapely.union_all([s.geom for s in street.segments])
    inner = [r.geom for r in town.roads if "-e" not in r.source_id]
    covered_m, inner_m = town.frame.to_metric(covered), town.frame.to_metric(shapely.union_all(inner))
    assert covered_m.length == pytest.approx(inner_m.length, rel=0.001)    # every street has a chief
    footprints = shapely.union_all([b.geom for b in street.buildings])
    kinds = Counter(c.kind for c in town.cameras)
    assert kinds["dome"] >= 10 and kinds["fixed"] >= 100
    assert not any(footprints.contains(c.geom) for c in town.cameras)
    # domes stand over junctions of main roads only
    classes_at = defaultdict(set)
    for r in town.roads:
        for c in (r.geom.coords[0], r.geom.coords[-1]):
            classes_at[c].add(r.road_class)
    junctions = list(classes_at)
    tree = STRtree(town.frame.to_metric(shapely.points(junctions)))
    for camera in town.cameras:
        if camera.kind == "dome":
            [i] = tree.query(town.frame.to_metric(camera.geom), predicate="dwithin", distance=0.1)
            assert classes_at[junctions[i]] <= set(MAIN_CLASSES)
