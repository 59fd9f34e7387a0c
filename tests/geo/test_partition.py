"""geo.partition on hand-made blocks: counts, balance, and buildings that straddle a cut."""
import numpy as np
import shapely
from shapely.geometry import box

from app.geo.coverage import check_division
from app.geo.crs import frame_for
from app.geo.partition import MAX_DRIFT, atomic_units, divide, part_count, share_out

# A 10 × 6 block of 20 m × 12 m houses with 4 m gaps, around 24.9°E 60.2°N.
LON0, LAT0 = 24.9, 60.2
DLON, DLAT = 1 / 55_600, 1 / 111_300   # ~1 m in degrees at this latitude


def houses(columns=10, rows=6):
    return np.array([box(LON0 + (24 * c) * DLON, LAT0 + (16 * r) * DLAT,
                         LON0 + (24 * c + 20) * DLON, LAT0 + (16 * r + 12) * DLAT)
                     for c in range(columns) for r in range(rows)], dtype=object)


def region_around(footprints):
    return shapely.envelope(shapely.union_all(footprints)).buffer(10 * DLAT, join_style="mitre")


def test_part_count_aims_at_the_middle_of_the_range():
    assert part_count(900, 300, 1000) == 1
    assert part_count(6_500, 300, 1000) == 10
    assert part_count(1_100, 300, 1000) == 2
    assert part_count(250, 300, 1000) == 1          # too few: one grid, flagged by the caller


def test_share_out_is_proportional_and_gives_everyone_one():
    assert share_out(64, [1, 1, 2]) == [16, 16, 32]
    assert sum(share_out(64, [5, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])) == 64
    assert min(share_out(12, [100, 1, 1])) == 1


def test_parts_tile_the_region_and_balance_households():
    footprints = houses()
    region = region_around(footprints)
    parts = divide(region, footprints, [50] * len(footprints), 4, frame_for(footprints))
    assert len(parts) == 4
    # A cut may drift from the exact split by at most MAX_DRIFT of a quota (750 households)
    # to follow a street; two levels of cuts can add up.
    assert all(abs(p.households - 750) <= 2 * MAX_DRIFT * 750 for p in parts), [p.households for p in parts]
    assert sum(p.households for p in parts) == 3000
    report = check_division(region, [p.geom for p in parts], footprints, frame_for(footprints))
    assert report.ok, report


def test_a_building_across_the_ideal_cut_goes_whole_to_one_side():
    footprints = houses(columns=2, rows=1)
    # A long hall across the middle, where a straight cut would go.
    hall = box(LON0 + 10 * DLON, LAT0 + 20 * DLAT, LON0 + 34 * DLON, LAT0 + 40 * DLAT)
    footprints = np.append(footprints, hall)
    region = region_around(footprints)
    parts = divide(region, footprints, [100, 100, 0], 2, frame_for(footprints))
    report = check_division(region, [p.geom for p in parts], footprints, frame_for(footprints))
    assert report.ok and not report.cut_buildings
    assert sum(2 in p.units for p in parts) == 1


def test_overlapping_footprints_form_one_unit():
    a = box(0, 0, 2, 2)
    tower = box(1, 1, 3, 3)          # overlaps a
    neighbour = box(2, 0, 4, 1)      # only touches a along an edge
    assert sorted(map(sorted, atomic_units([a, tower, neighbour]))) == [[0, 1], [2]]


def test_neighbours_cut_at_a_slant_are_cleaned_into_one_coverage_and_a_real_overlap_stays():
    from shapely.geometry import Polygon

    from app.geo.partition import clean_coverage, match_vertices
    x1, y1 = LON0 + 300 * DLON, LAT0 + 200 * DLAT
    left = box(LON0, LAT0, x1, y1)
    # the neighbour's line leans by a fifth of a millimetre over 200 m: no vertex of either
    # lies near the other's line, so matching vertices leaves two thin crumbs
    right = Polygon([(x1, LAT0), (x1 + 300 * DLON, LAT0), (x1 + 300 * DLON, y1),
                     (x1 + 0.0002 * DLON, y1), (x1, LAT0 + 100 * DLAT), (x1 - 0.0002 * DLON, LAT0 + 150 * DLAT)])
    matched = match_vertices([left, right])
    assert not shapely.coverage_is_valid(np.array(matched, dtype=object))
    cleaned = clean_coverage([left, right])
    assert shapely.coverage_is_valid(np.array(cleaned, dtype=object))
    assert shapely.hausdorff_distance(cleaned[1], right) < 0.001 * DLON     # moved under a millimetre

    # a neighbour drawn a metre into the other is a planner's overlap: left for them to see
    over = box(x1 - 1 * DLON, LAT0, x1 + 300 * DLON, y1)
    kept = clean_coverage([left, over])
    assert shapely.area(shapely.intersection(kept[0], kept[1])) > 0.5 * 200 * DLON * DLAT


def test_households_crowded_at_one_end_do_not_make_a_strip():
    from app.geo.compactness import ELONGATED, elongation
    # 7 × 8 houses, the region longer east–west; the west column holds half the households, so
    # the balanced cut across the long axis would leave it a strip 30 m × 144 m
    footprints = houses(columns=7, rows=8)
    households = [6 if i < 8 else 1 for i in range(len(footprints))]
    region, frame = region_around(footprints), frame_for(footprints)

    def worst(parts):
        return max(elongation(frame.to_metric(p.geom)) for p in parts)

    assert worst(divide(region, footprints, households, 2, frame, squarer=False)) > ELONGATED
    parts = divide(region, footprints, households, 2, frame)
    assert worst(parts) <= ELONGATED
    assert [p.households for p in parts] == [48, 48]
    assert check_division(region, [p.geom for p in parts], footprints, frame).ok
