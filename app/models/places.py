"""Where the ground's own names come from: the administrative boundaries and named places of
an OpenStreetMap extract, which name the areas `generate areas` derives."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, geometry

ADMIN_LEVELS = (8, 9, 10)
PLACE_KINDS = ("city", "town", "village", "suburb", "quarter", "neighbourhood")


class Place(Base):
    """An administrative boundary (`admin_level`, an outline) or a named place (`place`, a point
    or an outline), or both at once: a municipality's boundary often carries place=city."""

    __tablename__ = "place"
    __table_args__ = (
        CheckConstraint(f"admin_level IN {ADMIN_LEVELS}", name="admin_level"),
        CheckConstraint(f"place IN {PLACE_KINDS}", name="place"),
        CheckConstraint("admin_level IS NOT NULL OR place IS NOT NULL", name="what"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), unique=True)   # osm:r123, osm:n45
    admin_level: Mapped[int | None] = mapped_column(Integer)
    place: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))                      # the local name
    name_zh: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    geom = mapped_column(geometry("GEOMETRY"), nullable=False)          # POINT or MULTIPOLYGON
