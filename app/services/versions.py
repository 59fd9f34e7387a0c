"""What the layers' ETags are made of: a counter per table that a trigger bumps when a write
commits (migrations 0003, 0005, 0007; summed over its shards). Reading it costs one indexed lookup, so a client
that already holds the current answer gets 304 without the layer query being run."""
from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session

from .scope import Scope

FORMAT = "1"     # bump when the shape of the answers changes


def etag(session: Session, tables: tuple[str, ...], scope: Scope, request_key: str) -> str:
    if not scope.everything:      # the scope itself is made of areas, grids and assignments
        tables = (*tables, "area", "grid", "worker_assignment")
    rows = session.execute(text("SELECT layer, sum(version) FROM layer_version "
                                "WHERE layer = ANY(:t) GROUP BY layer"),
                           {"t": list(tables)}).all()
    versions = ",".join(f"{layer}:{version}" for layer, version in sorted(rows))
    who = (f"{scope.everything}|{scope.area_id}|{','.join(scope.grid_codes)}|{scope.worker_id}")
    digest = hashlib.sha256(f"{FORMAT}|{versions}|{who}|{request_key}".encode()).hexdigest()[:32]
    return f'W/"{digest}"'
