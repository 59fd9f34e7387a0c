"""City parts (部件): street lamps, hydrants, manhole covers, bins, benches, bus stops… as points
with a kind and a status, in the grid that holds them; their kinds follow the national
classification for digital city management (GB/T 30428.2, 管理部件和事件) with its code kept
beside our names; and which of the standard's classes each incident category is.

The kinds and the category classes are data (gis_data/part_kinds.csv,
gis_data/category_standard.csv), loaded by services/register/parts.py.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, geometry

# The standard's major classes (大类) of parts: 公用设施, 道路交通, 市容环境, 园林绿化, 房屋土地, 其他设施
PART_GROUPS = ("01", "02", "03", "04", "05", "06")
# in use, damaged, missing (stolen, lost), out of use, removed: a removed part is kept, since
# incidents name it, and leaves the map
PART_STATUSES = ("in_use", "damaged", "missing", "disused", "removed")
# whether the standard files a category's cases as events (事件) or as parts' cases (部件)
STANDARD_KINDS = ("event", "part")


class PartKind(Base):
    """A kind of part, ours (`code`) beside the standard's small class (小类) it falls in."""

    __tablename__ = "part_kind"
    __table_args__ = (CheckConstraint(f"group_code IN {PART_GROUPS}", name="group_code"),
                      CheckConstraint("standard_code ~ '^[0-9]{4}$'", name="standard_code"))

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    group_code: Mapped[str] = mapped_column(String(2))
    # None where the standard's code could not be confirmed (the data file says why)
    standard_code: Mapped[str | None] = mapped_column(String(4))
    standard_name: Mapped[str | None] = mapped_column(String(100))


class Part(Base):
    __tablename__ = "part"
    __table_args__ = (CheckConstraint(f"status IN {PART_STATUSES}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(100), unique=True)    # osm:n123, csv:<source>:<id>
    kind: Mapped[str] = mapped_column(ForeignKey("part_kind.code"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="in_use", server_default="in_use")
    name: Mapped[str | None] = mapped_column(String(200))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    geom = mapped_column(geometry("POINT"), nullable=False)


class CategoryStandard(Base):
    """The standard's class an incident category's cases belong to, where one matches."""

    __tablename__ = "category_standard"
    __table_args__ = (CheckConstraint(f"standard_kind IN {STANDARD_KINDS}", name="standard_kind"),
                      CheckConstraint("standard_code ~ '^[0-9]{2}([0-9]{2})?$'", name="standard_code"))

    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"), primary_key=True)
    standard_kind: Mapped[str] = mapped_column(String(8))
    class_zh: Mapped[str] = mapped_column(String(100))
    class_en: Mapped[str] = mapped_column(String(100))
    standard_code: Mapped[str | None] = mapped_column(String(4))
    note: Mapped[str | None] = mapped_column(String(300))
