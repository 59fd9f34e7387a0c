"""Accounts: who may see and change what, within which area."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

USER_ROLES = ("admin", "operator", "planner", "reviewer", "filer", "worker", "viewer")


class AppUser(Base):
    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint(f"role IN {USER_ROLES}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    scope_area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
