"""Departments (协同单位): the bodies outside the grid that take the cases that are theirs —
a government department (城管, 市政), a utility, a property company (物业), a mediation
center (调解) — the routing rules that send each case to the body responsible, and the tasks
a case gives them (migration 0029)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, String,
                        func, text)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

DEPARTMENT_KINDS = ("government", "utility", "property", "mediation")
# who handles a case: the grid alone (小事不出网格), a department, or both — the department
# repairs, the grid's worker checks on site
HANDLINGS = ("grid", "department", "both")
# a department's part in a case: the lead resolves it; helpers (协办) each do and finish their part
TASK_ROLES = ("lead", "helper")
# open: given, not yet taken on; accepted: being worked on; done: its part finished (a lead's
# when the case is resolved); transferred / returned: passed on (转派) or sent back (退回);
# ended: the case closed or went elsewhere while the task was open
TASK_STATUSES = ("open", "accepted", "done", "transferred", "returned", "ended")
ACTIVE_TASK_STATUSES = ("open", "accepted")
RETURN_REASONS = ("not_ours", "wrong_place", "duplicate")


class Department(Base):
    __tablename__ = "department"
    __table_args__ = (CheckConstraint(f"kind IN {DEPARTMENT_KINDS}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    # the department's duty phone and mailbox, told of each case it is given (services/notify);
    # an office's, not a person's
    duty_phone: Mapped[str | None] = mapped_column(String(20))
    duty_email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")


class DepartmentArea(Base):
    """The streets or communities a department serves; none: the whole city."""
    __tablename__ = "department_area"

    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True)


class RoutingRule(Base):
    """category × area × severity → who handles it. A rule is never changed in place: an edit
    ends the rule (valid_to) and starts its successor, so what held on any day is kept."""
    __tablename__ = "routing_rule"
    __table_args__ = (
        CheckConstraint(f"handling IN {HANDLINGS}", name="handling"),
        CheckConstraint("(handling = 'grid') = (department_id IS NULL)", name="department_when_needed"),
        CheckConstraint("severity IN ('low', 'normal', 'high', 'critical')", name="severity"),
        # one rule in force per combination (an empty part: any)
        Index("uq_routing_rule_in_force", text("coalesce(category_code, '')"), text("coalesce(area_id, 0)"),
              text("coalesce(severity, '')"), unique=True, postgresql_where=text("valid_to IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_code: Mapped[str | None] = mapped_column(ForeignKey("category.code"))     # None: any
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))                 # None: anywhere
    severity: Mapped[str | None] = mapped_column(String(16))                           # None: any
    handling: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(500))


class IncidentTask(Base):
    """A department's part in one case: the lead's, or a helper's (协办), each with its own state."""
    __tablename__ = "incident_task"
    __table_args__ = (
        CheckConstraint(f"role IN {TASK_ROLES}", name="role"),
        CheckConstraint(f"status IN {TASK_STATUSES}", name="status"),
        # a department's list: its open tasks
        Index("ix_incident_task_queue", "department_id", "incident_id",
              postgresql_where=text(f"status IN {ACTIVE_TASK_STATUSES}")),
        # at most one active task per department in a case, and one active lead
        Index("uq_incident_task_active", "incident_id", "department_id", unique=True,
              postgresql_where=text(f"status IN {ACTIVE_TASK_STATUSES}")),
        Index("uq_incident_task_lead", "incident_id", unique=True,
              postgresql_where=text(f"role = 'lead' AND status IN {ACTIVE_TASK_STATUSES}")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    role: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the event that gave the task, and the one that finished it
    given_by_event_id: Mapped[int | None] = mapped_column(ForeignKey("incident_event.id"))
    finished_by_event_id: Mapped[int | None] = mapped_column(ForeignKey("incident_event.id"))


REQUEST_KINDS = ("suspend", "extend")
REQUEST_REASONS = ("resident", "parts", "weather", "other")
# dropped: the case moved on (resolved, closed, sent elsewhere) before anyone decided
REQUEST_STATUSES = ("pending", "approved", "refused", "dropped")


class IncidentRequest(Base):
    """A handler's request to suspend a case (挂起) or extend its limit (延期), and the
    dispatcher's decision."""
    __tablename__ = "incident_request"
    __table_args__ = (
        CheckConstraint(f"kind IN {REQUEST_KINDS}", name="kind"),
        CheckConstraint(f"reason IN {REQUEST_REASONS}", name="reason"),
        CheckConstraint(f"status IN {REQUEST_STATUSES}", name="status"),
        CheckConstraint("(kind = 'extend') = (until IS NOT NULL)", name="until_for_extend"),
        Index("uq_incident_request_pending", "incident_id", unique=True, postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(16))
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))     # an extension's new limit
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    asked_by: Mapped[str] = mapped_column(String(100))
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    asked_event_id: Mapped[int | None] = mapped_column(ForeignKey("incident_event.id"))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_event_id: Mapped[int | None] = mapped_column(ForeignKey("incident_event.id"))
