"""Grid plans (网格划分方案): proposed divisions on their way through review and filing."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (ARRAY, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String,
                        Text, func)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, geometry
from .grids import GRID_KINDS

PLAN_STATUSES = ("draft", "submitted", "approved", "rejected", "filed")


class GridPlan(Base):
    __tablename__ = "grid_plan"
    __table_args__ = (CheckConstraint(f"status IN {PLAN_STATUSES}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    filed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    effective_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # the current grids it was copied from: filing refuses a plan the division moved under
    base_grid_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list,
                                                     server_default="{}")


class GridPlanFeature(Base):
    __tablename__ = "grid_plan_feature"
    __table_args__ = (CheckConstraint(f"kind IN {GRID_KINDS}", name="kind"),
                      CheckConstraint("site_kind IS NULL OR kind = 'special'", name="site_kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("grid_plan.id", ondelete="CASCADE"), index=True)
    source_grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="comprehensive",
                                      server_default="comprehensive")
    site_kind: Mapped[str | None] = mapped_column(String(32))    # as grid.site_kind
    community_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))   # its full-time worker
    repaired: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=False)


class GridPlanEvent(Base):
    """One step of a plan's way through review and filing; nothing is overwritten."""

    __tablename__ = "grid_plan_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("grid_plan.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSONB)
    map_html: Mapped[str | None] = mapped_column(Text)     # the printable map handed on
