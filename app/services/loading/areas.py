"""`flask import areas`: a town's own streets, communities or grids, with its own codes and
names, from a GeoPackage, Shapefile or GeoJSON in WGS84, CGCS2000, Web Mercator, a UTM zone
or a CGCS2000 Gauss-Krüger zone.

Areas are keyed by code: importing the file again updates them. The level's outlines are
cleaned into one coverage within a tolerance; the area above each one (named by a field, or
the one holding its point on surface) is fitted to its children where they agree within the
tolerance, and every disagreement left is listed. Grids become the current division the way a
filed plan does (planning.filing): changed grids are closed and opened again, so the division
on any past date can still be read, and buildings and open incidents follow the new lines.

Nothing is committed here: a refusal (`Refused`) leaves the database as it was."""
from __future__ import annotations

import re
import sqlite3
import struct
import warnings
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pyogrio.raw
import shapely
from geoalchemy2.shape import from_shape, to_shape
from pyproj import CRS, Transformer
from shapely import STRtree
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ...geo.crs import frame_for
from ...geo.partition import coverage_outline
from ...geo.plan_edits import as_multi
from ...geo.tiling import Mismatch, clean_level, take_neighbours_vertices, tiling
from ...geo.vertices import outline_vertices, take_vertices
from ...messages import Message, Said
from ...models import Area, GridPlanFeature
from ..accounts import audit
from ..accounts.scope import Scope
from ..incidents.responsibility import GRID_WORKER
from ..planning import filing, plans
from ..planning.division import count_households
from ..planning.files import allowed_crs

Progress = Callable[[str, int], None]
ABOVE = {"street": "district", "community": "street", "grid": "community"}
BELOW = {"city": "district", "district": "street", "street": "community", "community": "grid"}
SUFFIXES = {".gpkg": "GeoPackage", ".shp": "Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON"}
ACCEPTED_CRS = Message("areas.accepted_crs")


class Refused(Said, ValueError):
    """One sentence for the person importing, in their language; nothing has been written."""


@dataclass(frozen=True)
class Fields:
    """The file's field names for each area's code, names and the code of the area above."""
    code: str
    name: str
    name_en: str | None = None
    parent: str | None = None


@dataclass
class Feature:
    number: int                     # its place in the file, from 1
    code: str
    name_zh: str
    name_en: str
    parent_code: str | None
    geom: object                    # WGS84
    parent_id: int | None = None


@dataclass(frozen=True)
class Remaining:
    """A mismatch left between an area and its children."""
    area: str                       # the area's code
    level: str
    mismatch: Mismatch


@dataclass
class AreaImport:
    level: str
    crs: str
    features: int = 0
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    repaired: list[str] = field(default_factory=list)       # invalid outlines made valid
    cleaned: list[str] = field(default_factory=list)        # moved by the cleaning, over a centimetre
    fitted: list[str] = field(default_factory=list)         # areas above made the union of their children
    orphans: list[str] = field(default_factory=list)        # in no area of the level above
    remaining: list[Remaining] = field(default_factory=list)
    filed: list[dict] = field(default_factory=list)         # grids: each plan's filing summary
    without_worker: list[str] = field(default_factory=list)


def import_areas(session: Session, path: Path, level: str, fields: Fields, tolerance_m: float = 0.5,
                 progress: Progress = lambda what, n: None) -> AreaImport:
    if level not in ABOVE:
        raise Refused("areas.level", known=list(ABOVE), level=level)
    features, crs = read_features(path, fields)
    progress("read", len(features))
    result = AreaImport(level, crs, len(features))
    for feature in features:
        if not feature.geom.is_valid:            # crossing itself, as surveys' outlines can
            feature.geom = as_multi(shapely.make_valid(feature.geom))
            if feature.geom.is_empty:
                raise Refused("areas.no_area", number=feature.number, code=feature.code)
            result.repaired.append(feature.code)
    _find_parents(session, features, level, fields, result)
    frame = frame_for(np.array([f.geom for f in features], dtype=object))
    outlines, moved = clean_level([f.geom for f in features], frame, tolerance_m)
    for feature, outline, distance in zip(features, outlines, moved):
        feature.geom = outline
        if distance > 0.01:
            result.cleaned.append(feature.code)
    progress("cleaned", len(features))
    if level == "grid":
        touched = _file_grids(session, features, path.name, result)
        result.without_worker = _without_worker(session, [f.code for f in features])
        progress("stored", len(features))
        _fit_upwards(session, touched, frame, tolerance_m, result, progress)
    else:
        touched, before = _store_areas(session, features, level)
        progress("stored", len(features))
        _fit_upwards(session, touched, frame, tolerance_m, result, progress)
        _tell_changes(session, features, before, result)
    count_households(session)
    session.flush()
    return result


