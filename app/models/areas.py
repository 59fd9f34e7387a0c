"""The administrative hierarchy: city → district → street (街道) → community (社区)."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, geometry

AREA_LEVELS = ("city", "district", "street", "community")


class Area(Base):
    __tablename__ = "area"
    __table_args__ = (
        CheckConstraint(f"level IN {AREA_LEVELS}", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    households: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    population: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=False)

    parent: Mapped["Area | None"] = relationship(remote_side=[id])
