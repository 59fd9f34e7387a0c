"""Reading the register: a building's card, a person's record, a search, an entry's history,
and a number shown whole. Each answer that shows people is logged (access.log) in the same
transaction as it is read."""
from __future__ import annotations

import re

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ...models import HouseUnit, Organisation, RegisterVersion, Resident
from . import protect, views
from .access import Reader, log
from .entries import building, entry
from .errors import Invalid, NotAllowed, RegisterError
from ...messages import Message

SEARCH_LIMIT = 50
_ID_LIKE = re.compile(r"\s*\d{17}[\dXx]\s*")
_PHONE_LIKE = re.compile(r"\s*(?:\+?86)?[\d\s-]{7,16}\s*")


def building_card(session: Session, reader: Reader, building_id: int) -> dict:
    """A building with its place in the grid, its houses (each with its residents, masked) and
    its organisations."""
    place = building(session, reader, building_id)
    where = session.execute(text("""
        SELECT g.code AS grid_code, g.name_zh AS grid_zh, g.name_en AS grid_en, c.code AS community_code, c.name_zh AS community_zh,
               c.name_en AS community_en
        FROM building b LEFT JOIN grid g ON g.id = b.grid_id
        LEFT JOIN area c ON c.id = g.community_id
        WHERE b.id = :id"""), {"id": place.id}).mappings().first()
    units = session.scalars(select(HouseUnit).where(HouseUnit.building_id == place.id, HouseUnit.ended_at.is_(None))
                            .order_by(HouseUnit.entrance, HouseUnit.floor, HouseUnit.room)).all()
    people = session.scalars(select(Resident).where(Resident.unit_id.in_([u.id for u in units]),
                                                    Resident.ended_at.is_(None))
                             .order_by(Resident.unit_id, Resident.relation != "head", Resident.id)).all()
    by_unit: dict[int, list] = {}
    for person in people:
        by_unit.setdefault(person.unit_id, []).append(views.resident(person, reader))
    organisations = session.scalars(select(Organisation).where(
        Organisation.building_id == place.id, Organisation.ended_at.is_(None)).order_by(Organisation.name)).all()
    log(session, reader, "list", [p.id for p in people])
    return dict(
        id=place.id, name=place.name, address=place.address, kind=place.kind, levels=place.levels,
        households=place.households, households_estimated=place.households_estimated,
        population=place.population,
        grid=where and where["grid_code"] and dict(code=where["grid_code"],
                                                    name={"zh": where["grid_zh"], "en": where["grid_en"]}),
        community=where and where["community_code"] and dict(
            code=where["community_code"], name={"zh": where["community_zh"], "en": where["community_en"]}),
        units=[{**views.unit(u), "residents": by_unit.get(u.id, [])} for u in units],
        organisations=[views.organisation(o, reader) for o in organisations])


def resident(session: Session, reader: Reader, resident_id: int) -> dict:
    row = entry(session, reader, "resident", resident_id)
    log(session, reader, "read", [row.id])
    unit = session.get(HouseUnit, row.unit_id)
    return {**views.resident(row, reader), "unit": views.unit(unit)}


def reveal(session: Session, reader: Reader, kind: str, entry_id: int, field: str, reason: str | None) -> str | None:
    """A number shown whole, for a reason the reader gives; logged with both."""
    if not reader.may("register:reveal"):
        raise NotAllowed("register.reveal_not_yours")
    fields = {"resident": ("id_number", "phone"), "organisation": ("contact_phone",)}[kind]
    if field not in fields:
        raise Invalid({"field": Message("register.choice", known=", ".join(fields))})
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= 200:
        raise Invalid({"reason": Message("register.reason_needed")})
    row = entry(session, reader, kind, entry_id)
    log(session, reader, "reveal", [row.id], subject=kind, field=field, reason=reason)
    secret = getattr(row, f"{field}_secret")
    return protect.reveal(secret) if secret is not None else None


def scoped_grids(session: Session, reader: Reader) -> list[int] | None:
    """The current grids in the reader's scope (None: every grid): a building is in scope when
    its grid is, the same rule as its point on surface, asked once instead of per building."""
    if reader.scope.everything:
        return None
    condition, params = reader.scope.condition(session, "g")
    return list(session.scalars(text(f"SELECT g.id FROM grid g WHERE g.valid_to IS NULL AND {condition}"), params))


