"""Grids made of whole blocks follow the ground, on a real town and on a synthetic one whose
streets are diagonal and curved: most of their lines lie on roads, they tile their street
exactly, no building is cut, every grid holds 300–1000 households (or is the closest
achievable, and said so), and none is a strip more than 3× longer than wide unless one of its
own blocks is."""
import numpy as np
import pytest
import shapely

from app.geo.blocks import cut_into_blocks
from app.geo.compactness import elongation, too_elongated
from app.geo.ground_share import ground_share
from app.geo.partition import GRID_SIZE
from app.geo.regions import divide_along_ground
from app.services.loading.towns import BOUNDS, osm_town, synthetic_town

EXACT_M2 = 0.01


@pytest.fixture(scope="module", params=["helsinki", "hexi", "kotka"])
def divided(request):
    street = (synthetic_town("hexi", 1) if request.param == "hexi" else osm_town(request.param))[0]
    communities = divide_along_ground(street.region, street.units, street.households, street.frame,
                                      street.lines, street.main, street.counts, BOUNDS)
    return street, communities


def test_most_grid_lines_lie_on_roads(divided):
    street, communities = divided
    grids = [p.geom for parts in communities for p in parts]
    assert ground_share(grids, street.lines, street.frame).share >= 0.6


def test_grids_tile_the_street_exactly(divided):
    street, communities = divided
    grids = np.array([p.geom for parts in communities for p in parts], dtype=object)
    metric = street.frame.to_metric
    union = shapely.union_all(grids, grid_size=GRID_SIZE)
    assert metric(shapely.difference(street.region, union, grid_size=GRID_SIZE)).area < EXACT_M2
    assert metric(shapely.difference(union, street.region, grid_size=GRID_SIZE)).area < EXACT_M2
    left, right = shapely.STRtree(grids).query(grids, predicate="intersects")
    pairs = left < right
    overlaps = shapely.area(metric(shapely.intersection(grids[left[pairs]], grids[right[pairs]],
                                                        grid_size=GRID_SIZE)))
    assert overlaps.max(initial=0) < EXACT_M2


def test_every_building_lies_whole_in_the_grid_that_counts_it(divided):
    street, communities = divided
    for parts in communities:
        for part in parts:
            inside = street.units[list(part.units)]
            assert shapely.covers(shapely.buffer(part.geom, 2e-7, join_style="mitre"), inside).all()
    counted = sorted(u for parts in communities for p in parts for u in p.units)
    assert counted == list(range(len(street.units)))


def test_households_in_range_and_counts_as_asked(divided):
    street, communities = divided
    assert [len(parts) for parts in communities] == list(street.counts)
    households = [p.households for parts in communities for p in parts]
    assert sum(households) == street.households.sum()
    assert all(BOUNDS[0] <= h <= BOUNDS[1] for h in households), households


def test_blocks_tile_their_area_and_a_dead_end_cuts_nothing():
    square = shapely.box(0, 0, 0.01, 0.01)
    cross = [shapely.LineString([(0.005, -1), (0.005, 1)]), shapely.LineString([(-1, 0.005), (1, 0.005)])]
    dead_end = [shapely.LineString([(0.002, 0.0), (0.002, 0.003)])]
    blocks = cut_into_blocks(square, cross + dead_end)
    assert len(blocks) == 4
    assert shapely.union_all(blocks).equals(square)


def test_no_grid_is_a_strip_its_blocks_do_not_make_it(divided):
    street, communities = divided
    strips = too_elongated([p.geom for parts in communities for p in parts], street.region, street.lines,
                           street.frame)
    assert not any(strips), strips


def test_a_lattice_whose_blocks_cannot_balance_is_bisected_without_strips():
    """zhenxing's blocks are each about one grid and some are empty squares, so its grids come
    from the bisection, which turns a cut away from a strip."""
    street = synthetic_town("zhenxing", 1)[0]
    communities = divide_along_ground(street.region, street.units, street.households, street.frame,
                                      street.lines, street.main, street.counts, BOUNDS)
    grids = [p for parts in communities for p in parts]
    assert all(BOUNDS[0] <= p.households <= BOUNDS[1] for p in grids)
    assert not any(too_elongated([p.geom for p in grids], street.region, street.lines, street.frame))


def test_a_hairline_tail_does_not_make_a_square_long():
    square = shapely.box(0, 0, 100, 100)
    tail = shapely.box(100, 0, 900, 0.004)       # a road traced 4 mm off the community's edge
    assert elongation(shapely.union(square, tail)) == pytest.approx(1.0)
    assert elongation(shapely.box(0, 0, 400, 100)) == pytest.approx(4.0)
