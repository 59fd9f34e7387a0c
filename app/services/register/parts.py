"""City parts (部件) in the register: their kinds, loaded from gis_data/part_kinds.csv; the
standard's class of each incident category, from gis_data/category_standard.csv; parts from a
CSV file with a row-by-row report; and each part placed in the grid that holds it, by PostGIS.

Kinds follow GB/T 30428.2 (数字化城市管理信息系统 第2部分：管理部件和事件): six major classes
(大类 01 公用设施 … 06 其他设施) and small classes (小类, four digits: 0101 上水井盖, 0118 路灯…).
The standard's own text was not at hand; a small class's code is filled in only where two
independent tables built to the standard agree on it (a vendor's table of the classes in the
standard's order, and one city's coded list); where they disagree or one is silent, the code
is left empty and the file's note says why. Our kinds may be finer than the standard's small
classes (a hydrant is among its fire-fighting facilities, 0113 消防设施).

An OpenStreetMap tag maps to a kind in the same file (`osm`: key=value;…), read by
services/loading/osm.py during `flask import osm`.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...config import ROOT
from ...messages import Message
from ...models import PART_GROUPS, PART_STATUSES, STANDARD_KINDS

KINDS_FILE = ROOT / "gis_data" / "part_kinds.csv"
CLASSES_FILE = ROOT / "gis_data" / "category_standard.csv"
KIND_COLUMNS = ("code", "name_zh", "name_en", "group", "standard_code", "standard_name", "osm", "note")
CLASS_COLUMNS = ("category", "kind", "class_zh", "class_en", "standard_code", "note")
# what a field worker's spreadsheet may say for a status, beside our codes
STATUS_WORDS = {"在用": "in_use", "完好": "in_use", "损坏": "damaged", "破损": "damaged", "丢失": "missing",
                "缺失": "missing", "停用": "disused", "拆除": "removed", "已拆除": "removed"}
CSV_ID_MAX = 64
BATCH = 5000          # parts per statement


class BadData(ValueError):
    """A shipped or given data file that cannot be loaded: `message` says which line and why."""

    def __init__(self, message: Message):
        super().__init__(str(message))
        self.message = message


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise BadData(Message("part.file_columns", file=path.name, missing=", ".join(missing)))
        return [(line, {k: (row.get(k) or "").strip() for k in columns})
                for line, row in enumerate(reader, start=2)]


def read_kinds(path: Path = KINDS_FILE) -> list[dict]:
    kinds, seen = [], set()
    for line, row in _rows(path, KIND_COLUMNS):
        where = f"{path.name}:{line}"
        if not row["code"] or not row["name_zh"] or not row["name_en"] or row["code"] in seen:
            raise BadData(Message("part.kind_row", where=where))
        if row["group"] not in PART_GROUPS:
            raise BadData(Message("part.kind_group", where=where, known=list(PART_GROUPS)))
        if row["standard_code"] and not re.fullmatch(r"[0-9]{4}", row["standard_code"]):
            raise BadData(Message("part.kind_standard_code", where=where, value=row["standard_code"]))
        tags = [tuple(t.split("=", 1)) for t in row["osm"].split(";") if t.strip()]
        if any(len(t) != 2 or not all(t) for t in tags):
            raise BadData(Message("part.kind_osm", where=where, value=row["osm"]))
        seen.add(row["code"])
        kinds.append({"code": row["code"], "name_zh": row["name_zh"], "name_en": row["name_en"],
                      "group_code": row["group"], "standard_code": row["standard_code"] or None,
                      "standard_name": row["standard_name"] or None, "osm": tags})
    return kinds


def load_kinds(session: Session, path: Path = KINDS_FILE) -> int:
    """Upserts every kind (a kind is never deleted: parts name it). Flushes; the caller commits."""
    kinds = read_kinds(path)
    session.execute(text("""
        INSERT INTO part_kind (code, name_zh, name_en, group_code, standard_code, standard_name)
        VALUES (:code, :name_zh, :name_en, :group_code, :standard_code, :standard_name)
        ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en,
            group_code = excluded.group_code, standard_code = excluded.standard_code,
            standard_name = excluded.standard_name
        WHERE (part_kind.name_zh, part_kind.name_en, part_kind.group_code, part_kind.standard_code,
               part_kind.standard_name) IS DISTINCT FROM
              (excluded.name_zh, excluded.name_en, excluded.group_code, excluded.standard_code,
               excluded.standard_name)"""),
        [{k: v for k, v in kind.items() if k != "osm"} for kind in kinds])
    return len(kinds)


def osm_kinds(path: Path = KINDS_FILE) -> dict[str, dict[str, str]]:
    """OSM key → value → our kind; the file's first kind wins a tag named twice."""
    found: dict[str, dict[str, str]] = {}
    for kind in read_kinds(path):
        for key, value in kind["osm"]:
            found.setdefault(key, {}).setdefault(value, kind["code"])
    return found


