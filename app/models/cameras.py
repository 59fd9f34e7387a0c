"""Video cameras (视频监控, 雪亮工程) and what each one sees."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, CheckConstraint, DateTime, Float, ForeignKey, Integer, String,
                        UniqueConstraint, func)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, geometry

CAMERA_KINDS = ("fixed", "ptz", "dome")
CAMERA_STATUSES = ("online", "offline", "maintenance")
# How a bearing was found: mapped, estimated from the ground (app/geo/facing.py), or set by a person.
BEARING_SOURCES = ("source", "wall", "road", "dome", "operator")


class Camera(Base):
    __tablename__ = "camera"
    __table_args__ = (
        CheckConstraint(f"kind IN {CAMERA_KINDS}", name="kind"),
        CheckConstraint(f"status IN {CAMERA_STATUSES}", name="status"),
        CheckConstraint("bearing IS NULL OR (bearing >= 0 AND bearing < 360)", name="bearing"),
        CheckConstraint("fov > 0 AND fov <= 360", name="fov"),
        CheckConstraint("range_m > 0", name="range"),
        CheckConstraint(f"bearing_from IS NULL OR bearing_from IN {BEARING_SOURCES}", name="bearing_from"),
        UniqueConstraint("source", "source_id", name="uq_camera_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))          # osm, csv, manual, generated
    source_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    bearing: Mapped[float | None] = mapped_column(Float)    # degrees clockwise from north
    fov: Mapped[float] = mapped_column(Float)
    range_m: Mapped[float] = mapped_column(Float)
    height_m: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="online", server_default="online")
    owner: Mapped[str | None] = mapped_column(String(100))
    # Which of bearing/fov/range_m/height_m were defaulted rather than read from the source.
    estimated: Mapped[list[str]] = mapped_column(ARRAY(String(16)), default=list,
                                                 server_default="{}")
    bearing_from: Mapped[str | None] = mapped_column(String(8))
    # Figures a person set on the wall: a re-import from the source leaves them as they are.
    set_by_operator: Mapped[list[str]] = mapped_column(ARRAY(String(16)), default=list,
                                                       server_default="{}")
    geom = mapped_column(geometry("POINT"), nullable=False)


class CameraCoverage(Base):
    __tablename__ = "camera_coverage"

    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id", ondelete="CASCADE"),
                                           primary_key=True)
    method: Mapped[str] = mapped_column(String(16))  # sector | visibility
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=False)


class CameraDirty(Base):
    """A camera whose coverage is to be recomputed (queued by triggers, migration 0009), with
    where it stood before and after the change."""

    __tablename__ = "camera_dirty"

    camera_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    geom = mapped_column(geometry("MULTIPOINT"), nullable=False)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CameraBlindSpot(Base):
    """A piece of road that no online camera sees."""

    __tablename__ = "camera_blind_spot"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    road_id: Mapped[int] = mapped_column(ForeignKey("road.id", ondelete="CASCADE"), index=True)
    length_m: Mapped[float] = mapped_column(Float)
    geom = mapped_column(geometry("LINESTRING"), nullable=False)
