"""Carving mapped sites out of a town as special grids (geo.sites), on the real extracts of
Helsinki (schools, a university, parks, a market hall) and Monaco (a hospital, schools, parks):
the special grids and the rest tile the town exactly; no building is cut, each one the outline
crosses going wholly to the side that holds most of it; each special grid keeps at least its
kind's least area; where two sites overlap, the first keeps the ground; and no piece is left
a crumb."""
import numpy as np
import pytest
import shapely

from app.geo.partition import GRID_SIZE
from app.geo.sites import CRUMB_M2, carve
from app.services.city import sites as site_kinds
from app.services.loading.osm import kept_sites, read_with_households
from app.services.loading.towns import OSM, osm_town
from app.config import HouseholdRule

EXACT_M2 = 0.01
CUT_M2 = 0.01           # a building reaching this far into another side is cut


@pytest.fixture(scope="module", params=["helsinki", "monaco"])
def town(request):
    street = osm_town(request.param)[0]
    street.name = request.param
    content = read_with_households(OSM / f"{request.param}.osm.pbf", HouseholdRule())
    order = site_kinds.precedence(site_kinds.read_kinds())
    sites = sorted(kept_sites(content.sites), key=lambda s: (order[s["kind"]], -s["area_m2"]))
    least = {k.code: k.min_area_m2 for k in site_kinds.read_kinds()}
    carving = carve(street.region, [s["geom"] for s in sites], [least[s["kind"]] for s in sites],
                    street.units, street.households, street.frame)
    return street, sites, carving


def sides(carving):
    return [c.geom for c in carving.carved] + [carving.rest]


def test_schools_parks_and_others_are_carved(town):
    street, sites, carving = town
    kinds = {sites[c.site]["kind"] for c in carving.carved}
    assert len(carving.carved) >= 4 and {"school", "park"} <= kinds, kinds


def test_the_special_grids_and_the_rest_tile_the_town_exactly(town):
    street, _, carving = town
    metric = street.frame.to_metric
    pieces = np.array(sides(carving), dtype=object)
    union = shapely.union_all(pieces, grid_size=GRID_SIZE)
    assert metric(shapely.difference(street.region, union, grid_size=GRID_SIZE)).area < EXACT_M2
    assert metric(shapely.difference(union, street.region, grid_size=GRID_SIZE)).area < EXACT_M2
    for i, a in enumerate(pieces):
        for b in pieces[i + 1:]:
            assert metric(shapely.intersection(a, b, grid_size=GRID_SIZE)).area < EXACT_M2


def test_no_building_is_cut_and_each_goes_to_the_side_holding_most_of_it(town):
    street, sites, carving = town
    metric = street.frame.to_metric
    owner = np.full(len(street.units), -1)
    for n, c in enumerate(carving.carved):
        owner[list(c.units)] = n
    assert (owner[carving.rest_units] == -1).all()
    geoms = sides(carving)
    for unit, side in zip(street.units, owner):
        holder = geoms[side] if side >= 0 else carving.rest
        assert metric(shapely.difference(unit, holder, grid_size=GRID_SIZE)).area < CUT_M2
    # a building a site's mapped outline crosses lands on the side with most of its footprint
    crossed = 0
    for c in carving.carved:
        outline = sites[c.site]["geom"]
        for u in np.flatnonzero(shapely.intersects(street.units, shapely.boundary(outline))):
            taken_earlier = owner[u] >= 0 and owner[u] != carving.carved.index(c)
            if taken_earlier:
                continue
            share = metric(shapely.intersection(street.units[u], outline)).area / metric(street.units[u]).area
            if 0.02 < share < 0.98:
                crossed += 1
                assert (owner[u] == carving.carved.index(c)) == (share > 0.5), (u, share)
    print(f"\n{crossed} buildings crossed by a site's outline")
    assert crossed > 0 or street.name != "helsinki"     # where the rule is exercised


def test_every_special_grid_keeps_its_kinds_least_area_and_no_crumb(town):
    street, sites, carving = town
    least = {k.code: k.min_area_m2 for k in site_kinds.read_kinds()}
    metric = street.frame.to_metric
    for c in carving.carved:
        assert metric(c.geom).area >= least[sites[c.site]["kind"]]
    for n, geom in enumerate(sides(carving)):
        held = [street.units[u] for u in (carving.carved[n].units if n < len(carving.carved) else carving.rest_units)]
        anchors = shapely.point_on_surface(np.array(held, dtype=object)) if held else np.empty(0)
        for part in shapely.get_parts(geom):
            lived = len(anchors) and shapely.intersects(part, anchors).any()
            assert lived or metric(part).area >= CRUMB_M2, (n, metric(part).area)


def test_where_two_sites_overlap_the_first_keeps_the_ground(town):
    street, sites, carving = town
    # the first site given again after itself gains nothing: the ground is taken
    first = carving.carved[0]
    again = carve(street.region, [sites[first.site]["geom"]] * 2, [0.0, 0.0], street.units, street.households,
                  street.frame)
    assert len(again.carved) == 1
