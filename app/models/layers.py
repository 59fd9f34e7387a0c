"""Bookkeeping for the layers API: one version counter per served table (see migration 0003)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class LayerVersion(Base):
    __tablename__ = "layer_version"

    layer: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, server_default=text("1"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
