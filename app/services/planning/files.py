"""A plan in and out of GIS files (pyogrio over GDAL): GeoJSON, GeoPackage and zipped
Shapefile, in WGS84 (4326), CGCS2000 (4490), Web Mercator (3857) or a UTM zone.

An import is the whole plan: features are matched to the plan's by code (updated), the rest
are added, and the plan's features missing from the file are removed. A file with invalid
shapes is refused feature by feature, unless the planner asks for them to be repaired
(make_valid), and then each repaired grid is flagged."""
from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pyogrio.raw
import shapely
from geoalchemy2.shape import from_shape
from pyproj import CRS, Transformer
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ...geo.plan_edits import as_multi
from ...messages import Message
from ...models import GRID_KINDS, GridPlan, GridPlanFeature, Worker
from ..city import sites as site_kinds
from . import edits, plans
from .plans import Actor, InvalidEdit

FORMATS = {"geojson": ("GeoJSON", "plan.geojson", "application/geo+json"),
           "gpkg": ("GPKG", "plan.gpkg", "application/geopackage+sqlite3"),
           "shp": ("ESRI Shapefile", "plan.shp", "application/zip")}
FIELDS = ["code", "name_zh", "name_en", "kind", "site_kind", "community", "worker", "households"]
MAX_FEATURES = 20_000


def allowed_crs(epsg: int) -> bool:
    return epsg in (4326, 4490, 3857) or 32601 <= epsg <= 32660 or 32701 <= epsg <= 32760


class UnsupportedFile(InvalidEdit):
    status, code = 415, "UnsupportedMediaType"


# -- export ----------------------------------------------------------------------------------

def export(session: Session, plan: GridPlan, fmt: str, epsg: int) -> tuple[bytes, str, str]:
    if fmt not in FORMATS:
        raise InvalidEdit("param.one_of", {"name": "format", "known": list(FORMATS)}, field="format")
    if not allowed_crs(epsg):
        raise InvalidEdit("plan.crs", field="crs")
    rows = session.execute(text("""
        SELECT f.code, f.name_zh, f.name_en, f.kind, f.site_kind, c.code AS community, w.code AS worker,
               (SELECT coalesce(sum(b.households), 0) FROM building b
                WHERE ST_IsValid(f.geom) AND b.geom && f.geom
                  AND ST_Contains(f.geom, ST_PointOnSurface(b.geom)))::int AS households,
               ST_AsBinary(f.geom) AS wkb
        FROM grid_plan_feature f LEFT JOIN area c ON c.id = f.community_id
        LEFT JOIN worker w ON w.id = f.worker_id WHERE f.plan_id = :plan ORDER BY f.code"""),
        {"plan": plan.id}).all()
    geoms = shapely.from_wkb([r.wkb for r in rows]) if rows else np.array([], dtype=object)
    if epsg != 4326:
        geoms = _transform(geoms, 4326, epsg)
    driver, name, mimetype = FORMATS[fmt]
    stem = f"plan-{plan.id}"
    field_data = [np.array([getattr(r, f) or "" for r in rows], dtype=object) if f != "households"
                  else np.array([r.households for r in rows], dtype=np.int32) for f in FIELDS]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name.replace("plan", stem)
        pyogrio.raw.write(str(path), shapely.to_wkb(geoms) if len(geoms) else np.array([], dtype=object),
                          field_data, FIELDS, driver=driver, geometry_type="MultiPolygon",
                          crs=f"EPSG:{epsg}", encoding="UTF-8", layer=stem, promote_to_multi=True,
                          **({"RFC7946": "NO"} if fmt == "geojson" and epsg != 4326 else {}))
        if fmt != "shp":
            return path.read_bytes(), mimetype, path.name
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(folder).iterdir()):
                archive.write(part, part.name)
        return out.getvalue(), mimetype, f"{stem}.zip"


def _transform(geoms, source: int, target: int):
    move = Transformer.from_crs(source, target, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(move.transform(xy[:, 0], xy[:, 1])))


# -- import ----------------------------------------------------------------------------------

