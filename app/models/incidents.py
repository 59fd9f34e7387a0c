"""Incidents (事件) and their append-only history, and the categories that set time limits."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Index, text, Boolean, CheckConstraint, DateTime, ForeignKey, Integer,
                        LargeBinary, SmallInteger, String, Text, func)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, geometry

LEVELS = ("grid", "community", "street")
SEVERITIES = ("low", "normal", "high", "critical")
CHANNELS = ("worker", "citizen", "camera", "hotline", "open311", "system")
# Channels a resident files through: their cases are on the public pages unless withdrawn.
CITIZEN_CHANNELS = ("citizen", "open311")
STATUSES = ("reported", "assigned", "accepted", "in_progress", "resolved", "closed",
            "rejected", "reopened", "escalated")
# Statuses in which the clock runs: someone still has to act.
OPEN_STATUSES = ("reported", "assigned", "accepted", "in_progress", "reopened", "escalated")
# What the public may see of a category's cases (services/public/view.py applies it).
VISIBILITIES = ("public", "restricted", "private")
# What a category's time limits count: every minute, or office-hour minutes on working days
# (services/city/workdays.py).
LIMIT_UNITS = ("natural", "working")


class Category(Base):
    __tablename__ = "category"
    __table_args__ = (CheckConstraint(f"default_level IN {LEVELS}", name="default_level"),
                      CheckConstraint(f"visibility IN {VISIBILITIES}", name="visibility"),
                      CheckConstraint(f"limit_unit IN {LIMIT_UNITS}", name="limit_unit"))

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    respond_within_min: Mapped[int] = mapped_column(Integer)
    resolve_within_min: Mapped[int] = mapped_column(Integer)
    default_level: Mapped[str] = mapped_column(String(16), default="grid", server_default="grid")
    complex: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    duplicate_radius_m: Mapped[int] = mapped_column(Integer, default=50, server_default="50")
    weight: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    visibility: Mapped[str] = mapped_column(String(16), default="private", server_default="private")
    limit_unit: Mapped[str] = mapped_column(String(16), default="natural", server_default="natural")


class Incident(Base):
    __tablename__ = "incident"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint(f"severity IN {SEVERITIES}", name="severity"),
        CheckConstraint(f"channel IN {CHANNELS}", name="channel"),
        CheckConstraint(f"level IN {LEVELS}", name="level"),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction"),
        CheckConstraint("rated_by IN ('resident', 'callback')", name="rated_by"),
        CheckConstraint("(reporter_phone IS NULL AND reporter_email IS NULL) OR reporter_consent_at IS NOT NULL",
                        name="contact_consented"),
        CheckConstraint("reporter_language IN ('zh', 'en')", name="reporter_language"),
        CheckConstraint("handling IN ('grid', 'department', 'both')", name="handling"),
        Index("ix_incident_open_deadlines", "due_respond_at", "due_resolve_at",
              postgresql_where=text(f"status IN {OPEN_STATUSES} AND overdue_since IS NULL")),
        # lists and layers filtered by status, paged in id order (?status=reported)
        Index("ix_incident_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"), index=True)
    severity: Mapped[str] = mapped_column(String(16), default="normal", server_default="normal")
    status: Mapped[str] = mapped_column(String(16), default="reported", server_default="reported")
    channel: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    reporter_contact: Mapped[str | None] = mapped_column(String(200))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"), index=True)
    level: Mapped[str] = mapped_column(String(16), default="grid", server_default="grid")
    # A possible duplicate found at report time (shown to the operator); merged_into once an
    # operator has merged it, both histories kept.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"))
    # the wall's charts and heat map read a period's reports (migration 0022)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    due_respond_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_resolve_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # who rated: the resident through their private link, or an operator calling back
    rated_by: Mapped[str | None] = mapped_column(String(16))
    # A resident's own contact, kept only with their consent (migration 0025) and only to tell
    # them what happened: masked for colleagues (personal.masked), never on a public surface.
    reporter_phone: Mapped[str | None] = mapped_column(String(32))
    reporter_email: Mapped[str | None] = mapped_column(String(200))
    reporter_consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # sha256 of the resident's private link token (/r/<token>); the token is never stored
    reporter_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # what the token is made from with the server's secret (services/public/reporting.py): the
    # message at close carries the link again, which is stored nowhere
    reporter_link_seed: Mapped[str | None] = mapped_column(String(200))
    # the language the resident reported in, and so is told in (services/notify; None: Chinese)
    reporter_language: Mapped[str | None] = mapped_column(String(2))
    reported_by: Mapped[str] = mapped_column(String(100), default="anonymous",
                                             server_default="anonymous")
    # "outside_grids": the point is in no current grid, so a street queue holds it;
    # "returned": a department sent it back (退回) and the dispatcher is to send it on.
    flag: Mapped[str | None] = mapped_column(String(32))
    # who handles it (models/departments.py HANDLINGS), and the department leading it now
    handling: Mapped[str] = mapped_column(String(16), default="grid", server_default="grid")
    # 挂起: since when the clock stands still (services/incidents/requests.py); None: it runs
    suspended_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # 延期: how many times its limit to resolve was moved on, approved
    extensions: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    # the city part (部件) the case is about, when the reporter named one (migration 0032)
    part_id: Mapped[int | None] = mapped_column(ForeignKey("part.id"), index=True)
    # Anonymous public reports wait for an operator before anyone is dispatched.
    triage: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when a time limit passes in the current level's window; cleared by escalation.
    overdue_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ever_overdue: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    escalations: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # What the public reads of the case instead of its description (written by an operator),
    # and an operator's say on showing it: None leaves it to the channel (citizens' reports
    # are shown), True publishes another channel's case, False withdraws one.
    public_note: Mapped[str | None] = mapped_column(Text)
    published: Mapped[bool | None] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    geom = mapped_column(geometry("POINT"), nullable=False)


class IncidentEvent(Base):
    """One step of the closed loop. Append-only: a trigger refuses UPDATE and DELETE."""

    __tablename__ = "incident_event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSONB)


class StreamPosition(Base):
    """An event's place in the live stream, given after its transaction commits by the one
    sequencer (migration 0015), so positions become visible in the order they rise: the
    stream's Last-Event-ID."""

    __tablename__ = "stream_position"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("incident_event.id"), unique=True)


class StreamUnsequenced(Base):
    """A committed event the sequencer has not numbered yet (migration 0015)."""

    __tablename__ = "stream_unsequenced"

    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class IncidentPhoto(Base):
    """A photo uploaded on its own (phones send it before the report or the feedback that
    names it), then attached to an incident and, for feedback, to the event."""

    __tablename__ = "incident_photo"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("incident_event.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), index=True)   # or a register visit's
    uploaded_by: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)   # never loaded for a list
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class IdempotentRequest(Base):
    """The first answer to a request sent with an Idempotency-Key, replayed to its retries.
    The row is claimed inside the request's own transaction, so a concurrent retry waits
    on the key and then reads the committed answer."""

    __tablename__ = "idempotent_request"

    actor: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    body: Mapped[dict | None] = mapped_column(JSONB)
    headers: Mapped[dict | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 index=True)