# -- reading -------------------------------------------------------------------------------

def read_features(path: Path, fields: Fields) -> tuple[list[Feature], str]:
    """The file's features in WGS84, and the CRS they came in; refused whole at the first
    feature that cannot be an area."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise Refused("areas.kind", file=path.name)
    _refuse_nul(path)
    try:
        with warnings.catch_warnings():         # GDAL's warnings come again in its error
            warnings.simplefilter("ignore")
            meta, _, geometry, values = pyogrio.raw.read(str(path))
    except Exception as error:                  # GDAL says what it could not read
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise Refused("areas.unreadable", file=path.name, kind=kind, reason=reason.rstrip(".")) from None
    names = list(meta["fields"])
    for option, name in (("--code-field", fields.code), ("--name-field", fields.name),
                         ("--name-en-field", fields.name_en), ("--parent-field", fields.parent)):
        if name and name not in names:
            if not names:
                raise Refused("areas.no_fields", file=path.name, name=name, option=option)
            raise Refused("areas.no_field", file=path.name, name=name, option=option, fields=names)
    epsg = _source_epsg(meta.get("crs"), path.name)
    column = {name: values[i] for i, name in enumerate(names)}
    geoms = _to_wgs84(shapely.force_2d(np.array([shapely.from_wkb(g) if g is not None else None
                                                 for g in geometry], dtype=object)), epsg)
    features, seen = [], {}
    for i, geom in enumerate(geoms):
        number = i + 1
        code = _text(column[fields.code][i])
        if not code:
            raise Refused("areas.no_code", number=number, file=path.name, field=fields.code)
        if len(code) > 32:
            raise Refused("areas.code_long", number=number, code=code[:40])
        if code in seen:
            raise Refused("areas.code_twice", code=code, file=path.name, first=seen[code], second=number)
        seen[code] = number
        if geom is None or geom.is_empty:
            raise Refused("areas.no_geometry", number=number, code=code, file=path.name)
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise Refused("areas.not_polygon", number=number, code=code, kind=geom.geom_type)
        name = _text(column[fields.name][i]) or code
        name_en = (_text(column[fields.name_en][i]) if fields.name_en else "") or name
        parent = _text(column[fields.parent][i]) if fields.parent else None
        features.append(Feature(number, code, name[:200], name_en[:200], parent or None, geom))
    if not features:
        raise Refused("areas.empty", file=path.name)
    return features, f"EPSG:{epsg}"


def accepted_crs(epsg: int | None) -> bool:
    """WGS84, CGCS2000, Web Mercator and UTM as plan files take them, and the CGCS2000
    Gauss-Krüger zones Chinese surveys are drawn in (3° and 6°, with or without the zone
    number in the false easting)."""
    return epsg is not None and (allowed_crs(epsg) or 4491 <= epsg <= 4554)


def _source_epsg(crs_text: str | None, filename: str) -> int:
    if not crs_text:
        raise Refused("areas.no_crs", file=filename, accepted=ACCEPTED_CRS)
    crs = CRS.from_user_input(crs_text)
    epsg = 4326 if crs.equals(CRS.from_epsg(4326), ignore_axis_order=True) else crs.to_epsg()
    if not accepted_crs(epsg):
        named = f"EPSG:{epsg}" if epsg else Message("areas.no_epsg")
        raise Refused("areas.crs", file=filename, crs=crs.name, named=named, accepted=ACCEPTED_CRS)
    return epsg


def _to_wgs84(geoms: np.ndarray, epsg: int) -> np.ndarray:
    present = np.array([g is not None for g in geoms], dtype=bool)
    if epsg == 4326 or not present.any():
        return geoms
    move = Transformer.from_crs(epsg, 4326, always_xy=True)
    geoms[present] = shapely.transform(
        geoms[present], lambda xy: np.column_stack(move.transform(xy[:, 0], xy[:, 1])))
    return geoms


def _text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)                      # a code kept in a number field
    return str(value).strip()


# GDAL reads a text value up to its first NUL byte and drops the rest without a word: a code
# cut short there would be stored as another area's. So the file is searched for one first.

def _refuse_nul(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        data = path.read_bytes()
        found = b"\x00" in data or re.search(rb"\\u0000", data, re.IGNORECASE)
    elif suffix == ".gpkg":
        found = _nul_in_geopackage(path)
    else:
        found = _nul_in_dbf(path)
    if found:
        raise Refused("areas.nul", file=path.name)


def _nul_in_geopackage(path: Path) -> bool:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            tables = [t for (t,) in connection.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]
            for table in tables:
                quoted = table.replace('"', '""')
                for column in connection.execute(f'PRAGMA table_info("{quoted}")'):
                    name = column[1].replace('"', '""')
                    if connection.execute(f'SELECT 1 FROM "{quoted}" WHERE typeof("{name}") = \'text\' '
                                          f'AND instr(CAST("{name}" AS BLOB), x\'00\') > 0 LIMIT 1').fetchone():
                        return True
    except sqlite3.Error:
        return False                # not a database GDAL can read either: it will say so
    return False


def _nul_in_dbf(path: Path) -> bool:
    """A NUL inside a Shapefile's text value; NULs after one (or filling an empty one) are
    padding some writers use instead of spaces."""
    dbf = next((p for p in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        return False
    data = dbf.read_bytes()
    try:
        records, header, length = struct.unpack("<IHH", data[4:12])
        spans, offset = [], 1           # each record opens with its deletion flag
        for at in range(32, header - 1, 32):
            if data[at] == 0x0D:
                break
            width = data[at + 16]
            if chr(data[at + 11]) == "C":
                spans.append((offset, width))
            offset += width
    except (struct.error, IndexError):
        return False                    # a header GDAL cannot read either: it will say so
    for record in range(records):
        row = data[header + record * length:header + (record + 1) * length]
        if any(b"\x00" in row[start:start + width].rstrip(b"\x00 ") for start, width in spans):
            return True
    return False


# -- the area above ------------------------------------------------------------------------

def _find_parents(session: Session, features: list[Feature], level: str, fields: Fields,
                  result: AreaImport) -> None:
    above = ABOVE[level]
    rows = session.execute(select(Area.id, Area.code, Area.geom).where(Area.level == above)).all()
    if fields.parent:
        ids = {r.code: r.id for r in rows}
        for feature in features:
            if feature.parent_code and feature.parent_code not in ids:
                raise Refused("areas.unknown_parent", level=Message(f"cli.level.{level}"), code=feature.code,
                              above=Message(f"cli.level.{above}"), parent=feature.parent_code)
            feature.parent_id = ids.get(feature.parent_code)
    elif rows:
        tree = STRtree([to_shape(r.geom) for r in rows])
        points = shapely.point_on_surface(np.array([f.geom for f in features], dtype=object))
        inside, holder = tree.query(points, predicate="within")
        for i, j in sorted(zip(inside, holder), reverse=True):      # the first holder wins
            features[i].parent_id = rows[j].id
    for feature in features:
        if feature.parent_id is None:
            if level == "grid" and fields.parent:
                raise Refused("areas.grid_no_parent", code=feature.code, field=fields.parent)
            if level == "grid":
                raise Refused("areas.grid_outside", code=feature.code)
            if rows:                    # a level above to be in: not being in one is a mismatch
                result.orphans.append(feature.code)


# -- streets and communities ---------------------------------------------------------------

def _store_areas(session: Session, features: list[Feature], level: str) -> tuple[set[int], dict]:
    """Upserts by code. Returns the areas to fit (each one, as the parent of its children, and
    the areas it lies and lay in), and what the existing ones were before."""
    existing = {a.code: a for a in session.scalars(select(Area).where(Area.code.in_([f.code for f in features])))}
    touched, before = set(), {}
    for feature in features:
        area = existing.get(feature.code)
        if area is None:
            area = Area(code=feature.code, level=level)
            session.add(area)
        elif area.level != level:
            raise Refused("areas.other_level", code=feature.code, level=Message(f"cli.level.{area.level}"),
                          wanted=Message(f"cli.level.{level}"))
        else:
            before[feature.code] = (area.name_zh, area.name_en, area.parent_id, to_shape(area.geom))
            touched.add(area.parent_id)
        area.name_zh, area.name_en, area.parent_id = feature.name_zh, feature.name_en, feature.parent_id
        area.geom = from_shape(as_multi(feature.geom), 4326)
        session.flush()
        touched |= {area.id, area.parent_id}
    return touched - {None}, before


def _tell_changes(session: Session, features: list[Feature], before: dict, result: AreaImport) -> None:
    """New, changed or unchanged, as stored after fitting: an area the file draws a hair off its
    children, and which is fitted to them again, has not changed."""
    now = {a.code: a for a in session.scalars(select(Area).where(Area.code.in_([f.code for f in features])))}
    for feature in features:
        was, area = before.get(feature.code), now[feature.code]
        if was is None:
            result.created.append(feature.code)
        elif (area.name_zh, area.name_en, area.parent_id) == was[:3] and \
                shapely.equals_exact(to_shape(area.geom), was[3], 0):
            result.unchanged += 1
        else:
            result.changed.append(feature.code)


# -- grids ---------------------------------------------------------------------------------

def _file_grids(session: Session, features: list[Feature], filename: str, result: AreaImport) -> set[int]:
    """The grids become the current division as a filed plan makes its grids current: one plan
    per top area, started from the current grids, given the file's, and filed now. A grid the
    file leaves as it is keeps its row; the current grids of the communities the file's grids
    lie in and which it does not hold are closed. Returns the communities touched (where the
    grids lie, and lay)."""
    current = {r.code: r for r in session.execute(text("""
        SELECT id, code, community_id, name_zh, name_en, ST_AsBinary(geom) AS wkb
        FROM grid WHERE valid_to IS NULL""")).all()}
    codes = {f.code for f in features}
    communities = {f.parent_id for f in features}
    dropped = [r.code for r in current.values() if r.community_id in communities and r.code not in codes]
    for feature in features:
        was = current.get(feature.code)
        if was is None:
            result.created.append(feature.code)
        elif (was.community_id, was.name_zh, was.name_en) == (feature.parent_id, feature.name_zh, feature.name_en) \
                and shapely.equals_exact(shapely.from_wkb(was.wkb), as_multi(feature.geom), 0):
            result.unchanged += 1
        else:
            result.changed.append(feature.code)
    touched = communities | {current[c].community_id for c in codes & current.keys()}
    if not (result.created or result.changed or dropped):
        return touched
    parents = dict(session.execute(select(Area.id, Area.parent_id)).all())
    top = {}
    for community in touched:
        root = community
        while parents.get(root) is not None:
            root = parents[root]
        top[community] = root
    moved = set(result.created) | set(result.changed)
    roots = {top[f.parent_id] for f in features if f.code in moved} | \
        {top[current[c].community_id] for c in moved & current.keys()} | \
        {top[current[c].community_id] for c in dropped}
    effective = session.scalar(select(func.now()))      # the transaction's: after every earlier row
    actor = plans.Actor(audit.current().name, None, Scope(everything=True))
    started = []
    for root in sorted(roots):
        mine = [f for f in features if top[f.parent_id] == root]
        plan = plans.start(session, session.get(Area, root).code, f"{filename} (import)", actor)
        copies = {c.code: c for c in plans.features_of(session, plan.id)}
        for feature in mine:
            copy = copies.pop(feature.code, None)
            if copy is None:
                copy = GridPlanFeature(plan_id=plan.id, code=feature.code, kind="comprehensive")
                session.add(copy)
            copy.name_zh, copy.name_en, copy.community_id = feature.name_zh, feature.name_en, feature.parent_id
            copy.geom = from_shape(as_multi(feature.geom), 4326)
        for copy in copies.values():
            if copy.community_id in communities or copy.code in codes:     # dropped, or moved away
                session.delete(copy)
        session.flush()
        # the copies the file does not change stay exactly their grids (starting a plan fits
        # them as one coverage, which may move one by a hair), so that filing keeps their rows
        session.execute(text("""
            UPDATE grid_plan_feature f SET geom = g.geom FROM grid g
            WHERE f.plan_id = :plan AND g.id = f.source_grid_id AND NOT f.code = ANY(:codes)"""),
            {"plan": plan.id, "codes": list(codes)})
        plans.record(session, plan, actor.name, "imported", "draft", "draft", filename,
                     {"grids": len(mine), "crs": result.crs})
        started.append(plan)
    # filed together: a grid moving to another top area (two grids trading codes across
    # them) is closed by one plan before the other opens it, whatever their order
    try:
        filed = filing.file_together(session, started, effective, actor.name)
    except plans.PlanError as error:        # the division moved under the import meanwhile
        raise Refused("areas.moved", reason=error) from None
    for plan, done in zip(started, filed):
        summary = done.summary()
        plan.status, plan.filed_at, plan.effective_from = "filed", effective, effective
        plans.record(session, plan, actor.name, "file", "draft", "filed", f"imported from {filename}", summary)
        result.filed.append({"plan": plan.id, **summary})
    return touched


def _without_worker(session: Session, codes: list[str]) -> list[str]:
    return list(session.execute(text(f"""
        SELECT g.code FROM grid g WHERE g.valid_to IS NULL AND g.kind = 'comprehensive'
          AND g.code = ANY(:codes) AND ({GRID_WORKER.format(grid='g.id')}) IS NULL
        ORDER BY g.code"""), {"codes": codes}).scalars())


# -- fitting the levels above --------------------------------------------------------------

def _fit_upwards(session: Session, touched: set[int], frame, tolerance_m: float, result: AreaImport,
                 progress: Progress) -> None:
    """Each touched area, level by level upwards, becomes the union of its children edge for
    edge (as generated divisions are made: planning.division.fit_levels) where they tile it
    within the tolerance, and then its own parent is looked at; where they do not, it stays as
    it was and what is between them is listed."""
    areas = {a.id: a for a in session.scalars(select(Area))}
    settled, unsettled = set(), []
    for level in ("community", "street", "district", "city"):
        for area in sorted((areas[i] for i in touched if areas[i].level == level), key=lambda a: a.code):
            children = _children(session, area)
            progress("checked", 1)
            if not children:
                continue
            if not tiling(to_shape(area.geom), children, frame, tolerance_m).fits:
                unsettled.append(area)
                # it still takes the vertices its children have on its outline, as filing
                # a plan gives them (planning.filing.share_vertices)
                outline = to_shape(area.geom)
                taken = as_multi(take_vertices([outline], outline_vertices(outline, [g for _, g in children]))[0])
                if not shapely.equals_exact(taken, outline, 0):
                    area.geom = from_shape(taken, 4326)
                    session.flush()
                continue
            settled.add(area.id)
            outline = as_multi(coverage_outline([geom for _, geom in children]))
            if not shapely.equals_exact(outline, to_shape(area.geom), 0):
                area.geom = from_shape(outline, 4326)
                session.flush()
                result.fitted.append(area.code)
                if area.parent_id is not None:
                    touched.add(area.parent_id)
    # an area fitted to its children has their vertices on the edge it shares with a
    # neighbour that was not (whose own children disagree with it): the neighbour takes them,
    # so that each level stays one coverage, shared edge for shared edge
    for level in ("community", "street", "district"):
        same = [a for a in areas.values() if a.level == level]
        shapes = [to_shape(a.geom) for a in same]
        movable = [a.id not in settled for a in same]
        for area, was, now in zip(same, shapes, take_neighbours_vertices(shapes, movable)):
            if not shapely.equals_exact(was, now, 0):
                area.geom = from_shape(as_multi(now), 4326)
    session.flush()
    for area in unsettled:
        found = tiling(to_shape(area.geom), _children(session, area), frame, tolerance_m)
        result.remaining += [Remaining(area.code, area.level, m) for m in found.mismatches]


def _children(session: Session, area: Area) -> list[tuple[str, object]]:
    if area.level == "community":
        rows = session.execute(text("""
            SELECT code, ST_AsBinary(geom) FROM grid WHERE community_id = :id AND valid_to IS NULL
            ORDER BY code"""), {"id": area.id}).all()
    else:
        rows = session.execute(text("SELECT code, ST_AsBinary(geom) FROM area WHERE parent_id = :id ORDER BY code"),
                               {"id": area.id}).all()
    return [(code, shapely.from_wkb(wkb)) for code, wkb in rows]
