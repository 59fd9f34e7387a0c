"""A grid's register taken out as a workbook, by a role that may (register:export), for a reason
it states: the reason and the people in the file go into the access log, and the file says who
took it, when and why — in a line above each sheet's headers and in its properties. ID numbers
and phones are their masks, always; care and key-person tags only as the reader may see them
(views.py's rule). The layout is the import's, so the file, corrected, can be imported again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from ... import personal
from ...messages import Message, say
from . import sheets, workbooks
from .access import Reader, log
from .errors import Invalid, NotAllowed, NotFound
from .sheets import SHEETS, TAGS, WORDS

REASON_LENGTH = (2, 200)
MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Export:
    content: bytes
    filename: str
    counts: dict[str, int]


def reason_given(reason: str | None) -> str:
    """The stated reason, or Invalid; a number typed into it is masked (it goes into the log)."""
    reason = (reason or "").strip()
    if not REASON_LENGTH[0] <= len(reason) <= REASON_LENGTH[1]:
        raise Invalid({"reason": Message("register.export_reason")})
    return personal.redacted(reason)


def grid_register(session: Session, reader: Reader, grid_code: str | None, reason: str | None, language: str,
                  now: datetime, zone: str, kinds: tuple[str, ...] = sheets.KINDS) -> Export:
    """The grid's houses, residents and organisations (those of `kinds`) as a workbook."""
    if not reader.may("register:export"):
        raise NotAllowed("register.export.not_yours")
    reason = reason_given(reason)
    scope, params = reader.scope.condition(session, "g")
    grid = session.execute(text(f"""
        SELECT g.id, g.code, g.name_zh, g.name_en FROM grid g
        WHERE g.valid_to IS NULL AND g.code = :code AND {scope}"""), {**params, "code": grid_code or ""}).mappings().first()
    if grid is None:
        raise NotFound("register.grid_not_found", code=grid_code or "")
    tables = {}
    if "unit" in kinds:
        tables["unit"] = [_unit(row, language) for row in session.execute(text(f"""
            SELECT {_PLACE}, u.use, u.floor_area, u.households
            FROM house_unit u JOIN building b ON b.id = u.building_id
            WHERE b.grid_id = :grid AND u.ended_at IS NULL
            ORDER BY {_ORDER}"""), {"grid": grid["id"]}).mappings()]
    people = []
    if "resident" in kinds:
        people = session.execute(text(f"""
            SELECT r.id, {_PLACE}, r.name, r.id_number_mask, r.sex, r.birth_year, r.phone_mask, r.registration,
                   r.relation, r.care_tags, r.key_tags
            FROM resident r JOIN house_unit u ON u.id = r.unit_id AND u.ended_at IS NULL
            JOIN building b ON b.id = u.building_id
            WHERE b.grid_id = :grid AND r.ended_at IS NULL
            ORDER BY {_ORDER}, r.relation <> 'head', r.name, r.id"""), {"grid": grid["id"]}).mappings().all()
        log(session, reader, "export", [p["id"] for p in people], reason=reason)
        tables["resident"] = [_resident(row, reader, language) for row in people]
    organisations = []
    if "organisation" in kinds:
        organisations = session.execute(text("""
            SELECT o.id, b.source_id AS building, coalesce(b.address, b.name) AS address, u.entrance, u.floor, u.room,
                   o.name, o.kind, o.credit_code, o.contact_name, o.contact_phone_mask, o.employees, o.risk_tags
            FROM organisation o JOIN building b ON b.id = o.building_id
            LEFT JOIN house_unit u ON u.id = o.unit_id
            WHERE b.grid_id = :grid AND o.ended_at IS NULL
            ORDER BY b.address, b.source_id, o.name, o.id"""), {"grid": grid["id"]}).mappings().all()
        log(session, reader, "export", [o["id"] for o in organisations], subject="organisation", reason=reason)
        tables["organisation"] = [_organisation(row, language) for row in organisations]
    local = now.astimezone(ZoneInfo(zone))
    counts = {kind: len(rows) for kind, rows in tables.items()}
    taken = say("register.export.taken", language, actor=reader.actor,
                at=local.isoformat(sep=" ", timespec="seconds"), reason=reason,
                grid=f"{grid['code']} {grid['name_zh'] if language == 'zh' else grid['name_en']}",
                count=sum(counts.values()))
    columns = {kind: _columns(kind, reader) for kind in tables}
    content = workbooks.entries(language, taken, {kind: (columns[kind], rows) for kind, rows in tables.items()},
                                creator=reader.actor, made=local, description=reason)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", grid["code"])
    return Export(content, f"register-{safe}-{local:%Y%m%d-%H%M}.xlsx", counts)


_PLACE = ("b.source_id AS building, coalesce(b.address, b.name) AS address, u.entrance, u.floor, u.room")
_ORDER = "b.address, b.source_id, u.entrance, u.floor, u.room"


def _columns(kind: str, reader: Reader) -> tuple[str, ...]:
    """The sheet's columns: the tags a reader may not see are not there at all (not even empty,
    which would say "none")."""
    hidden = set()
    if not reader.may("register:care"):
        hidden.add("care_tags")
    if not reader.may("register:keyperson"):
        hidden.add("key_tags")
    return tuple(key for key in SHEETS[kind].keys if key not in hidden)


def _said(family: str, code: str | None, language: str) -> str | None:
    return sheets.written(family, code, language) if code and code in WORDS[family] else code


def _tags(family: str, codes, language: str) -> str | None:
    codes = [c for c in (codes or ()) if c in TAGS[family]]
    return "、".join(sheets.written(family, c, language) for c in codes) or None


def _place(row) -> dict:
    return {name: row[name] for name in ("building", "address", "entrance", "floor", "room")}


def _unit(row, language: str) -> dict:
    return {**_place(row), "use": _said("use", row["use"], language), "floor_area": row["floor_area"],
            "households": row["households"]}


def _resident(row, reader: Reader, language: str) -> dict:
    seen = {**_place(row), "name": row["name"], "id_number": row["id_number_mask"], "sex": _said("sex", row["sex"], language),
            "birth_year": row["birth_year"], "phone": row["phone_mask"],
            "registration": _said("registration", row["registration"], language),
            "relation": _said("relation", row["relation"], language)}
    if reader.may("register:care"):
        seen["care_tags"] = _tags("care_tags", row["care_tags"], language)
    if reader.may("register:keyperson"):
        seen["key_tags"] = _tags("key_tags", row["key_tags"], language)
    return seen


def _organisation(row, language: str) -> dict:
    return {**_place(row), "name": row["name"], "kind": _said("kind", row["kind"], language),
            "credit_code": row["credit_code"], "contact_name": row["contact_name"],
            "contact_phone": row["contact_phone_mask"], "employees": row["employees"],
            "risk_tags": _tags("risk_tags", row["risk_tags"], language)}
