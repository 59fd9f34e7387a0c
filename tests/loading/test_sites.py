"""Sites for special grids (专属网格) from the shipped OpenStreetMap extract: `flask import osm`
keeps every area the kinds table (gis_data/site_kinds.csv) names — schools, campuses, parks, a
market hall… — that is at least its kind's least area, keyed by its OSM id, once however often
the file is imported; and a kinds file that cannot be read says which line and why."""
import osmium
import pytest
from pyproj import Geod
from shapely import wkb
from sqlalchemy import text

from app.services.city import sites as site_kinds
from app.services.loading.osm import kept_sites, read_osm
from tests.conftest import HELSINKI, scalar

GEOD = Geod(ellps="WGS84")


def sites_in_file() -> dict[str, tuple[str, float]]:
    """Every area of the file whose tags the kinds table names: OSM id → (kind, m² on the
    ellipsoid), read straight from the OSM objects (not through our reader)."""
    kinds = site_kinds.read_kinds()
    factory = osmium.geom.WKBFactory()
    found = {}
    for obj in osmium.FileProcessor(str(HELSINKI)).with_locations().with_areas():
        if not obj.is_area():
            continue
        kind = next((k.code for k in kinds if any(obj.tags.get(key) == value for key, value in k.osm)), None)
        if kind:
            geom = wkb.loads(factory.create_multipolygon(obj), hex=True)
            found[f"osm:{'w' if obj.from_way() else 'r'}{obj.orig_id()}"] = \
                (kind, abs(GEOD.geometry_area_perimeter(geom)[0]))
    return found


def test_every_site_of_at_least_its_kinds_least_area_is_kept_with_its_kind(session):
    least = {k.code: k.min_area_m2 for k in site_kinds.read_kinds()}
    mapped = sites_in_file()
    expected = {source: kind for source, (kind, area) in mapped.items() if area >= least[kind] * 1.01}
    too_small = {source for source, (kind, area) in mapped.items() if area < least[kind] * 0.99}
    kept = dict(session.execute(text("SELECT source_id, kind FROM site")).all())
    assert expected.items() <= kept.items()
    assert not too_small & kept.keys()
    # the extract has three schools, the university, three parks and a market hall to carve
    # out, and small pieces of the university's land too small for a grid of their own
    assert {"school", "campus", "park", "market"} <= set(kept.values()) and len(kept) >= 8
    assert too_small


def test_a_raised_threshold_keeps_fewer_and_a_lowered_one_more():
    content = read_osm(HELSINKI)
    kinds = site_kinds.read_kinds()
    as_shipped = {s["source_id"] for s in kept_sites(content.sites, kinds)}
    raised = [site_kinds.SiteKind(k.code, k.name_zh, k.name_en, k.osm, 4000.0 if k.code == "school" else k.min_area_m2)
              for k in kinds]
    lowered = [site_kinds.SiteKind(k.code, k.name_zh, k.name_en, k.osm, 0.0) for k in kinds]
    schools = {s["source_id"] for s in content.sites if s["kind"] == "school"}
    assert len(schools & as_shipped) == 3
    assert len(schools & {s["source_id"] for s in kept_sites(content.sites, raised)}) == 1      # 4,302 m² only
    assert as_shipped < {s["source_id"] for s in kept_sites(content.sites, lowered)}


def test_reimporting_keeps_one_row_per_site(runner, session):
    before = scalar(session, "SELECT count(*) FROM site")
    result = runner.invoke(args=["import", "osm", str(HELSINKI)])
    assert result.exit_code == 0, result.output
    assert "sites for special grids" in result.output
    session.expire_all()
    assert scalar(session, "SELECT count(*) FROM site") == before > 0


@pytest.mark.parametrize("row, key", [
    ("school,学校,School,amenity,2000,", "site.kind_osm"),
    ("school,学校,School,amenity=school,lots,", "site.kind_area"),
    (",学校,School,amenity=school,2000,", "site.kind_row"),
])
def test_a_kinds_file_that_cannot_be_read_says_which_line_and_why(tmp_path, row, key):
    path = tmp_path / "site_kinds.csv"
    path.write_text("code,name_zh,name_en,osm,min_area_m2,note\npark,公园,Park,leisure=park,10000,\n" + row + "\n",
                    encoding="utf-8")
    with pytest.raises(site_kinds.BadKinds) as refused:
        site_kinds.read_kinds(path)
    assert refused.value.message.key == key
    assert "site_kinds.csv:3" in refused.value.describe("zh") and "site_kinds.csv:3" in str(refused.value)
