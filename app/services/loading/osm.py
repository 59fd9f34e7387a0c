"""Importing an OpenStreetMap extract: buildings, roads, the other lines a grid boundary can
follow (railways, rivers, shores, compound outlines), surveillance cameras, city parts (部件:
street lamps, hydrants, manholes, bins, benches, bus stops…, as gis_data/part_kinds.csv maps
their tags), the sites carved out as special grids (schools, hospitals, parks…, as
gis_data/site_kinds.csv maps them, each at least its kind's area), and the administrative
boundaries and named places that name the areas `generate areas` derives.

Idempotent: every row is keyed by its OSM id (osm:w123, osm:r45, osm:n678) and re-importing
updates it in place instead of adding another.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import osmium
import shapely
from geoalchemy2.shape import from_shape
from shapely import wkb
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ...geo.crs import frame_for
from ...geo.households import estimate_households, estimate_population, parse_flats, parse_levels
from ...models import Building, GroundLine, Place, Road, Site
from ...models.places import ADMIN_LEVELS, PLACE_KINDS
from ..cameras import store
from ..cameras.sources import camera_from_osm_tags
from ..city import sites as site_kinds
from ..register import parts as city_parts

Progress = Callable[[str, int], None]   # (what, how many more done)
BATCH = 1000


@dataclass
class OsmContent:
    buildings: list[dict] = field(default_factory=list)
    roads: list[dict] = field(default_factory=list)
    ground_lines: list[dict] = field(default_factory=list)
    cameras: list[dict] = field(default_factory=list)
    parts: list[dict] = field(default_factory=list)
    places: list[dict] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


def is_camera(tags) -> bool:
    return tags.get("man_made") == "surveillance" and tags.get("surveillance:type", "camera") == "camera"


class _Reader(osmium.SimpleHandler):
    def __init__(self, content: OsmContent, progress: Progress):
        super().__init__()
        self.content = content
        self.progress = progress
        self.factory = osmium.geom.WKBFactory()
        self.part_kinds = city_parts.osm_kinds()
        self.site_kinds = site_kinds.read_kinds()

    def area(self, a):
        place = named_place(a.tags)
        if place:           # and perhaps a compound as well: a neighbourhood is often landuse=residential
            self._place(a, place)
        site = site_kinds.kind_of_tags(a.tags, self.site_kinds)
        if site:            # and perhaps a building as well: a market hall
            self._site(a, site.code)
        outline = ground_outline_kind(a.tags)
        if outline and "building" not in a.tags:
            self._outline(a, outline)
            return
        if "building" not in a.tags:
            return
        kind = "osm:w" if a.from_way() else "osm:r"
        geom = self._valid_multipolygon(a, "building")
        if geom is None:
            return
        tags = a.tags
        street, number = tags.get("addr:street"), tags.get("addr:housenumber")
        self.content.buildings.append(dict(
            source_id=f"{kind}{a.orig_id()}",
            name=tags.get("name"),
            address=f"{street} {number}" if street and number else street,
            kind=tags.get("building"),
            levels=parse_levels(tags.get("building:levels")),
            flats=parse_flats(tags.get("building:flats")),      # read by _estimate_households
            geom=geom,
        ))
        self.progress("read", 1)

    def _outline(self, a, kind: str) -> None:
        try:
            geom = wkb.loads(self.factory.create_multipolygon(a), hex=True)
        except RuntimeError:
            self.content.skip(f"{kind} outline without complete geometry")
            return
        source = f"osm:{'w' if a.from_way() else 'r'}{a.orig_id()}"
        for i, ring in enumerate(shapely.get_rings(shapely.get_parts(geom))):
            self.content.ground_lines.append({"source_id": f"{source}:{i}", "kind": kind,
                                              "name": a.tags.get("name"),
                                              "geom": shapely.LineString(ring.coords)})
        self.progress("read", 1)

    def _site(self, a, kind: str) -> None:
        geom = self._valid_multipolygon(a, "site outline")
        if geom is None:
            return
        tags = a.tags
        zh = next((tags.get(key) for key in ZH_NAMES if tags.get(key)), None)
        self.content.sites.append({"source_id": f"osm:{'w' if a.from_way() else 'r'}{a.orig_id()}",
                                   "kind": kind, "name": tags.get("name"), "name_en": tags.get("name:en"),
                                   "name_zh": zh.split("/")[0].strip() if zh else None, "geom": geom})
        self.progress("read", 1)

    def _place(self, a, place: dict) -> None:
        geom = self._valid_multipolygon(a, "boundary or place outline")
        if geom is None:
            return
        self.content.places.append({**place, "source_id": f"osm:{'w' if a.from_way() else 'r'}{a.orig_id()}",
                                    "geom": geom})
        self.progress("read", 1)

    def _valid_multipolygon(self, a, what: str):
        """The area's outline made valid, or None (and a skip counted) if there is none."""
        try:
            geom = wkb.loads(self.factory.create_multipolygon(a), hex=True)
        except RuntimeError:
            self.content.skip(f"{what} without complete geometry")
            return None
        geom = _polygonal(shapely.make_valid(geom)) if not geom.is_valid else geom
        if geom is None or geom.is_empty:
            self.content.skip(f"{what} with degenerate geometry")
            return None
        return geom

    def way(self, w):
        line_kind = ground_line_kind(w.tags)
        if line_kind:
            points = _located(w)
            if len(set(points)) >= 2:
                self.content.ground_lines.append({"source_id": f"osm:w{w.id}", "kind": line_kind,
                                                  "name": w.tags.get("name"),
                                                  "geom": shapely.LineString(points)})
                self.progress("read", 1)
            return
        if "highway" not in w.tags:
            return
        points = _located(w)
        if len(set(points)) < 2:
            self.content.skip("road with fewer than two points inside the extract")
            return
        geom = shapely.LineString(points)
        self.content.roads.append({"source_id": f"osm:w{w.id}", "name": w.tags.get("name"),
                                   "class": w.tags.get("highway"), "geom": geom})
        self.progress("read", 1)

    def node(self, n):
        place = named_place(n.tags)
        if place:
            self.content.places.append({**place, "source_id": f"osm:n{n.id}",
                                        "geom": shapely.Point(n.location.lon, n.location.lat)})
            self.progress("read", 1)
        part = part_of_node(n, self.part_kinds)
        if part:
            self.content.parts.append(part)
            self.progress("read", 1)
        if not is_camera(n.tags):
            return
        camera = camera_from_osm_tags({t.k: t.v for t in n.tags})
        camera.update(source="osm", source_id=f"n{n.id}",
                      geom=shapely.Point(n.location.lon, n.location.lat))
        self.content.cameras.append(camera)
        self.progress("read", 1)