def search(session: Session, reader: Reader, query: str, limit: int = SEARCH_LIMIT) -> list[dict]:
    """Residents in the reader's scope by name (its start), by a whole ID number or by a whole
    phone number (found by their keyed hash: the number itself is never compared or stored)."""
    query = (query or "").strip()
    if not query or len(query) > 40:
        raise RegisterError("register.search_query")
    if _ID_LIKE.fullmatch(query):
        condition, params = "r.id_number_key = :key", {"key": protect.finding_key("id_number", query)}
    elif _PHONE_LIKE.fullmatch(query) and len(re.sub(r"\D", "", query)) >= 7:
        condition, params = "r.phone_key = :key", {"key": protect.finding_key("phone", query)}
    else:
        pattern = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        condition, params = "r.name LIKE :pattern", {"pattern": pattern}
    # the question first (an index scan, a few hundred people at most for a name's start),
    # then the reader's grids: checking every building of a district against its outline
    # first costs more than the whole answer may
    grids = scoped_grids(session, reader)
    ids = session.scalars(text(f"""
        WITH found AS MATERIALIZED (SELECT r.id, r.name, r.unit_id FROM resident r
                                    WHERE r.ended_at IS NULL AND {condition})
        SELECT f.id FROM found f JOIN house_unit u ON u.id = f.unit_id AND u.ended_at IS NULL
        JOIN building b ON b.id = u.building_id
        WHERE :everywhere OR b.grid_id = ANY(:grids)
        ORDER BY f.name, f.id LIMIT :limit"""),
        {**params, "everywhere": grids is None, "grids": grids or [], "limit": limit}).all()
    rows = session.scalars(select(Resident).where(Resident.id.in_(ids)).order_by(Resident.name, Resident.id)).all()
    places = dict(session.execute(text("""
        SELECT u.id, jsonb_build_object('building', b.id, 'address', b.address, 'name', b.name, 'entrance', u.entrance,
                                        'floor', u.floor, 'room', u.room, 'grid', g.code)
        FROM house_unit u JOIN building b ON b.id = u.building_id LEFT JOIN grid g ON g.id = b.grid_id
        WHERE u.id = ANY(:ids)"""), {"ids": [r.unit_id for r in rows]}).all())
    log(session, reader, "search", ids)
    return [{**views.resident(r, reader), "place": places.get(r.unit_id)} for r in rows]


def history(session: Session, reader: Reader, kind: str, entry_id: int) -> list[dict]:
    """Every version of an entry, oldest first, with what changed from the one before."""
    entry_row = session.get({"unit": HouseUnit, "resident": Resident, "organisation": Organisation}[kind], entry_id)
    if entry_row is None or entry_row.ended_at is None:
        entry(session, reader, kind, entry_id)          # in scope and present, or NotFound
    else:
        building_id = (session.get(HouseUnit, entry_row.unit_id).building_id if kind == "resident"
                       else entry_row.building_id)
        building(session, reader, building_id)
    versions = session.scalars(select(RegisterVersion).where(
        RegisterVersion.kind == kind, RegisterVersion.entry_id == entry_id).order_by(RegisterVersion.version)).all()
    if kind == "resident":
        log(session, reader, "history", [entry_id])
    # authors by the names people know them by (a worker's, else the account's display name)
    names = {actor: {"zh": zh, "en": en} for actor, zh, en in session.execute(text("""
        SELECT 'user:' || u.username, coalesce(w.name_zh, u.display_name), coalesce(w.name_en, u.display_name)
        FROM app_user u
        LEFT JOIN worker w ON w.id = u.worker_id
        WHERE 'user:' || u.username = ANY(:actors)"""), {"actors": sorted({v.by for v in versions})})}
    shown, before = [], None
    for version in versions:
        data = views.version_data(kind, version.data, reader)
        # a number's secret differs at each sealing; its finding key tells whether it changed
        kept = {name: value for name, value in version.data.items() if not name.endswith("_secret")}
        changed = [] if before is None else sorted(
            name for name in data
            if kept.get(name) != before.get(name)
            or name.endswith("_mask") and kept.get(name[:-5] + "_key") != before.get(name[:-5] + "_key"))
        shown.append(dict(version=version.version, action=version.action, at=version.at.isoformat(),
                          by=version.by, by_name=names.get(version.by), data=data, changed=changed))
        before = kept
    return shown
