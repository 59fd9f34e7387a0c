"""Writing the register: add, change and end houses, residents and organisations. Each write
checks the writer's scope, stores the new state and a new version with its author (nothing
is overwritten), and keeps the building's household and population counts in step with what
was counted (a building's estimate gives way to its counted units)."""
from __future__ import annotations

import base64
from datetime import datetime, timezone

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import Building, HouseUnit, Organisation, RegisterVersion, Resident
from . import fields, protect
from .access import Reader
from .errors import Invalid, NotAllowed, NotFound, NotYours, Stale, Taken
from ...messages import Message

_KINDS = {"unit": HouseUnit, "resident": Resident, "organisation": Organisation}
_NUMBERS = {"resident": {"id_number": "id_number", "phone": "phone"},
            "organisation": {"contact_phone": "phone"}}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _snapshot(row) -> dict:
    data = {}
    for column in row.__table__.columns:
        if column.name in ("id", "version", "changed_at", "changed_by"):
            continue
        value = getattr(row, column.key)
        if isinstance(value, (bytes, memoryview)):
            value = base64.b64encode(bytes(value)).decode()      # a secret stays a secret
        elif isinstance(value, datetime):
            value = value.isoformat()
        data[column.name] = value
    return data


def _record(session: Session, kind: str, row, action: str) -> None:
    session.flush()
    session.add(RegisterVersion(kind=kind, entry_id=row.id, version=row.version, action=action,
                                by=row.changed_by, data=_snapshot(row)))


def building(session: Session, reader: Reader, building_id: int) -> Building:
    found = session.get(Building, building_id)
    if found is None:
        raise NotFound("register.building_not_found", id=building_id)
    if not reader.scope.holds(session, "building", building_id):
        raise NotYours(*responsible(session, found))
    return found


def responsible(session: Session, place: Building) -> tuple[dict | None, list[dict]]:
    """The building's grid and its full-time workers' names, as its door plate shows them."""
    grid = session.execute(text("SELECT id, code, name_zh, name_en FROM grid WHERE id = :g AND valid_to IS NULL"),
                           {"g": place.grid_id}).first()
    if grid is None:
        return None, []
    workers = session.execute(text("""
        SELECT w.name_zh, w.name_en FROM worker_assignment a JOIN worker w ON w.id = a.worker_id
        WHERE a.grid_id = :g AND a.valid_to IS NULL AND w.role = 'full_time' AND w.active ORDER BY w.code"""),
        {"g": grid.id}).all()
    return ({"code": grid.code, "name": {"zh": grid.name_zh, "en": grid.name_en}},
            [{"zh": w.name_zh, "en": w.name_en} for w in workers])


def entry(session: Session, reader: Reader, kind: str, entry_id: int, lock: bool = False):
    """An entry in the reader's register (not ended), or NotFound."""
    model = _KINDS[kind]
    query = select(model).where(model.id == entry_id, model.ended_at.is_(None))
    row = session.scalars(query.with_for_update() if lock else query).first()
    building_id = row and (session.scalar(select(HouseUnit.building_id).where(HouseUnit.id == row.unit_id))
                           if kind == "resident" else row.building_id)
    if row is None or not reader.scope.holds(session, "building", building_id):
        raise NotFound(f"register.{kind}_not_found", id=entry_id)
    return row


def _check_version(kind: str, row, version: int | None) -> None:
    if version is not None and version != row.version:
        raise Stale(kind, row.version)


def _next_version(row, writer: Reader) -> None:
    row.version += 1
    row.changed_by, row.changed_at = writer.actor, _now()


def _end(session: Session, writer: Reader, kind: str, entry_id: int, version: int | None, check=None):
    """The entry leaves the register as a last version; `check(row)` may refuse first."""
    row = entry(session, writer, kind, entry_id, lock=True)
    _check_version(kind, row, version)
    if check:
        check(row)
    _next_version(row, writer)
    row.ended_at = row.changed_at
    _record(session, kind, row, "ended")
    return row


def _set_numbers(kind: str, row, values: dict) -> None:
    for name, number_kind in _NUMBERS.get(kind, {}).items():
        if name not in values:
            continue
        value = values.pop(name)
        kept = protect.protect(number_kind, value) if value else None
        setattr(row, f"{name}_secret", kept.secret if kept else None)
        setattr(row, f"{name}_key", kept.key if kept else None)
        setattr(row, f"{name}_mask", kept.mask if kept else None)