def part_of_node(n, kinds: dict[str, dict[str, str]]) -> dict | None:
    """The city part a node is, if its tags make it one (`kinds`: city_parts.osm_kinds())."""
    kind = city_parts.kind_of_tags(n.tags, kinds)
    if kind is None:
        return None
    # a lamp's number is often its only name (ref)
    return {"source_id": f"osm:n{n.id}", "kind": kind, "name": n.tags.get("name") or n.tags.get("ref"),
            "lon": n.location.lon, "lat": n.location.lat}


class _PartReader(osmium.SimpleHandler):
    def __init__(self):
        super().__init__()
        self.kinds, self.parts = city_parts.osm_kinds(), []

    def node(self, n):
        part = part_of_node(n, self.kinds)
        if part:
            self.parts.append(part)


RAILWAYS = ("rail", "light_rail", "narrow_gauge")
WATERWAYS = ("river", "canal", "stream")
UNDERGROUND = ("tunnel", "culvert")


def ground_line_kind(tags) -> str | None:
    """What a way is as a line a boundary can follow and a worker can see, if it is one: not
    in a tunnel nor underground."""
    if tags.get("tunnel", "no") != "no" or tags.get("layer", "0").startswith("-"):
        return None
    if tags.get("railway") in RAILWAYS:
        return "railway"
    if tags.get("waterway") in WATERWAYS:
        return "waterway"
    if tags.get("natural") == "coastline":
        return "water"
    return None


def ground_outline_kind(tags) -> str | None:
    """An area whose outline is such a line: a residential compound (小区), a lake or a river."""
    if tags.get("landuse") == "residential":
        return "compound"
    if tags.get("natural") == "water" or tags.get("waterway") == "riverbank":
        return "water"
    return None


ZH_NAMES = ("name:zh-Hans", "name:zh-CN", "name:zh")     # simplified first: name:zh is often traditional


def named_place(tags) -> dict | None:
    """An administrative boundary of admin level 8–10 or a place from city down to
    neighbourhood, with its names, if the tags are one and name it."""
    level = tags.get("admin_level") if tags.get("boundary") == "administrative" else None
    level = int(level) if level in {str(n) for n in ADMIN_LEVELS} else None
    kind = tags.get("place") if tags.get("place") in PLACE_KINDS else None
    name = tags.get("name")
    if not name or (level is None and kind is None):
        return None
    zh = next((tags.get(key) for key in ZH_NAMES if tags.get(key)), None)
    return {"admin_level": level, "place": kind, "name": name,
            # "法国/法國": both scripts in one tag, the simplified one first
            "name_zh": zh.split("/")[0].strip() if zh else None, "name_en": tags.get("name:en")}


