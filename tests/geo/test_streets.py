"""geo.streets on hand-made quarters: streets tile the ground, follow the quarters' lines, take in
the ground no quarter holds, and bend around a building a quarter's line crosses."""
import numpy as np
import shapely
from shapely.geometry import box

from app.geo.coverage import check_division
from app.geo.crs import frame_for
from app.geo.streets import street_outlines

LON0, LAT0 = 7.42, 43.73
M = 1 / 111_000          # ~1 m in degrees (east-west a little more here, which does not matter)


def metres(x1, y1, x2, y2):
    """A box x1…x2, y1…y2 metres from the origin, on OpenStreetMap's grid of 1e-7°."""
    return shapely.set_precision(box(LON0 + x1 * M, LAT0 + y1 * M, LON0 + x2 * M, LAT0 + y2 * M), 1e-7)


REGION = metres(0, 0, 300, 100)
WEST, EAST = metres(0, 0, 100, 100), metres(100, 0, 200, 100)      # the east third lies in no quarter
HOUSES = np.array([metres(10, 10, 30, 30), metres(120, 10, 140, 30), metres(250, 40, 270, 60),
                   metres(90, 60, 105, 80)], dtype=object)          # the last one straddles x = 100


def test_streets_tile_the_ground_and_cut_no_building():
    streets = street_outlines(REGION, [WEST, EAST], HOUSES, frame_for(HOUSES))
    assert len(streets) == 2
    assert check_division(REGION, streets, HOUSES, frame_for(HOUSES)).ok


def test_the_ground_no_quarter_holds_goes_to_its_neighbour():
    west, east = street_outlines(REGION, [WEST, EAST], HOUSES, frame_for(HOUSES))
    assert east.contains(metres(200, 0, 300, 100)) and east.contains(HOUSES[2])


def test_a_building_a_line_crosses_goes_wholly_to_the_street_holding_most_of_it():
    west, east = street_outlines(REGION, [WEST, EAST], HOUSES, frame_for(HOUSES))
    assert west.contains(HOUSES[3]) and not east.overlaps(HOUSES[3])
    assert isinstance(east, shapely.Polygon)        # bent around it, still one piece


def test_a_quarter_cut_in_two_keeps_the_piece_with_the_buildings():
    # the west quarter reaches past the region as a second piece, beyond the east one
    west = shapely.union_all([WEST, metres(200, 80, 300, 100)])
    streets = street_outlines(REGION, [west, EAST], HOUSES, frame_for(HOUSES))
    assert isinstance(streets[0], shapely.Polygon) and isinstance(streets[1], shapely.Polygon)
    assert streets[1].contains(metres(250, 85, 260, 95))
