"""Grids (网格): the smallest unit, with their boundary history.

A grid row is never overwritten: a new boundary closes the row (valid_to) and opens a new
one (valid_from), so the division on any past date can be read back.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, geometry

GRID_KINDS = ("comprehensive", "special")


class Grid(Base):
    __tablename__ = "grid"
    __table_args__ = (
        CheckConstraint(f"kind IN {GRID_KINDS}", name="kind"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="validity"),
        CheckConstraint("site_kind IS NULL OR kind = 'special'", name="site_kind"),
        Index("uq_grid_current_code", "code", unique=True, postgresql_where=text("valid_to IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="comprehensive",
                                      server_default="comprehensive")
    # what a special grid is carved around (a code of gis_data/site_kinds.csv: school, park…)
    site_kind: Mapped[str | None] = mapped_column(String(32))
    community_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    households: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    population: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("grid_plan.id"))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=False)