def _tags_allowed(reader: Reader, values: dict) -> None:
    if "care_tags" in values and not reader.may("register:care"):
        raise NotAllowed("register.care_tags_not_yours")
    if "key_tags" in values and not reader.may("register:keyperson"):
        raise NotAllowed("register.key_tags_not_yours")


def _flushed(session: Session, taken: str):
    """Flush inside a savepoint: a unique place or number taken by a concurrent write is a
    409, and the transaction stays usable."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise Taken(taken) from error


def recount(session: Session, building_ids) -> None:
    """A building's households and population from its counted units and residents, where it
    has any (or had: counted once, counted for good); a building never counted keeps its
    estimate. The grids' figures read residents from here."""
    ids = sorted(set(building_ids))
    if not ids:
        return
    # a building once counted stays counted: with every house ended it holds no one
    session.execute(text("""
        UPDATE building b SET households = c.households, population = c.population, households_estimated = false
        FROM (SELECT b.id AS building_id,
                     coalesce((SELECT sum(u.households) FROM house_unit u
                               WHERE u.building_id = b.id AND u.ended_at IS NULL), 0)::int AS households,
                     (SELECT count(*) FROM resident r JOIN house_unit ru ON ru.id = r.unit_id
                      WHERE ru.building_id = b.id AND r.ended_at IS NULL AND ru.ended_at IS NULL)::int AS population
              FROM building b WHERE b.id = ANY(:ids)
                AND (NOT b.households_estimated
                     OR EXISTS (SELECT 1 FROM house_unit u WHERE u.building_id = b.id AND u.ended_at IS NULL))) c
        WHERE b.id = c.building_id"""), {"ids": ids})


# -- houses ----------------------------------------------------------------------------------

def add_unit(session: Session, writer: Reader, building_id: int, sent: dict) -> HouseUnit:
    place = building(session, writer, building_id)
    values = fields.unit(sent, adding=True)
    if values.get("households") is None:       # a lived-in house is one household unless counted
        values["households"] = 0 if values["use"] in ("vacant", "shop", "office") else 1
    row = HouseUnit(building_id=place.id, changed_by=writer.actor, version=1, **values)
    session.add(row)
    _flushed(session, "register.unit_taken")
    _record(session, "unit", row, "added")
    recount(session, [place.id])
    return row


def change_unit(session: Session, writer: Reader, unit_id: int, version: int | None, sent: dict) -> HouseUnit:
    row = entry(session, writer, "unit", unit_id, lock=True)
    _check_version("unit", row, version)
    values = fields.unit(sent, adding=False)
    for name, value in values.items():
        setattr(row, name, 0 if name == "households" and value is None else value)
    _next_version(row, writer)
    _flushed(session, "register.unit_taken")
    _record(session, "unit", row, "changed")
    recount(session, [row.building_id])
    return row


def end_unit(session: Session, writer: Reader, unit_id: int, version: int | None) -> HouseUnit:
    def empty(row):
        living = session.scalar(select(func.count()).select_from(Resident).where(
            Resident.unit_id == row.id, Resident.ended_at.is_(None)))
        if living:
            raise Taken("register.unit_has_residents", count=living)
    row = _end(session, writer, "unit", unit_id, version, empty)
    recount(session, [row.building_id])
    return row


# -- residents -------------------------------------------------------------------------------

def _id_number_free(session: Session, values: dict, resident_id: int | None) -> None:
    """One person, one entry: the same ID number is refused wherever it is registered, with
    the same words in scope or out, so a refusal tells no one where a person lives."""
    if not values.get("id_number"):
        return
    key = protect.finding_key("id_number", values["id_number"])
    query = select(Resident.id).where(Resident.id_number_key == key, Resident.ended_at.is_(None))
    if resident_id is not None:
        query = query.where(Resident.id != resident_id)
    if session.scalar(query.limit(1)) is not None:
        raise Invalid({"id_number": Message("register.id_number_taken")})


def add_resident(session: Session, writer: Reader, unit_id: int, sent: dict) -> Resident:
    unit = entry(session, writer, "unit", unit_id)
    values = fields.resident(sent, adding=True)
    _tags_allowed(writer, values)
    _id_number_free(session, values, None)
    row = Resident(unit_id=unit.id, changed_by=writer.actor, version=1)
    _set_numbers("resident", row, values)
    for name, value in values.items():
        if value is not None:
            setattr(row, name, value)
    session.add(row)
    session.flush()
    _record(session, "resident", row, "added")
    recount(session, [unit.building_id])
    return row