def kind_of_tags(tags, by_key: dict[str, dict[str, str]]) -> str | None:
    """The kind of a node with these OSM tags, if it is a part; keys in the file's order."""
    for key, values in by_key.items():
        kind = values.get(tags.get(key))
        if kind:
            return kind
    return None


def load_category_classes(session: Session, path: Path = CLASSES_FILE) -> int:
    """The standard's class of each incident category the file names and the database has (a
    city's own category table may lack some); upserted by category. Flushes; the caller commits."""
    rows = []
    for line, row in _rows(path, CLASS_COLUMNS):
        where = f"{path.name}:{line}"
        if row["kind"] not in STANDARD_KINDS or not row["category"] or not row["class_zh"] or not row["class_en"] \
                or (row["standard_code"] and not re.fullmatch(r"[0-9]{2}([0-9]{2})?", row["standard_code"])):
            raise BadData(Message("part.class_row", where=where, kinds=list(STANDARD_KINDS)))
        rows.append({"category": row["category"], "kind": row["kind"], "class_zh": row["class_zh"],
                     "class_en": row["class_en"], "code": row["standard_code"] or None, "note": row["note"] or None})
    if not rows:
        return 0
    return session.execute(text("""
        INSERT INTO category_standard (category_code, standard_kind, class_zh, class_en, standard_code, note)
        SELECT r.category, r.kind, r.class_zh, r.class_en, r.code, r.note
        FROM json_to_recordset(CAST(:rows AS json))
             AS r(category text, kind text, class_zh text, class_en text, code text, note text)
        WHERE EXISTS (SELECT 1 FROM category c WHERE c.code = r.category)
        ON CONFLICT (category_code) DO UPDATE SET standard_kind = excluded.standard_kind,
            class_zh = excluded.class_zh, class_en = excluded.class_en,
            standard_code = excluded.standard_code, note = excluded.note"""),
        {"rows": _json(rows)}).rowcount


def place_in_grids(session: Session, part_ids: list[int] | None = None,
                   grid_ids: list[int] | None = None) -> int:
    """Puts parts in the current grid holding them (none: outside every grid): those named, or
    those of these grids (closed by a plan) and those in no grid yet, or else every part. One
    UPDATE, answered by the grids' GiST index; returns how many parts changed grid."""
    if part_ids is not None:
        which, params = "p.id = ANY(:ids)", {"ids": list(part_ids)}
    elif grid_ids is not None:
        which, params = "(p.grid_id = ANY(:grids) OR p.grid_id IS NULL)", {"grids": list(grid_ids)}
    else:
        which, params = "TRUE", {}
    # a point on a line two grids share goes to the first of them, as an incident does
    return session.execute(text(f"""
        UPDATE part p SET grid_id = s.holder
        FROM (SELECT p.id, (SELECT g.id FROM grid g WHERE g.valid_to IS NULL AND g.geom && p.geom
                              AND ST_Intersects(g.geom, p.geom) ORDER BY g.id LIMIT 1) AS holder
              FROM part p WHERE {which}) s
        WHERE p.id = s.id AND p.grid_id IS DISTINCT FROM s.holder"""), params).rowcount


def upsert(session: Session, rows: list[dict], update: tuple[str, ...]) -> tuple[list[int], int]:
    """Rows (source_id, kind, status, name, lon, lat) keyed by source_id: a re-import updates
    the columns in `update` instead of adding a part. Returns the ids written and how many were
    new. Flushes; the caller commits."""
    refreshed = ", ".join(f"{c} = excluded.{c}" for c in update)
    statement = text(f"""
        INSERT INTO part (source_id, kind, status, name, geom)
        SELECT r.source_id, r.kind, coalesce(r.status, 'in_use'), r.name,
               ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326)
        FROM json_to_recordset(CAST(:rows AS json))
             AS r(source_id text, kind text, status text, name text, lon float8, lat float8)
        ON CONFLICT (source_id) DO UPDATE SET {refreshed}, changed_at = now()
        RETURNING id, xmax = 0 AS new""")
    written = []
    for start in range(0, len(rows), BATCH):
        written += session.execute(statement, {"rows": _json(rows[start:start + BATCH])}).all()
    return [r.id for r in written], sum(1 for r in written if r.new)


