"""Mapped sites (场所): a school's grounds, a hospital, a campus, a park, an industrial park, a
market — the places the field carves out of the comprehensive grids as special grids (专属网格),
each with its kind (gis_data/site_kinds.csv) and its outline as mapped."""
from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, geometry


class Site(Base):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), unique=True)     # osm:w123, osm:r45, gen:1-school
    kind: Mapped[str] = mapped_column(String(32), index=True)           # a code of site_kinds.csv
    name: Mapped[str | None] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    area_m2: Mapped[float] = mapped_column(Float)
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=False)
