"""The grid's base register (人、房、单位): the houses of a building, the people living in them,
the organisations housed there, the grid worker's visits, every version of each entry, and the
log of every read of a person's record.

A person's ID number and phone are never stored as text: `*_secret` holds them encrypted (a
Fernet token, key from settings), `*_key` a keyed hash to find them by, and `*_mask` what any
colleague may see (前6后4, 138****1111). services/register/protect.py is the one place that
writes and reads them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, DateTime, Float, ForeignKey, Index, Integer,
                        LargeBinary, SmallInteger, String, func, text)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, geometry

UNIT_USES = ("owner", "rented", "vacant", "shop", "office", "other")
REGISTRATIONS = ("local", "floating", "overseas")          # 户籍 / 流动 / 境外
RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "tenant", "other")
SEXES = ("F", "M")
CARE_TAGS = ("elderly_alone", "disabled", "low_income", "left_behind_child")
KEY_TAGS = ("community_correction", "released_prisoner", "mental_disorder", "drug_user", "petitioner")
ORGANISATION_KINDS = ("shop", "restaurant", "company", "factory", "warehouse", "hotel", "school", "clinic",
                      "social", "other")
RISK_TAGS = ("fire", "food", "hazardous_goods")
REGISTER_KINDS = ("unit", "resident", "organisation")
VERSION_ACTIONS = ("added", "changed", "ended")
ACCESS_ACTIONS = ("list", "read", "search", "reveal", "history", "export")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN {values}"


def _within(column: str, values: tuple[str, ...]) -> str:
    return f"{column} <@ ARRAY{list(values)}::varchar[]"


class _Versioned:
    """Kept, not deleted: an ended entry leaves the register and stays in its history."""
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    changed_by: Mapped[str] = mapped_column(String(100))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class HouseUnit(_Versioned, Base):
    """A house (房屋): one unit of a building, by entrance (单元), floor and room."""

    __tablename__ = "house_unit"
    __table_args__ = (
        CheckConstraint(_in("use", UNIT_USES), name="use"),
        CheckConstraint("floor_area IS NULL OR floor_area > 0 AND floor_area < 100000", name="floor_area"),
        CheckConstraint("households >= 0 AND households < 1000", name="households"),
        CheckConstraint("floor IS NULL OR floor BETWEEN -10 AND 200", name="floor"),
        Index("uq_house_unit_place", "building_id", text("coalesce(entrance, '')"), text("coalesce(floor, -99)"),
              "room", unique=True, postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    entrance: Mapped[str | None] = mapped_column(String(16))
    floor: Mapped[int | None] = mapped_column(SmallInteger)
    room: Mapped[str] = mapped_column(String(16))
    use: Mapped[str] = mapped_column(String(16))
    floor_area: Mapped[float | None] = mapped_column(Float)
    households: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")


class Resident(_Versioned, Base):
    """A person living in a house (实有人口)."""

    __tablename__ = "resident"
    __table_args__ = (
        CheckConstraint(_in("sex", SEXES), name="sex"),
        CheckConstraint(_in("registration", REGISTRATIONS), name="registration"),
        CheckConstraint(_in("relation", RELATIONS), name="relation"),
        CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1880 AND 2200", name="birth_year"),
        CheckConstraint(_within("care_tags", CARE_TAGS), name="care_tags"),
        CheckConstraint(_within("key_tags", KEY_TAGS), name="key_tags"),
        # a number is all three or none: never a mask without its secret, never a secret unfindable
        CheckConstraint("(id_number_secret IS NULL) = (id_number_key IS NULL)"
                        " AND (id_number_key IS NULL) = (id_number_mask IS NULL)", name="id_number_whole"),
        CheckConstraint("(phone_secret IS NULL) = (phone_key IS NULL)"
                        " AND (phone_key IS NULL) = (phone_mask IS NULL)", name="phone_whole"),
        Index("ix_resident_id_number_key", "id_number_key", postgresql_where=text("ended_at IS NULL")),
        Index("ix_resident_phone_key", "phone_key", postgresql_where=text("ended_at IS NULL")),
        Index("ix_resident_name", "name", postgresql_ops={"name": "varchar_pattern_ops"},
              postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("house_unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    id_number_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_mask: Mapped[str | None] = mapped_column(String(24))
    phone_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_mask: Mapped[str | None] = mapped_column(String(24))
    registration: Mapped[str] = mapped_column(String(16), default="local", server_default="local")
    relation: Mapped[str] = mapped_column(String(16), default="head", server_default="head")
    care_tags: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list, server_default="{}")
    key_tags: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list, server_default="{}")


class Organisation(_Versioned, Base):
    """An organisation or shop (单位/商户) housed in a building."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint(_in("kind", ORGANISATION_KINDS), name="kind"),
        CheckConstraint(_within("risk_tags", RISK_TAGS), name="risk_tags"),
        CheckConstraint("employees IS NULL OR employees BETWEEN 0 AND 1000000", name="employees"),
        CheckConstraint("(contact_phone_secret IS NULL) = (contact_phone_key IS NULL)"
                        " AND (contact_phone_key IS NULL) = (contact_phone_mask IS NULL)", name="contact_phone_whole"),
        Index("uq_organisation_credit_code", "credit_code", unique=True,
              postgresql_where=text("ended_at IS NULL AND credit_code IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("house_unit.id"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    credit_code: Mapped[str | None] = mapped_column(String(18))     # 统一社会信用代码, public by law
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_phone_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_phone_mask: Mapped[str | None] = mapped_column(String(24))
    employees: Mapped[int | None] = mapped_column(Integer)
    risk_tags: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list, server_default="{}")


class RegisterVersion(Base):
    """Every version of every register entry, with its author: nothing is overwritten. Personal
    numbers are kept as their secrets here too, never as text."""

    __tablename__ = "register_version"
    __table_args__ = (
        CheckConstraint(_in("kind", REGISTER_KINDS), name="kind"),
        CheckConstraint(_in("action", VERSION_ACTIONS), name="action"),
        Index("uq_register_version_entry", "kind", "entry_id", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    entry_id: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    by: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict] = mapped_column(JSONB)


class Visit(Base):
    """A grid worker's visit to a building or a household (上门走访), made on the phone, perhaps
    offline: `client_key` makes a resend the same visit."""

    __tablename__ = "visit"
    __table_args__ = (
        CheckConstraint("distance_m IS NULL OR distance_m >= 0", name="distance_m"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("house_unit.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"), index=True)
    by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    geom = mapped_column(geometry("POINT"))
    distance_m: Mapped[float | None] = mapped_column(Float)
    far: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    met: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(2000))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"))
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class PersonAccess(Base):
    """Who read whose record, when, from where and why (PIPL): one row per answer that showed
    people, naming each of them. Never a number in it."""

    __tablename__ = "person_access"
    __table_args__ = (
        CheckConstraint(_in("action", ACCESS_ACTIONS), name="action"),
        CheckConstraint(_in("subject", ("resident", "organisation")), name="subject"),
        Index("ix_person_access_subjects", "subject_ids", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(16), default="resident", server_default="resident")
    subject_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    field: Mapped[str | None] = mapped_column(String(16))          # what a "reveal" showed whole
    reason: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
