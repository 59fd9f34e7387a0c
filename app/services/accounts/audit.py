"""The audit log: who changed what, when, with before and after.

Rows are written by database triggers (migration 0002), so every write to an audited table is
logged whichever code path made it. This module tells the database who is acting: each
transaction starts by setting `gridmap.actor` and `gridmap.request_id` from the current
context. Bulk loads turn the per-row log off and record one summary row instead.
"""
from __future__ import annotations

import getpass
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime

import psycopg
from psycopg import pq
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ... import csvfile
from ...models import AuditEntry


@dataclass(frozen=True)
class Actor:
    name: str                       # "user:alice", "cli:root", "anonymous"
    request_id: str | None = None
    per_row: bool = True            # False during bulk loads
    # Reads (GET) skip telling the database who they are: one round trip less on the hot
    # path. A write they make anyway (the sign-in bookkeeping) is still logged, under the
    # database user's name.
    tell_database: bool = True


# Outside a request (flask commands, scripts) the actor is the operating-system user.
_current: ContextVar[Actor] = ContextVar("gridmap_actor", default=Actor(f"cli:{getpass.getuser()}"))


def current() -> Actor:
    return _current.get()


def act_as(actor: Actor):
    """Make `actor` the author of writes in this context; returns a token for `restore`."""
    return _current.set(actor)


def restore(token) -> None:
    _current.reset(token)


@contextmanager
def bulk_load(session: Session, action: str, summary: dict):
    """Writes inside are not logged row by row; one row records the load and its figures.
    The settings are transaction-local, so they end with the transaction."""
    token = _current.set(replace(current(), per_row=False))
    try:
        session.execute(text("SELECT set_config('gridmap.audit', 'off', true)"))
        yield summary
        session.execute(text("SELECT set_config('gridmap.audit', 'on', true)"))
        record(session, action, "bulk", None, None, summary)
    finally:
        _current.reset(token)


def bind(connection) -> None:
    """Run at the start of every transaction (db.py): the triggers read these settings.

    The driver would send BEGIN on its own as the transaction's first round trip. This sends
    it here, with the settings, as one simple-protocol query through libpq (which lets other
    threads run while it waits): one round trip and almost no Python. A pipeline did the
    same in one round trip, but its machinery cost 0.7 ms of CPU per report, an eighth of
    the server's whole share (py-spy, holding the GIL, during the intake benchmark)."""
    actor = current()
    if not actor.tell_database:
        return
    driver = connection.connection.driver_connection
    pgconn = driver.pgconn
    literal = pq.Escaping(pgconn).escape_literal
    settings = (b"SELECT set_config('gridmap.actor', " + literal(actor.name.encode()) + b", true), "
                b"set_config('gridmap.request_id', " + literal((actor.request_id or "").encode())
                + b", true), set_config('gridmap.audit', "
                + (b"'on'" if actor.per_row else b"'off'") + b", true)")
    if pgconn.transaction_status != pq.TransactionStatus.IDLE:
        driver.execute(settings)        # already in a transaction: the settings alone
        return
    result = pgconn.exec_(b"BEGIN; " + settings)
    if result.status != pq.ExecStatus.TUPLES_OK:
        raise psycopg.OperationalError(
            f"could not start the transaction: {pgconn.error_message.decode(errors='replace')}")


def record(session: Session, action: str, entity: str, entity_id: str | None,
           before: dict | None, after: dict | None) -> None:
    """A row for something that is not a table write: a login, a bulk load, a token use."""
    actor = current()
    session.add(AuditEntry(actor=actor.name, request_id=actor.request_id, action=action,
                           entity=entity, entity_id=entity_id, before=before, after=after))


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0


def entries(session: Session, f: AuditFilter) -> list[dict]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if f.actor:
        query = query.where(AuditEntry.actor == f.actor)
    if f.entity:
        query = query.where(AuditEntry.entity == f.entity)
    if f.entity_id:
        query = query.where(AuditEntry.entity_id == f.entity_id)
    if f.action:
        query = query.where(AuditEntry.action == f.action.upper())
    if f.since:
        query = query.where(AuditEntry.at >= f.since)
    if f.until:
        query = query.where(AuditEntry.at < f.until)
    rows = session.scalars(query.limit(f.limit).offset(f.offset)).all()
    return [dict(id=r.id, at=r.at.isoformat(), actor=r.actor, request_id=r.request_id,
                 action=r.action, entity=r.entity, entity_id=r.entity_id, before=r.before,
                 after=r.after) for r in rows]


def as_csv(rows: list[dict]) -> str:
    columns = ["id", "at", "actor", "request_id", "action", "entity", "entity_id", "before", "after"]
    return csvfile.table(columns, ([json.dumps(row[c], ensure_ascii=False) if c in ("before", "after")
                                    and row[c] is not None else row[c] for c in columns] for row in rows))
