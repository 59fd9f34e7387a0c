"""Who reads the register, and the log of each read (PIPL): every answer that shows people
writes one row naming each of them, who asked, from where and why. The row never holds a
number; a `reveal` names which number was shown whole.

Permissions (config.DEFAULT_ROLES): register:read and register:write (within the reader's
scope, as everywhere: a grid worker's own grids), register:care (care tags: 独居老人, 低保…),
register:keyperson (key-person tags: 社区矫正, 刑满释放…, their own permission), register:reveal
(a number shown whole on an explicit, logged "show"), register:export (files, with a reason).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ...models import PersonAccess
from ..accounts.scope import Scope

PERMISSIONS = ("register:read", "register:write", "register:care", "register:keyperson", "register:reveal",
               "register:export")


@dataclass(frozen=True)
class Reader:
    actor: str                                   # "user:alice", "cli:root"
    scope: Scope
    permissions: frozenset[str] = field(default_factory=frozenset)
    user_id: int | None = None
    role: str | None = None
    worker_id: int | None = None
    address: str | None = None                   # the client's address
    request_id: str | None = None

    def may(self, permission: str) -> bool:
        return permission in self.permissions


def log(session: Session, reader: Reader, action: str, ids, subject: str = "resident",
        field: str | None = None, reason: str | None = None) -> None:
    """One row for one answer. A search is logged even when it found no one: the question
    itself (a name, a number's key) is a look at the register."""
    ids = sorted({int(i) for i in ids})
    if not ids and action not in ("search", "export"):
        return
    session.execute(insert(PersonAccess).values(
        user_id=reader.user_id, actor=reader.actor, role=reader.role, action=action, subject=subject,
        subject_ids=ids, field=field, reason=reason, address=reader.address, request_id=reader.request_id))


LOG_COLUMNS = ("at", "actor", "role", "action", "subject", "subject_ids", "field", "reason", "address", "request_id")


def entries(session: Session, resident_id: int | None = None, actor: str | None = None,
            since: datetime | None = None, until: datetime | None = None, limit: int = 200) -> list[dict]:
    """The access log, newest first: whose record (`resident_id`), by whom (`actor`), when."""
    query = select(PersonAccess).order_by(PersonAccess.at.desc(), PersonAccess.id.desc()).limit(limit)
    if resident_id is not None:
        query = query.where(PersonAccess.subject == "resident", PersonAccess.subject_ids.contains([resident_id]))
    if actor:
        query = query.where(PersonAccess.actor.in_([actor, f"user:{actor}"]))
    if since:
        query = query.where(PersonAccess.at >= since)
    if until:
        query = query.where(PersonAccess.at < until)
    return [dict(at=row.at.isoformat(), actor=row.actor, role=row.role, action=row.action, subject=row.subject,
                 subject_ids=list(row.subject_ids), field=row.field, reason=row.reason, address=row.address,
                 request_id=row.request_id) for row in session.scalars(query)]
