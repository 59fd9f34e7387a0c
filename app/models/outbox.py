"""The outbox of messages to reporters (migration 0026): one row per step they are told of and
channel, written in the step's own transaction, sent after commit (services/notify)."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (BigInteger, CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, String,
                        Uuid, func, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

MESSAGE_CHANNELS = ("sms", "email")
# the steps a reporter is told of, named as what happened to their report
TOLD_STEPS = ("accepted", "resolved", "rejected", "closed")
# and what a department is told: a task given to it (migration 0029)
MESSAGE_STEPS = TOLD_STEPS + ("task",)
# pending: to send (at next_attempt_at); dead: failed too often, kept until someone sends it
# again; cancelled: nothing to send to any more (the contact was erased)
MESSAGE_STATUSES = ("pending", "sent", "dead", "cancelled")


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(f"channel IN {MESSAGE_CHANNELS}", name="channel"),
        CheckConstraint(f"step IN {MESSAGE_STEPS}", name="step"),
        CheckConstraint(f"status IN {MESSAGE_STATUSES}", name="status"),
        # a step is told once per channel, however often its transaction's code runs
        # (and per department: one step may give tasks to several)
        Index("uq_outbox_message_event_channel", "event_id", "channel", text("coalesce(department_id, 0)"),
              unique=True),
        Index("ix_outbox_message_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_outbox_message_backlog", "channel", postgresql_where=text("status IN ('pending', 'dead')")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # the message's identity outside: the e-mail's Message-ID, the SMS request's Idempotency-Key
    key: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("incident_event.id"))
    # to a department's duty phone or mailbox; None: to the reporter
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    channel: Mapped[str] = mapped_column(String(8))
    step: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    # what is said, as facts (code, category, the time promised, the note): put in words when sent
    params: Mapped[dict] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # the database's clock, not the step's: a step may be dated by its caller
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the kind of failure and the server's code, never its words about the recipient
    last_error: Mapped[str | None] = mapped_column(String(200))