@dataclass
class CsvImport:
    new: int = 0
    updated: int = 0
    outside_grids: int = 0
    refused: dict[int, Message] = field(default_factory=dict)      # line → why


CSV_FIELDS = ("lon", "lat", "kind", "status", "name", "id")


def import_csv(session: Session, content: str, source: str = "csv") -> CsvImport:
    """Parts from CSV text: lon, lat, kind (our code, the standard's code of one kind, or the
    kind's Chinese name), and any of status (our code or its Chinese word; default in_use),
    name, id (the source's own: a re-import updates the part instead of adding one). A line
    that cannot be a part is refused with the reason; the rest are written and placed in their
    grids. Flushes; the caller commits."""
    result = CsvImport()
    reader = csv.DictReader(io.StringIO(content))
    fields = [f.strip().lower() for f in (reader.fieldnames or ())]
    missing = [f for f in ("lon", "lat", "kind") if f not in fields]
    if missing:
        result.refused[1] = Message("part.csv_header", missing=", ".join(missing), columns=", ".join(CSV_FIELDS))
        return result
    kinds = _kind_names(session)
    rows, lines, ids = [], [], {}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        made = _part_from(row, kinds, source)
        if isinstance(made, Message):
            result.refused[line] = made
        elif made["source_id"] in ids:
            result.refused[line] = Message("part.csv_id_twice", id=row.get("id"), line=ids[made["source_id"]])
        else:
            ids[made["source_id"]] = line
            rows.append(made)
            lines.append(line)
    for n in _outside_city(session, rows):
        result.refused[lines[n]] = Message("part.csv_outside", lon=rows[n]["lon"], lat=rows[n]["lat"])
    kept = [r for n, r in enumerate(rows) if lines[n] not in result.refused]
    written, result.new = upsert(session, kept, ("kind", "status", "name", "geom"))
    result.updated = len(written) - result.new
    place_in_grids(session, part_ids=written)
    result.outside_grids = session.execute(text(
        "SELECT count(*) FROM part WHERE id = ANY(:ids) AND grid_id IS NULL"), {"ids": written}).scalar_one()
    return result


def _part_from(row: dict, kinds: dict[str, str], source: str) -> dict | Message:
    try:
        lon, lat = float(row.get("lon", "")), float(row.get("lat", ""))
    except ValueError:
        return Message("part.csv_point", lon=row.get("lon", ""), lat=row.get("lat", ""))
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return Message("part.csv_point", lon=row.get("lon", ""), lat=row.get("lat", ""))
    kind = kinds.get(row.get("kind", ""))
    if kind is None:
        return Message("part.csv_kind", kind=row.get("kind", ""))
    status = row.get("status") or "in_use"
    status = STATUS_WORDS.get(status, status)
    if status not in PART_STATUSES:
        return Message("part.csv_status", status=row.get("status"), known=list(PART_STATUSES))
    own_id = row.get("id") or f"{lon:.7f},{lat:.7f}"
    if len(own_id) > CSV_ID_MAX:
        return Message("part.csv_id_long", most=CSV_ID_MAX)
    return {"source_id": f"{source}:{own_id}", "kind": kind, "status": status,
            "name": (row.get("name") or None) and row["name"][:200], "lon": lon, "lat": lat}


def _kind_names(session: Session) -> dict[str, str]:
    """What a file may call a kind → the kind: its code, its Chinese name, and the standard's
    code where only one kind has it."""
    names: dict[str, str] = {}
    by_standard: dict[str, list[str]] = {}
    for code, name_zh, standard in session.execute(text(
            "SELECT code, name_zh, standard_code FROM part_kind ORDER BY code")):
        names[code] = names[name_zh] = code
        if standard:
            by_standard.setdefault(standard, []).append(code)
    names.update({standard: codes[0] for standard, codes in by_standard.items() if len(codes) == 1})
    return names


def _outside_city(session: Session, rows: list[dict]) -> list[int]:
    """Which rows (by position) lie outside the city, once the city has a division."""
    if not rows:
        return []
    return list(session.execute(text("""
        SELECT r.n FROM json_to_recordset(CAST(:rows AS json)) AS r(n int, lon float8, lat float8)
        WHERE EXISTS (SELECT 1 FROM area WHERE parent_id IS NULL)
          AND NOT EXISTS (SELECT 1 FROM area a WHERE a.parent_id IS NULL
                          AND ST_Intersects(a.geom, ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326)))
        ORDER BY r.n"""), {"rows": _json([{"n": n, "lon": r["lon"], "lat": r["lat"]}
                                          for n, r in enumerate(rows)])}).scalars())


def _json(rows: list[dict]) -> str:
    return json.dumps(rows, ensure_ascii=False)
