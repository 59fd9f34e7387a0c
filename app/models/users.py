"""Accounts: who may see and change what, within which area."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Integer,
                        String, func)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

USER_ROLES = ("admin", "operator", "planner", "reviewer", "filer", "worker", "viewer", "department")
LANGUAGES = ("zh", "en")      # as app.messages.LANGUAGES


class AppUser(Base):
    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint(f"role IN {USER_ROLES}", name="role"),
                      CheckConstraint("(role = 'department') = (department_id IS NOT NULL)", name="department_role"),
                      CheckConstraint(f"language IN {LANGUAGES}", name="language"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    # Scope: an area (city, district, street, community), or a set of grids by code; none of
    # either sees everything (admins). A worker's scope is also the grids they hold.
    scope_area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    scope_grid_codes: Mapped[list[str] | None] = mapped_column(ARRAY(String(32)))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    # a department account's department: it sees and handles that department's cases
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # the language the server answers this account in when its request names none (zh, en);
    # None: no choice made
    language: Mapped[str | None] = mapped_column(String(2))
    # the person's name as colleagues read it on the wall and in a case's history (王敏);
    # None: their worker's name, else the username
    display_name: Mapped[str | None] = mapped_column(String(100))


class UserSession(Base):
    """A server-side login session. The cookie holds a random token; only its hash is kept,
    so a copy of this table logs nobody in."""

    __tablename__ = "user_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    """A bearer token for phones, scripts and integrations, stored hashed."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))     # shown in lists, to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One write: written by database triggers on the audited tables (see the migration), so
    that no code path can change data without leaving a row here. Append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))          # INSERT / UPDATE / DELETE / LOGIN…
    entity: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSONB)
    after: Mapped[dict | None] = mapped_column(JSONB)
