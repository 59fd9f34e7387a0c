"""Workers (网格员 and the other roles), what they answer for, and where they have been."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Index,
                        Integer, String, func)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, geometry

WORKER_ROLES = ("full_time", "part_time", "info_collector", "street_chief")


class Worker(Base):
    __tablename__ = "worker"
    __table_args__ = (CheckConstraint(f"role IN {WORKER_ROLES}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")


class WorkerAssignment(Base):
    """A worker answers for a grid or a road segment over a period."""

    __tablename__ = "worker_assignment"
    __table_args__ = (
        CheckConstraint("(grid_id IS NULL) <> (road_segment_id IS NULL)", name="one_target"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="validity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    road_segment_id: Mapped[int | None] = mapped_column(ForeignKey("road_segment.id"), index=True)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Position(Base):
    """One GPS fix. The table is range-partitioned by month (see the migration); the primary
    key (worker, time) is what makes a retried upload store each fix once."""

    __tablename__ = "position"
    __table_args__ = {"postgresql_partition_by": "RANGE (fixed_at)"}

    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), primary_key=True)
    fixed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    speed_mps: Mapped[float | None] = mapped_column(Float)
    flag: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    geom = mapped_column(geometry("POINT"), nullable=False)


class TrackDay(Base):
    """A worker's route on one day, kept after the month's fixes are dropped (retention)."""

    __tablename__ = "track_day"
    __table_args__ = (Index("ix_track_day_geom", "geom", postgresql_using="gist"),)

    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    fixes: Mapped[int] = mapped_column(Integer)
    distance_m: Mapped[float] = mapped_column(Float)
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    geom = mapped_column(geometry("MULTILINESTRING"), nullable=True)
