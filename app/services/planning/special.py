"""Special grids (专属网格) in a division: the mapped sites of an area (a school's grounds, a
hospital, a park… kept by `flask import osm`, of the kinds gis_data/site_kinds.csv names) are
carved out as grids of their own first (geo.sites: their outlines snapped so that no building
is cut), and the comprehensive grids balanced on the rest. Both `generate areas`
(planning.division) and a proposed division (planning.proposal) go through here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...geo import sites as geo_sites
from ...geo.crs import MetricFrame
from ..city import sites as site_kinds


@dataclass(frozen=True)
class Site:
    kind: str | None                # a code of site_kinds.csv (None: a special grid drawn without one)
    # its grid's names (zh, en), each when known: a site's own Chinese name (name:zh) and its
    # English or local one; a special grid kept, both of its names
    name: tuple[str | None, str | None]
    geom: object                    # WGS84
    least_m2: float


@dataclass(frozen=True)
class SpecialGrid:
    kind: str | None
    name: tuple[str | None, str | None]
    geom: object
    units: tuple[int, ...]          # the buildings it holds (indexes into the units carved)
    households: int


def sites_in(session: Session, geom) -> list[Site]:
    """The mapped sites reaching into `geom`, of the kinds the table names, in its order of
    precedence (where two overlap, the kind named first keeps the ground; of one kind, the
    larger)."""
    kinds = site_kinds.read_kinds()
    order = site_kinds.precedence(kinds)
    rows = session.execute(text("""
        SELECT kind, name, name_zh, name_en, area_m2, ST_AsBinary(geom) AS wkb FROM site
        WHERE kind = ANY(:kinds) AND geom && ST_GeomFromWKB(:where, 4326)
          AND ST_Intersects(geom, ST_GeomFromWKB(:where, 4326))
        ORDER BY id"""), {"kinds": list(order), "where": shapely.to_wkb(geom)}).all()
    rows = sorted(rows, key=lambda r: (order[r.kind], -r.area_m2))
    by_code = {k.code: k for k in kinds}
    return [Site(r.kind, _site_grid_name(r), shapely.from_wkb(r.wkb), by_code[r.kind].min_area_m2)
            for r in rows]


def _site_grid_name(row) -> tuple[str | None, str | None]:
    # A local name is no Chinese one: the Chinese interface carries no Latin words (the wall's
    # test holds it to that), so a site without a Chinese name is named in Chinese after its
    # community and its kind, numbered (special_names); English keeps the site's own name.
    english = row.name_en or row.name
    zh = f"{row.name_zh}专属网格" if row.name_zh else None
    return (zh[:200] if zh else None, f"{english} Special Grid"[:200] if english else None)


def current_special_grids(session: Session, community_id: int) -> list[Site]:
    """The community's special grids now, as sites that come before any mapped one: a
    proposal keeps what a planner marked, under its names."""
    rows = session.execute(text("""
        SELECT site_kind, name_zh, name_en, ST_AsBinary(geom) AS wkb FROM grid
        WHERE valid_to IS NULL AND kind = 'special' AND community_id = :community ORDER BY code"""),
        {"community": community_id}).all()
    return [Site(r.site_kind, (r.name_zh, r.name_en), shapely.from_wkb(r.wkb), 0.0) for r in rows]


def carve(region, sites: Sequence[Site], units: np.ndarray, households: np.ndarray,
          frame: MetricFrame) -> tuple[list[SpecialGrid], geo_sites.Carving]:
    """The special grids carved from `region` and what is left for the comprehensive ones."""
    carving = geo_sites.carve(region, [s.geom for s in sites], [s.least_m2 for s in sites], units,
                              households, frame)
    grids = [SpecialGrid(sites[c.site].kind, sites[c.site].name, c.geom, c.units, c.households) for c in carving.carved]
    return grids, carving


def special_names(grids: Sequence[SpecialGrid], community: tuple[str, str]) -> list[tuple[str, str]]:
    """Each grid's names: its site's own, else its community's with its kind of site
    (和平社区学校专属网格, Heping Community School Special Grid), numbered from the second
    site of a kind without a name in the community (和平社区学校专属网格2: another school,
    not a piece of the first — a site in two communities is a special grid in each, under its
    own name or its community's)."""
    kinds = site_kinds.by_code()
    seen: dict[str | None, int] = {}
    names = []
    for grid in grids:
        seen[grid.kind] = seen.get(grid.kind, 0) + 1
        kind = kinds.get(grid.kind) if grid.kind else None
        zh, en = (kind.name_zh, kind.name_en + " ") if kind else ("", "")
        number = str(seen[grid.kind]) if seen[grid.kind] > 1 else ""
        names.append((grid.name[0] or f"{community[0]}{zh}专属网格{number}",
                      grid.name[1] or f"{community[1]} {en}Special Grid{' ' + number if number else ''}"))
    return names
