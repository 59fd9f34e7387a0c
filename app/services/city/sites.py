"""Kinds of site (学校, 医院, 公园…) that the field carves out of the comprehensive grids as
special grids (专属网格), from gis_data/site_kinds.csv: each kind's names, the OpenStreetMap
tags that map one (`osm`: key=value;…) and the least area (`min_area_m2`) a site needs to be
a grid of its own — a kindergarten in a ground floor or a green between two blocks stays in
its grid.

Rules as data: a city changes the file, not the code. The file's order is also the kinds'
precedence: where two sites overlap, the kind named first keeps the ground.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from ...config import ROOT
from ...messages import Said

KINDS_FILE = ROOT / "gis_data" / "site_kinds.csv"
COLUMNS = ("code", "name_zh", "name_en", "osm", "min_area_m2")


class BadKinds(Said, ValueError):
    """The kinds file cannot be read: which line and why."""


@dataclass(frozen=True)
class SiteKind:
    code: str
    name_zh: str
    name_en: str
    osm: tuple[tuple[str, str], ...]
    min_area_m2: float


def read_kinds(path: Path | None = None) -> list[SiteKind]:
    path = path or KINDS_FILE           # looked up when read: a deployment (or a test) may point elsewhere
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise BadKinds("site.file_columns", file=path.name, missing=", ".join(missing))
        rows = [(line, {k: (row.get(k) or "").strip() for k in COLUMNS}) for line, row in enumerate(reader, start=2)]
    kinds, seen = [], set()
    for line, row in rows:
        where = f"{path.name}:{line}"
        if not row["code"] or not row["name_zh"] or not row["name_en"] or row["code"] in seen:
            raise BadKinds("site.kind_row", where=where)
        tags = tuple(tuple(t.split("=", 1)) for t in row["osm"].split(";") if t.strip())
        if any(len(t) != 2 or not all(t) for t in tags):
            raise BadKinds("site.kind_osm", where=where, value=row["osm"])
        try:
            least = float(row["min_area_m2"] or 0)
        except ValueError:
            least = -1.0
        if not (math.isfinite(least) and least >= 0):
            raise BadKinds("site.kind_area", where=where, value=row["min_area_m2"])
        seen.add(row["code"])
        kinds.append(SiteKind(row["code"], row["name_zh"], row["name_en"], tags, least))
    return kinds


def kind_codes(path: Path | None = None) -> tuple[str, ...]:
    return tuple(k.code for k in read_kinds(path))


def by_code(path: Path | None = None) -> dict[str, SiteKind]:
    return {k.code: k for k in read_kinds(path)}


def kind_of_tags(tags, kinds: list[SiteKind]) -> SiteKind | None:
    """The kind of an OSM area with these tags, if it is a site; the file's first kind wins."""
    for kind in kinds:
        if any(tags.get(key) == value for key, value in kind.osm):
            return kind
    return None


def precedence(kinds: list[SiteKind]) -> dict[str, int]:
    return {k.code: n for n, k in enumerate(kinds)}