def change_resident(session: Session, writer: Reader, resident_id: int, version: int | None, sent: dict,
                    unit_id: int | None = None) -> Resident:
    row = entry(session, writer, "resident", resident_id, lock=True)
    _check_version("resident", row, version)
    values = fields.resident(sent, adding=False)
    _tags_allowed(writer, values)
    _id_number_free(session, values, row.id)
    moved_from = None
    if unit_id is not None and unit_id != row.unit_id:
        moved_from = session.get(HouseUnit, row.unit_id).building_id
        row.unit_id = entry(session, writer, "unit", unit_id).id
    _set_numbers("resident", row, values)
    for name, value in values.items():
        setattr(row, name, value if value is not None or name not in ("registration", "relation") else
                getattr(row, name))
    _next_version(row, writer)
    _record(session, "resident", row, "changed")
    recount(session, [session.get(HouseUnit, row.unit_id).building_id] + ([moved_from] if moved_from else []))
    return row


def end_resident(session: Session, writer: Reader, resident_id: int, version: int | None) -> Resident:
    """Moved out or died: the entry leaves the register, its history stays."""
    row = _end(session, writer, "resident", resident_id, version)
    recount(session, [session.get(HouseUnit, row.unit_id).building_id])
    return row


def add_household(session: Session, writer: Reader, building_id: int, unit_sent: dict,
                  residents_sent: list[dict]) -> tuple[HouseUnit, list[Resident]]:
    """A house and the people living in it, in one write: what a worker records at a door,
    often offline, so the phone sends it as one request that lands whole or not at all."""
    if not isinstance(residents_sent, list) or len(residents_sent) > 30 or \
            not all(isinstance(r, dict) for r in residents_sent):
        raise Invalid({"residents": Message("register.residents_list", most=30)})
    row = add_unit(session, writer, building_id, unit_sent)
    people, errors = [], {}
    for index, sent in enumerate(residents_sent):
        try:
            people.append(add_resident(session, writer, row.id, sent))
        except Invalid as error:
            errors.update({f"residents[{index}].{name}": message for name, message in error.errors.items()})
    if errors:
        raise Invalid(errors)
    return row, people


# -- organisations ---------------------------------------------------------------------------

def _unit_of_building(session: Session, writer: Reader, values: dict, building_id: int) -> None:
    if values.get("unit") is None:
        values.pop("unit", None)
        return
    unit = entry(session, writer, "unit", values.pop("unit"))
    if unit.building_id != building_id:
        raise Invalid({"unit": Message("register.unit_elsewhere")})
    values["unit_id"] = unit.id


def add_organisation(session: Session, writer: Reader, building_id: int, sent: dict) -> Organisation:
    place = building(session, writer, building_id)
    values = fields.organisation(sent, adding=True)
    _unit_of_building(session, writer, values, place.id)
    row = Organisation(building_id=place.id, changed_by=writer.actor, version=1)
    _set_numbers("organisation", row, values)
    for name, value in values.items():
        if value is not None:
            setattr(row, name, value)
    session.add(row)
    _flushed(session, "register.credit_code_taken")
    _record(session, "organisation", row, "added")
    return row


def change_organisation(session: Session, writer: Reader, organisation_id: int, version: int | None,
                        sent: dict) -> Organisation:
    row = entry(session, writer, "organisation", organisation_id, lock=True)
    _check_version("organisation", row, version)
    values = fields.organisation(sent, adding=False)
    if "unit" in values:
        if values["unit"] is None:
            values.pop("unit")
            row.unit_id = None
        else:
            _unit_of_building(session, writer, values, row.building_id)
    _set_numbers("organisation", row, values)
    for name, value in values.items():
        if name in ("name", "kind") and value is None:
            continue
        setattr(row, name, value if value is not None or name != "risk_tags" else [])
    _next_version(row, writer)
    _flushed(session, "register.credit_code_taken")
    _record(session, "organisation", row, "changed")
    return row


def end_organisation(session: Session, writer: Reader, organisation_id: int, version: int | None) -> Organisation:
    return _end(session, writer, "organisation", organisation_id, version)
