"""What a camera sees, on hand-made footprints in metres: walls stop the view, corners let it
pass, an open square gives the whole disc."""
from __future__ import annotations

import math

import pytest
import shapely
from shapely.geometry import box

from app.geo.visibility import sector, visible


def test_a_camera_facing_a_wall_sees_nothing_behind_it():
    wall = box(-20, 10, 20, 20)                       # 10 m ahead, wider than the view
    seen = visible(0, 0, 0, 60, 50, [wall])
    half_width = 10 * math.tan(math.radians(30))
    assert seen.area == pytest.approx(10 * half_width, rel=1e-3)    # the triangle up to the wall
    assert shapely.intersection(seen, box(-100, 10.01, 100, 100)).area == pytest.approx(0, abs=1e-6)


def test_a_dome_in_an_open_square_sees_a_full_disc():
    far = box(200, 200, 220, 220)                      # a building beyond its range changes nothing
    seen = visible(0, 0, None, 360, 40, [far])
    assert seen.area == pytest.approx(math.pi * 40 ** 2, rel=2e-3)
    assert seen.equals_exact(shapely.MultiPolygon([sector(0, 0, None, 360, 40)]), 1e-6) or \
        shapely.symmetric_difference(seen, sector(0, 0, None, 360, 40)).area < 1e-6


def test_a_building_in_front_casts_a_shadow_with_sharp_edges():
    block = box(-5, 20, 5, 30)                        # 10 m wide, 20 m north of a dome
    seen = visible(0, 0, None, 360, 50, [block])
    # the shadow: the part of the disc behind the block, between the rays through its near corners
    shadow = shapely.Polygon([(-5, 20), (5, 20), (5 * 50 / 20, 50), (-5 * 50 / 20, 50)])
    disc = sector(0, 0, None, 360, 50)
    hidden = shapely.difference(disc, seen)
    assert shapely.intersection(hidden, shapely.Point(0, 40).buffer(1)).area == pytest.approx(math.pi, rel=0.01)
    assert shapely.intersection(seen, shadow.buffer(-0.05)).area == pytest.approx(0, abs=1e-3)
    # beside the block, just past its corner, the view goes on to the range
    assert seen.contains(shapely.Point(9.5, 35)) and not seen.contains(shapely.Point(8.0, 35))
    # the block's face towards the camera is seen, its inside is not
    assert shapely.intersection(seen, block).area == pytest.approx(0, abs=1e-3)
    assert seen.distance(shapely.Point(0, 20)) < 1e-6


def test_a_camera_on_a_building_corner_looks_out_not_through_its_own_walls():
    home = box(-10, -10, 0, 0)                        # mounted on the north-east corner
    seen = visible(0, 0, 45, 90, 30, [home])
    assert seen.area == pytest.approx(math.pi * 30 ** 2 / 4, rel=3e-3)
    dome = visible(0, 0, None, 360, 30, [home])       # a dome there sees three quarters of the disc
    assert dome.area == pytest.approx(math.pi * 30 ** 2 * 3 / 4, rel=3e-3)
    assert shapely.intersection(dome, home).area == pytest.approx(0, abs=1e-6)


def test_placement_picks_the_obvious_candidate_and_then_looks_the_other_way():
    import numpy as np

    from app.geo.placement import suggest
    road = shapely.LineString([(0, 0), (200, 0)])              # an unwatched street
    candidates = np.array([[100, 2], [500, 500], [100, 60]])    # at the street; far away; behind a block
    block = box(60, 20, 140, 50)                                # hides the third from the street
    picks = suggest(road, candidates, [block], k=2, fov=90, range_m=40)
    assert [(p.x, p.y) for p in picks] == [(100, 2), (100, 2)]
    # along the street, one each way: everything within its 40 m range
    assert {p.bearing < 180 for p in picks} == {True, False}
    assert sum(p.gain_m for p in picks) == pytest.approx(2 * (40 ** 2 - 2 ** 2) ** 0.5, abs=0.5)
    assert suggest(road, np.array([[500, 500]]), [], k=3) == []   # nothing to gain: no suggestion


def test_a_camera_mapped_inside_two_buildings_that_share_a_wall_looks_out_from_the_blocks_outside_wall():
    west, east = box(0, 0, 10, 10), box(10, 0, 20, 10)     # terraced: the wall x = 10 is shared
    # mapped inside the west building, nearer the shared wall (0.2 m) than the street front (0.5 m)
    seen = visible(9.8, 9.5, 0, 90, 30, [west, east])
    assert seen.area == pytest.approx(math.pi * 30 ** 2 / 4, rel=3e-3)     # the whole sector, north
    assert shapely.intersection(seen, shapely.union(west, east)).area == pytest.approx(0, abs=1e-6)
    assert seen.distance(shapely.Point(9.8, 10)) < 1e-6                     # from the front wall


@pytest.mark.parametrize("turn", [0.0, 30.0, 60.0, 89.91])
def test_where_a_wall_leaves_the_range_the_view_ends_at_the_wall_whatever_the_arc_step(turn):
    from shapely import affinity
    # a long block across the view 40 m out, turned so that one end runs out of the 50 m range
    block = affinity.rotate(box(-100, 40, 100, 42), -turn, origin=(0, 40))
    coarse = visible(0, 0, 0, 90, 50, [block])
    fine = visible(0, 0, 0, 90, 50, [block], arc_step_deg=0.01)
    overlap = shapely.intersection(coarse, fine).area / shapely.union(coarse, fine).area
    assert overlap > 0.9995
