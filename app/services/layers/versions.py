"""What the layers' ETags are made of: a counter per table that a trigger bumps when a write
commits (migrations 0003, 0005, 0007; summed over its shards). Reading it costs one indexed
lookup, so a client that already holds the current answer gets 304 without the layer query
being run; a client that holds nothing gets the versions read by the layer query itself."""
from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..accounts.scope import Scope

FORMAT = "1"     # bump when the shape of the answers changes


def read_sql(tables: tuple[str, ...], scope: Scope) -> tuple[str, dict]:
    """A scalar subquery giving the versions the answer depends on, as one text, and its
    parameters: to be read in the same statement as the answer, one round trip for both."""
    if not scope.everything:      # the scope itself is made of areas, grids and assignments
        tables = (*tables, "area", "grid", "worker_assignment")
    return ("(SELECT string_agg(layer || ':' || version, ',' ORDER BY layer) FROM ("
            "SELECT layer, sum(version) AS version FROM layer_version "
            "WHERE layer = ANY(:version_layers) GROUP BY layer) v)",
            {"version_layers": sorted(set(tables))})


def tag(versions: str | None, scope: Scope, request_key: str) -> str:
    """The ETag of an answer made from these versions for this scope and request."""
    who = (f"{scope.everything}|{scope.area_id}|{','.join(scope.grid_codes)}|{scope.worker_id}")
    digest = hashlib.sha256(f"{FORMAT}|{versions or ''}|{who}|{request_key}".encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def etag(session: Session, tables: tuple[str, ...], scope: Scope, request_key: str) -> str:
    sql, params = read_sql(tables, scope)
    return tag(session.execute(text(f"SELECT {sql}"), params).scalar_one(), scope, request_key)