def import_file(session: Session, plan_id: int, filename: str, data: bytes, epsg: int | None,
                repair: bool, actor: Actor) -> dict:
    plan = plans.editable(session, plan_id, actor.scope)
    records, source_crs = _read(filename, data, epsg)
    errors, features = [], []
    communities = dict(session.execute(text(f"""
        SELECT code, id FROM area WHERE id IN ({plans.COMMUNITIES_UNDER})"""), {"area": plan.area_id}).all())
    workers = dict(session.execute(select(Worker.code, Worker.id).where(
        Worker.role == "full_time", Worker.active)).all())
    seen = set()
    for n, (geom, props) in enumerate(records, start=1):
        code = str(props.get("code") or "").strip()
        problem = _problem(geom, props, code, seen, communities, workers)
        repaired = False
        if problem is None and not geom.is_valid:
            if repair:
                geom, repaired = _repair(geom), True
                if geom.is_empty:
                    problem = Message("plan.import.nothing_left")
            else:
                problem = Message("plan.import.invalid_shape", reason=shapely.is_valid_reason(geom))
        if problem:
            errors.append({"feature": n, "code": code or None, "problem": problem})
            continue
        seen.add(code)
        features.append((code, geom, props, repaired))
    if errors:
        raise InvalidEdit("plan.import_unusable", {"count": len(errors)}, errors=errors)
    existing = {f.code: f for f in plans.features_of(session, plan.id, lock=True)}
    created = updated = 0
    for code, geom, props, repaired in features:
        feature = existing.pop(code, None)
        if feature is None:
            feature = GridPlanFeature(plan_id=plan.id, code=code)
            session.add(feature)
            created += 1
        else:
            feature.version += 1
            updated += 1
        feature.name_zh = str(props.get("name_zh") or code)[:200]
        feature.name_en = str(props.get("name_en") or code)[:200]
        feature.kind = props.get("kind") or "comprehensive"
        feature.site_kind = (props.get("site_kind") or None) if feature.kind == "special" else None
        if props.get("community"):
            feature.community_id = communities[props["community"]]
        else:                    # drawn without one: the community holding most of it
            holding = edits.holding_community(session, plan, geom)
            feature.community_id = holding.id if holding else None
        feature.worker_id = workers.get(props.get("worker")) if props.get("worker") else None
        feature.repaired = repaired
        feature.geom = from_shape(as_multi(geom), 4326)
    for gone in existing.values():
        session.delete(gone)
    session.flush()
    plans.fit_all(session, plan)
    plan.version += 1
    summary = {"created": created, "updated": updated, "removed": len(existing), "crs": source_crs,
               "repaired": [code for code, _, _, repaired in features if repaired]}
    plans.record(session, plan, actor.name, "imported", plan.status, plan.status, filename or None, summary)
    return summary


def _read(filename: str, data: bytes, epsg: int | None):
    """[(WGS84 geometry, properties)], and the CRS the file was in."""
    if not data:
        raise InvalidEdit("plan.file_empty", field="file")
    with tempfile.TemporaryDirectory() as folder:
        path = _unpack(Path(folder), filename, data)
        try:
            meta, _, geometry, field_data = pyogrio.raw.read(str(path), max_features=MAX_FEATURES + 1)
        except Exception as error:             # GDAL says what it could not read
            raise UnsupportedFile("plan.file_unreadable", {"error": str(error)}, field="file") from None
    if len(geometry) > MAX_FEATURES:
        raise InvalidEdit("plan.file_too_many", {"most": MAX_FEATURES}, field="file")
    source = _source_epsg(meta.get("crs"), epsg, path.suffix)
    geoms = np.array([shapely.from_wkb(g) if g is not None else None for g in geometry], dtype=object)
    present = np.array([g is not None for g in geoms])
    if source != 4326 and present.any():
        geoms[present] = _transform(geoms[present], source, 4326)
    names = list(meta["fields"])
    records = [(g, {name: _plain(column[i]) for name, column in zip(names, field_data)})
               for i, g in enumerate(geoms)]
    return records, f"EPSG:{source}"


def _unpack(folder: Path, filename: str, data: bytes) -> Path:
    suffix = Path(filename).suffix.lower()
    if data[:4] == b"PK\x03\x04":                          # a zipped Shapefile
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/") and ".." not in m]
            shp = [m for m in members if m.lower().endswith(".shp")]
            if len(shp) != 1:
                raise UnsupportedFile("plan.zip_one_shapefile", field="file")
            for member in members:
                (folder / Path(member).name).write_bytes(archive.read(member))
            return folder / Path(shp[0]).name
    if data[:16].startswith(b"SQLite format 3"):
        suffix = ".gpkg"
    elif suffix not in (".geojson", ".json"):
        suffix = ".geojson"
    path = folder / f"upload{suffix}"
    path.write_bytes(data)
    return path


def _source_epsg(crs_text: str | None, given: int | None, suffix: str) -> int:
    if given is not None:
        source = given
    elif crs_text:
        crs = CRS.from_user_input(crs_text)
        source = 4326 if crs.equals(CRS.from_epsg(4326), ignore_axis_order=True) else (crs.to_epsg() or 0)
    elif suffix in (".geojson", ".json"):
        source = 4326                                      # RFC 7946: GeoJSON is WGS84
    else:
        raise InvalidEdit("plan.crs_unknown", field="crs")
    if not allowed_crs(source):
        raise InvalidEdit("plan.crs_not_accepted", {"epsg": source}, field="crs")
    return source


def _problem(geom, props: dict, code: str, seen: set, communities: dict, workers: dict) -> Message | None:
    if geom is None or geom.is_empty:
        return Message("plan.import.no_geometry")
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return Message("plan.import.not_polygon", kind=geom.geom_type)
    if not code:
        return Message("plan.import.no_code")
    if code in seen:
        return Message("plan.import.code_twice", code=code)
    if len(code) > 32:
        return Message("plan.import.code_long")
    if props.get("kind") and props["kind"] not in GRID_KINDS:
        return Message("plan.import.kind", known=GRID_KINDS)
    if props.get("site_kind"):
        if props.get("kind") != "special":
            return Message("plan.site_kind_comprehensive")
        if props["site_kind"] not in site_kinds.kind_codes():
            return Message("plan.site_kind", known=site_kinds.kind_codes())
    if props.get("community") and props["community"] not in communities:
        return Message("plan.community_outside", community=str(props["community"]))
    if props.get("worker") and props["worker"] not in workers:
        return Message("plan.worker_unfit", worker=str(props["worker"]))
    return None


def _repair(geom):
    fixed = shapely.make_valid(geom)
    polygons = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polygons) if polygons else shapely.MultiPolygon()


def _plain(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    return value
