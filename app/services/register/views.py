"""What a reader sees of a register entry: the one place that decides it. Numbers as their
masks (a whole one only through `reveal`, which is logged); care tags with register:care;
key-person tags with register:keyperson, else not even whether there are any."""
from __future__ import annotations

from ...models import HouseUnit, Organisation, Resident
from .access import Reader


def unit(row: HouseUnit) -> dict:
    return dict(id=row.id, building=row.building_id, entrance=row.entrance, floor=row.floor, room=row.room,
                use=row.use, floor_area=row.floor_area, households=row.households, version=row.version,
                changed_at=row.changed_at.isoformat() if row.changed_at else None, changed_by=row.changed_by)


def resident(row: Resident, reader: Reader) -> dict:
    seen = dict(id=row.id, unit=row.unit_id, name=row.name, sex=row.sex, birth_year=row.birth_year,
                id_number=row.id_number_mask, phone=row.phone_mask, registration=row.registration,
                relation=row.relation, version=row.version,
                changed_at=row.changed_at.isoformat() if row.changed_at else None, changed_by=row.changed_by)
    if reader.may("register:care"):
        seen["care_tags"] = list(row.care_tags or ())
    if reader.may("register:keyperson"):
        seen["key_tags"] = list(row.key_tags or ())
    return seen


def organisation(row: Organisation, reader: Reader) -> dict:
    return dict(id=row.id, building=row.building_id, unit=row.unit_id, name=row.name, kind=row.kind,
                credit_code=row.credit_code, contact_name=row.contact_name, contact_phone=row.contact_phone_mask,
                employees=row.employees, risk_tags=list(row.risk_tags or ()), version=row.version,
                changed_at=row.changed_at.isoformat() if row.changed_at else None, changed_by=row.changed_by)


def version_data(kind: str, data: dict, reader: Reader) -> dict:
    """A stored version as the reader may see it: secrets dropped (their masks stay), tags by
    permission."""
    seen = {name: value for name, value in data.items() if not name.endswith(("_secret", "_key"))}
    if kind == "resident":
        if not reader.may("register:care"):
            seen.pop("care_tags", None)
        if not reader.may("register:keyperson"):
            seen.pop("key_tags", None)
    return seen
