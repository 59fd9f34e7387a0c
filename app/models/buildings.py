"""The ground truth under every layer: buildings (楼栋) with households, roads (道路), the
other lines a boundary can follow on the ground (railways, rivers, compound walls), and the
road segments that street chiefs (街长) answer for."""
from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, geometry


class Building(Base):
    __tablename__ = "building"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), unique=True)  # e.g. osm:w123, gen:1-42
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(64), default="yes", server_default="yes")
    levels: Mapped[float | None] = mapped_column(Float)
    households: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    population: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    households_estimated: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=False)


class Road(Base):
    __tablename__ = "road"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    road_class: Mapped[str] = mapped_column("class", String(32))
    geom = mapped_column(geometry("LINESTRING"), nullable=False)


GROUND_LINE_KINDS = ("railway", "waterway", "water", "compound")


class GroundLine(Base):
    """A line other than a road that a grid boundary can follow and a worker can see: a railway,
    a river or canal, a shore, the outline of a residential compound (小区). Roads are kept
    apart because workers walk them (routing) and cameras watch them."""

    __tablename__ = "ground_line"
    __table_args__ = (CheckConstraint(f"kind IN {GROUND_LINE_KINDS}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))      # railway | waterway | water | compound
    name: Mapped[str | None] = mapped_column(String(200))
    geom = mapped_column(geometry("LINESTRING"), nullable=False)


class RoadSegment(Base):
    """A main road's responsibility segment under the street-chief system (街长制)."""

    __tablename__ = "road_segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    length_m: Mapped[float | None] = mapped_column(Float)
    geom = mapped_column(geometry("MULTILINESTRING"), nullable=False)