def _located(w) -> list[tuple[float, float]]:
    # A way cut by the extract's edge keeps the part inside it: the line is drawn through
    # the nodes that have a location (those outside the extract have none).
    points = [(n.location.lon, n.location.lat) for n in w.nodes if n.location.valid()]
    return [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]


def read_osm(path: Path, progress: Progress = lambda what, n: None) -> OsmContent:
    content = OsmContent()
    _Reader(content, progress).apply_file(str(path), locations=True)
    return content


def read_with_households(path: Path, household_rule, progress: Progress = lambda what, n: None) -> OsmContent:
    """The file's content with households estimated, as import_osm would store it."""
    content = read_osm(path, progress)
    _estimate_households(content.buildings, household_rule)
    return content


def import_osm(session: Session, path: Path, household_rule,
               progress: Progress = lambda what, n: None) -> dict:
    """Read the file and upsert its features; returns counts per table and what was skipped."""
    content = read_osm(path, progress)
    _estimate_households(content.buildings, household_rule)
    sites = kept_sites(content.sites)
    upsert(session, Building, content.buildings, progress,
            ("name", "address", "kind", "levels", "households", "households_estimated", "population", "geom"))
    upsert(session, Road, content.roads, progress, ("name", "class", "geom"))
    upsert(session, GroundLine, content.ground_lines, progress, ("kind", "name", "geom"))
    upsert(session, Place, content.places, progress,
           ("admin_level", "place", "name", "name_zh", "name_en", "geom"))
    upsert(session, Site, sites, progress, ("kind", "name", "name_zh", "name_en", "area_m2", "geom"))
    store.upsert(session, content.cameras, ("name", "kind", "bearing", "fov", "range_m", "height_m",
                                             "estimated", "geom"), progress)
    _store_parts(session, content.parts)
    progress("write", len(content.parts))
    session.commit()
    return {
        "buildings": len(content.buildings), "roads": len(content.roads),
        "ground lines": len(content.ground_lines), "places": len(content.places),
        "cameras": len(content.cameras), "parts": len(content.parts), "sites": len(sites),
        "skipped": content.skipped,
        "households": sum(b["households"] for b in content.buildings),
    }


def import_parts(session: Session, path: Path) -> int:
    """Only the city parts of the file, for a city loaded before parts were read: their nodes
    alone are looked at. Flushes; the caller commits."""
    reader = _PartReader()
    reader.apply_file(str(path))
    _store_parts(session, reader.parts)
    return len(reader.parts)


def _store_parts(session: Session, parts: list[dict]) -> None:
    # a part's status is the field's to tell (CSV, the phone): a re-import leaves it as it is
    city_parts.load_kinds(session)
    written, _ = city_parts.upsert(session, parts, ("kind", "name", "geom"))
    city_parts.place_in_grids(session, part_ids=written)


def kept_sites(sites: list[dict], kinds: list[site_kinds.SiteKind] | None = None) -> list[dict]:
    """The sites of at least their kind's least area (site_kinds.csv), each with its area: a
    kindergarten in a ground floor or a green between two blocks is no grid of its own."""
    if not sites:
        return []
    least = {k.code: k.min_area_m2 for k in (kinds or site_kinds.read_kinds())}
    geoms = np.array([s["geom"] for s in sites], dtype=object)
    areas = shapely.area(frame_for(geoms).to_metric(geoms))
    return [{**s, "area_m2": round(float(area), 1)} for s, area in zip(sites, areas)
            if s["kind"] in least and area >= least[s["kind"]]]


def _estimate_households(buildings: list[dict], rule) -> None:
    if not buildings:
        return
    geoms = np.array([b["geom"] for b in buildings], dtype=object)
    areas = shapely.area(frame_for(geoms).to_metric(geoms))
    for building, area in zip(buildings, areas):
        flats = building.pop("flats", None)     # a tag, not a column: a count, so not estimated
        building["households"] = estimate_households(area, building["kind"], building["levels"], rule, flats)
        building["households_estimated"] = flats is None
        building["population"] = estimate_population(building["households"], rule)


def upsert(session: Session, model, rows: list[dict], progress: Progress, update: tuple,
            conflict: tuple = ("source_id",)) -> None:
    """Rows are keyed by column name; `update` names the columns a re-import refreshes."""
    table = model.__table__
    for start in range(0, len(rows), BATCH):
        batch = [{**r, "geom": from_shape(r["geom"], srid=4326)} for r in rows[start:start + BATCH]]
        statement = insert(table).values(batch)
        refreshed = {c: statement.excluded[c] for c in update}
        session.execute(statement.on_conflict_do_update(index_elements=list(conflict), set_=refreshed))
        progress("write", len(batch))


def _polygonal(geom):
    polygons = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        return None
    merged = shapely.union_all(polygons)
    return shapely.multipolygons(shapely.get_parts(merged)) if merged.geom_type == "Polygon" else merged

