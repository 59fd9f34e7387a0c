"""The planners' edits as geometry (app/geo/plan_edits.py): a split line drawn close to a grid's
edge or past a corner leaves no crumb of a grid and loses no ground; a building cut by a grid
line goes wholly into the grid that holds most of it, the grids still tiling what they did.
In metres on a 200 m square grid at Helsinki, moved to WGS84 as stored."""
import pytest
import shapely
from shapely.geometry import LineString, Polygon, box
from shapely.ops import split as split_by

from app.geo.crs import frame_for
from app.geo.partition import GRID_SIZE
from app.geo.plan_edits import LEFTOVER_M2, EditRefused, keep_whole, leftover_floor_m2, split

ORIGIN = shapely.Point(24.94, 60.17)
FRAME = frame_for(ORIGIN)
X0, Y0 = FRAME.to_metric(ORIGIN).coords[0]


def wgs84(geom):
    """A shape drawn in metres from the grid's south-west corner, in degrees on the grid."""
    moved = shapely.affinity.translate(geom, X0, Y0)
    return shapely.set_precision(FRAME.to_wgs84(moved), GRID_SIZE)


def m2(geom) -> float:
    return FRAME.to_metric(geom).area


GRID = wgs84(box(0, 0, 200, 200))


def assert_tiles(pieces, whole):
    together = shapely.union_all(pieces)
    assert m2(together.symmetric_difference(whole)) < 0.01                          # no ground lost
    assert sum(m2(p) for p in pieces) == pytest.approx(m2(together), abs=0.01)     # none twice


def test_a_line_that_clips_a_corner_on_its_way_leaves_no_crumb_grid():
    # it cuts 3 m off each edge at the south-west corner (4.5 m²), goes round outside the
    # grid, and crosses it north–south through the middle
    line = wgs84(LineString([(-2, 5), (5, -2), (100, -5), (100, 205)]))
    raw = sorted(m2(p) for p in split_by(GRID, line).geoms)
    assert len(raw) == 3 and raw[0] == pytest.approx(4.5, abs=0.1)           # what it used to make
    cut = split(GRID, line, FRAME)
    assert len(cut.pieces) == 2
    assert [round(a, 1) for a in cut.absorbed_m2] == [4.5]
    assert min(m2(p) for p in cut.pieces) >= leftover_floor_m2(m2(GRID))
    assert_tiles(cut.pieces, GRID)
    # the crumb went to the piece across the line from it: the west half keeps its corner
    west = next(p for p in cut.pieces if p.representative_point().x < wgs84(shapely.Point(100, 0)).x)
    assert west.covers(wgs84(shapely.Point(0.5, 0.5)))


def test_a_line_that_runs_along_an_edge_before_it_turns_leaves_no_strip():
    # a metre in from the south edge for 50 m, then out through it, round, and across
    line = wgs84(LineString([(-5, 1), (50, 1), (52, -1), (100, -5), (100, 205)]))
    assert len(split_by(GRID, line).geoms) == 3
    cut = split(GRID, line, FRAME)
    assert len(cut.pieces) == 2 and len(cut.absorbed_m2) == 1 and cut.absorbed_m2[0] < LEFTOVER_M2 + 10
    assert_tiles(cut.pieces, GRID)


def test_a_line_that_would_cut_off_only_a_crumb_is_refused_and_says_how_little():
    line = wgs84(LineString([(-2, 5), (5, -2)]))
    with pytest.raises(EditRefused) as refused:
        split(GRID, line, FRAME)
    assert "4.5" in refused.value.message_zh and "平方米" in refused.value.message_zh


def test_a_line_across_the_grid_still_makes_its_two_pieces():
    cut = split(GRID, wgs84(LineString([(120, -5), (120, 205)])), FRAME)
    assert sorted(round(m2(p)) for p in cut.pieces) == [16000, 24000] and cut.absorbed_m2 == []


def test_a_cut_building_goes_wholly_into_the_grid_holding_most_of_it():
    west, east = wgs84(box(0, 0, 100, 200)), wgs84(box(100, 0, 200, 200))
    building = wgs84(box(70, 90, 110, 110))                   # 30 m west of the line, 10 m east
    keeper, changed = keep_whole(building, {1: west, 2: east}, FRAME)
    assert keeper == 1 and set(changed) == {1, 2}
    assert m2(building.difference(changed[1])) < 0.01
    assert m2(changed[2].intersection(building)) < 0.01
    assert_tiles(list(changed.values()), shapely.union_all([west, east]))
    with pytest.raises(EditRefused):                          # once whole, there is nothing to do
        keep_whole(building, changed, FRAME)


def test_a_building_over_three_grids_goes_to_the_one_with_most_of_it():
    # the northern grid has the vertex its two neighbours meet at, as a coverage does
    north = Polygon([(0, 100), (100, 100), (200, 100), (200, 200), (0, 200)])
    grids = {1: wgs84(box(0, 0, 100, 100)), 2: wgs84(box(100, 0, 200, 100)), 3: wgs84(north)}
    building = wgs84(Polygon([(80, 80), (130, 80), (130, 105), (80, 105)]))   # most in 2
    keeper, changed = keep_whole(building, grids, FRAME)
    assert keeper == 2 and set(changed) == {1, 2, 3}
    assert m2(building.difference(changed[2])) < 0.01
    assert_tiles(list(changed.values()), shapely.union_all(list(grids.values())))


def test_a_courtyard_the_building_walls_off_goes_with_it_instead_of_staying_a_sliver():
    west, east = wgs84(box(0, 0, 100, 200)), wgs84(box(100, 0, 200, 200))
    # a building round a 10 m courtyard that opens only onto the grid line: 1,100 m² of it west
    building = wgs84(box(70, 80, 130, 120).difference(box(100, 95, 110, 105)))
    keeper, changed = keep_whole(building, {1: west, 2: east}, FRAME)
    assert keeper == 1
    assert changed[2].geom_type == "Polygon"                  # east in one piece, no 100 m² sliver
    assert changed[1].covers(wgs84(shapely.Point(105, 100)))
    assert_tiles(list(changed.values()), shapely.union_all([west, east]))
