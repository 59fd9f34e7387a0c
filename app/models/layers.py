"""Bookkeeping for the layers API: version counters per served table (migrations 0003, 0007)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, SmallInteger, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class LayerVersion(Base):
    """A layer's version is the sum of its shards: each database backend bumps the shard of
    its process id, so concurrent writers do not wait on one row."""

    __tablename__ = "layer_version"

    layer: Mapped[str] = mapped_column(Text, primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default=text("0"))
    version: Mapped[int] = mapped_column(BigInteger, server_default=text("1"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
