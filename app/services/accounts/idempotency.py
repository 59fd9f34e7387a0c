"""Idempotent requests: a retried POST with the same Idempotency-Key gets the first answer.

Phones on a flaky network send, lose the answer, and send again. The key is claimed by an
INSERT inside the request's own transaction: a concurrent retry blocks on the primary key
until the first commits (then reads its answer) or rolls back (then does the work itself).
Nothing is stored when the work fails, so a corrected retry with the same key still works.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from ...messages import Said
from ...models import IdempotentRequest

MAX_KEY_LENGTH = 200


class KeyReused(Said, ValueError):
    """The same key came with a different request: a client bug, never a retry."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict
    headers: dict


def digest(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join((method.encode(), path.encode(), body))).hexdigest()


def claim(session: Session, actor: str, key: str, request_digest: str) -> Answer | None:
    """None: the key is ours, do the work. An Answer: a retry, send this instead."""
    claimed = session.execute(text("""
        INSERT INTO idempotent_request (actor, key, request_digest) VALUES (:actor, :key, :digest)
        ON CONFLICT DO NOTHING RETURNING 1"""),
        {"actor": actor, "key": key, "digest": request_digest}).scalar()
    if claimed:
        return None
    row = session.get(IdempotentRequest, (actor, key), populate_existing=True)
    if row.request_digest != request_digest:
        raise KeyReused("idempotency.reused")
    return Answer(row.status_code, row.body, row.headers or {})


def remember(session: Session, actor: str, key: str, answer: Answer) -> None:
    session.execute(text("""
        UPDATE idempotent_request SET status_code = :status, body = CAST(:body AS jsonb),
               headers = CAST(:headers AS jsonb)
        WHERE actor = :actor AND key = :key"""),
        {"actor": actor, "key": key, "status": answer.status_code,
         "body": _json(answer.body), "headers": _json(answer.headers)})


def forget_older_than(session: Session, now: datetime, keep: timedelta) -> int:
    """Keys are kept long enough for any phone to come back online (default a week)."""
    result = session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at < now - keep))
    return result.rowcount


def _json(value) -> str:
    import json
    return json.dumps(value, ensure_ascii=False, default=str)

