"""Which way a camera faces when its source does not say: away from the wall it is on, along
the road it watches, or all round when there is nothing to go by. Hand-made footprints, metres."""
from __future__ import annotations

import pytest
import shapely
from shapely.geometry import box

from app.geo.facing import DOME_RANGE_M, estimate

HOUSE = box(0, 0, 20, 10)


@pytest.mark.parametrize("x, y, bearing", [
    (10, 10.3, 0), (20.3, 5, 90), (10, -0.3, 180), (-0.3, 5, 270),    # just off each wall
    (10, 10, 0), (20, 5, 90),                                          # on the wall
    (10, 9.6, 0), (19.5, 5, 90),                                       # mapped a little inside
])
def test_a_camera_on_each_of_four_walls_faces_out_from_its_wall(x, y, bearing):
    facing = estimate(x, y, 60, 40, [HOUSE], [])
    assert facing.how == "wall" and facing.bearing == pytest.approx(bearing, abs=1e-6)


def test_a_camera_on_a_corner_faces_between_its_two_walls():
    assert estimate(20.2, 10.2, 60, 40, [HOUSE], []).bearing == pytest.approx(45, abs=1e-6)


def test_a_wall_two_buildings_share_is_not_an_outside_wall():
    west, east = box(0, 0, 10, 10), box(10, 0, 20, 10)
    facing = estimate(9.8, 9.5, 60, 40, [west, east], [])      # nearer the shared wall than the front
    assert facing.bearing == pytest.approx(0, abs=1e-6)


def test_a_pole_by_a_street_faces_along_it_and_at_a_junction_the_way_that_sees_most_road():
    street = shapely.LineString([(-200, 0), (200, 0)])
    along = estimate(30, 5, 60, 50, [], [street])
    assert along.how == "road" and along.bearing in (pytest.approx(90), pytest.approx(270))
    # at a junction: the street runs east from it only, the side road north is a 10 m stub;
    # of the four ways the two roads give, east sees the most road
    east_only = shapely.LineString([(0, 0), (200, 0)])
    stub = shapely.LineString([(0, 0), (0, 10)])
    junction = estimate(-3, 3, 90, 60, [], [east_only, stub])
    assert junction.how == "road" and junction.bearing == pytest.approx(90)


def test_nothing_to_go_by_makes_a_short_range_dome():
    facing = estimate(500, 500, 60, 40, [HOUSE], [shapely.LineString([(0, -50), (100, -50)])])
    assert facing == type(facing)("dome", None) and DOME_RANGE_M < 40
