"""How a plan's problems are said (app/services/planning/problems.py): a building cut by a grid
line is named with each grid's share of it, and a small piece is never rounded away to "0%"
beside a "100%" — it keeps its decimals and says its square metres."""
import shapely
from shapely.geometry import box

from app.config import GridRules
from app.geo.crs import frame_for
from app.geo.partition import GRID_SIZE
from app.geo.plan_check import Buildings, Communities, PlannedGrid, check_plan, percent
from app.services.planning.problems import said

ORIGIN = shapely.Point(24.94, 60.17)
FRAME = frame_for(ORIGIN)
X0, Y0 = FRAME.to_metric(ORIGIN).coords[0]


def wgs84(geom):
    return shapely.set_precision(FRAME.to_wgs84(shapely.affinity.translate(geom, X0, Y0)), GRID_SIZE)


def cut_building(building_m):
    """The problem a building drawn in metres makes, across the line x = 100 m of two grids."""
    west, east = wgs84(box(0, 0, 100, 200)), wgs84(box(100, 0, 200, 200))
    community = shapely.union_all([west, east])
    grids = [PlannedGrid(1, "G-01", "special", "C", None, west), PlannedGrid(2, "G-02", "special", "C", None, east)]
    check = check_plan(grids, community, Communities.of({"C": community}),
                       Buildings.of([wgs84(building_m)], [120]), GridRules(), FRAME)
    [problem] = [p for p in check.problems if p.kind == "cut_building"]
    return problem


def test_a_building_cut_near_its_end_keeps_its_small_share_and_says_its_square_metres():
    # 40 × 20 m, 15 cm of it over the line: 3 m², under half a percent
    problem = cut_building(box(60.15, 90, 100.15, 110))
    assert problem.grids == ["G-01", "G-02"]
    assert problem.detail["shares"]["G-02"] > 0 and problem.detail["pieces_m2"]["G-02"] == 3.0
    message = said(problem)
    assert "G-01 99.6%、G-02 0.4%（3.0 平方米）" in message.zh, message.zh
    assert "99.6% in G-01, 0.4% (3.0 m²) in G-02" in message.en, message.en
    assert "100%" not in message.zh and " 0%" not in message.zh


def test_a_building_cut_in_the_middle_is_said_in_whole_percent():
    message = said(cut_building(box(70, 90, 110, 110)))
    assert "G-01 75%、G-02 25%" in message.zh, message.zh


def test_a_share_is_never_rounded_to_none_or_all():
    assert [percent(s) for s in (0.5, 0.004, 0.996, 0.00004, 0.99996, 1.0)] == [
        "50%", "0.4%", "99.6%", "<0.01%", ">99.99%", "100%"]
