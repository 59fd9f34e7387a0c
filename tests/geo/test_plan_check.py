"""The plan check's gaps, overlaps and overhangs are measured in metres, from a hundredth of a
square metre: a grid that has a vertex on its community's edge which the community lacks
leaves a sliver there, though in degrees the two meet exactly — unless the community takes
that vertex when the plan is filed, as it does where the vertex lies on its edge; the check
measures the community as filing leaves it."""
import shapely

from app.config import GridRules
from app.geo.crs import frame_for
from app.geo.plan_check import Buildings, Communities, PlannedGrid, check_plan

# a community 1.2 km east–west at 41.7° N, cut in two halves north–south
WEST, EAST, SOUTH, NORTH = 123.370, 123.3844, 41.760, 41.765
MIDDLE = (WEST + EAST) / 2
HALVES = [shapely.box(WEST, SOUTH, MIDDLE, NORTH), shapely.box(MIDDLE, SOUTH, EAST, NORTH)]


def found(community, grids):
    planned = [PlannedGrid(n, f"G{n}", "special", "C", None, g) for n, g in enumerate(grids)]
    check = check_plan(planned, community, Communities.of({"C": community}), Buildings.of([], []),
                       GridRules(), frame_for(community))
    return [p for p in check.problems if p.kind in ("gap", "overlap", "outside")]


def test_grids_sharing_their_communitys_vertices_leave_nothing_to_report():
    # the community holds the cut's two ends, as a generated division stores it
    community = shapely.Polygon([(WEST, SOUTH), (MIDDLE, SOUTH), (EAST, SOUTH), (EAST, NORTH),
                                 (MIDDLE, NORTH), (WEST, NORTH)])
    assert found(community, HALVES) == []


def test_a_cut_ending_midway_along_the_communitys_edge_is_measured_as_filing_leaves_it():
    community = shapely.box(WEST, SOUTH, EAST, NORTH)
    # in degrees the halves tile the community exactly ...
    assert shapely.union_all(HALVES).symmetric_difference(community).area < 1e-18
    # ... in metres the edges bow: square metres along each 1.2 km edge of the community as
    # stored, which lacks the cut's two ends ...
    frame = frame_for(community)
    left = frame.to_metric(community).difference(shapely.union_all(frame.to_metric(HALVES)))
    assert left.area > 1
    # ... and filing gives it those two ends (geo.vertices): the check measures it so, and
    # finds nothing
    assert found(community, HALVES) == []


def test_a_cut_ending_off_the_communitys_edge_leaves_measured_slivers():
    community = shapely.box(WEST, SOUTH, EAST, NORTH)
    # the cut ends a centimetre short of each edge, leaving a notch the community cannot take
    off = 1e-7
    halves = [shapely.Polygon([(WEST, SOUTH), (MIDDLE, SOUTH + off), (MIDDLE, NORTH - off), (WEST, NORTH)]),
              shapely.Polygon([(MIDDLE, SOUTH + off), (EAST, SOUTH), (EAST, NORTH), (MIDDLE, NORTH - off)])]
    problems = found(community, halves)
    assert "gap" in {p.kind for p in problems}
    assert sum(p.detail["area_m2"] for p in problems if p.kind == "gap") > 1
    for problem in problems:
        lon, lat = problem.detail["at"]
        assert WEST < lon < EAST and min(abs(lat - SOUTH), abs(lat - NORTH)) < 1e-6


def test_crumbs_under_half_a_square_metre_are_reported_but_do_not_block_a_plan():
    from shapely.geometry import Point
    from app.geo.plan_check import Problem
    crumb = Problem("gap", "有 0.27 平方米不属于任何网格", "0.27 m² belong to no grid", Point(0, 0), [], {"area_m2": 0.27})
    hole = Problem("gap", "有 0.75 平方米不属于任何网格", "0.75 m² belong to no grid", Point(0, 0), [], {"area_m2": 0.75})
    overhang = Problem("outside", "…", "…", Point(0, 0), ["G"], {"area_m2": 0.02})
    assert not crumb.blocking and not overhang.blocking
    assert hole.blocking
    assert Problem("cut_building", "…", "…", Point(0, 0), [], {"area_m2": 0.01}).blocking     # not a crumb


def checked_with_lines(grids, lines):
    community = shapely.box(WEST, SOUTH, EAST, NORTH)
    planned = [PlannedGrid(n, f"G{n}", "special", "C", None, g) for n, g in enumerate(grids)]
    return check_plan(planned, community, Communities.of({"C": community}), Buildings.of([], []),
                      GridRules(), frame_for(community), lines=lines)


def test_the_check_measures_how_much_of_the_grid_lines_lie_on_roads():
    on_the_road = shapely.LineString([(MIDDLE, SOUTH - 0.001), (MIDDLE, NORTH + 0.001)])
    elsewhere = shapely.LineString([(WEST + 0.001, SOUTH - 0.001), (WEST + 0.001, NORTH + 0.001)])
    assert checked_with_lines(HALVES, [on_the_road]).on_ground.share == 1.0
    assert checked_with_lines(HALVES, [elsewhere]).on_ground.share == 0.0
    assert checked_with_lines(HALVES, None).on_ground is None


def test_a_strip_is_a_warning_unless_the_block_it_lies_on_is_one():
    # the west half cut into a strip 100 m wide and the rest: the strip is 5.6× longer than wide
    narrow = WEST + 0.0012
    grids = [shapely.box(WEST, SOUTH, narrow, NORTH), shapely.box(narrow, SOUTH, MIDDLE, NORTH), HALVES[1]]
    strips = [p for p in checked_with_lines(grids, []).problems if p.kind == "strip"]
    assert [p.grids for p in strips] == [["G0"]] and not strips[0].blocking
    assert strips[0].detail["ratio"] > 5
    # with a road along its east side, the ground itself is a strip there: nothing to warn of
    road = shapely.LineString([(narrow, SOUTH - 0.001), (narrow, NORTH + 0.001)])
    assert [p for p in checked_with_lines(grids, [road]).problems if p.kind == "strip"] == []
