"""The city's own say on which days are working days (调休 and holidays it adds or moves),
over China's statutory calendar (services/city/workdays.py)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class WorkCalendarDay(Base):
    __tablename__ = "work_calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
