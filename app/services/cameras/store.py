"""Cameras written from their sources (an OSM extract, a CSV file): one upsert that refreshes
what the source says and keeps what a person set on the wall (camera.set_by_operator), so a
re-import never undoes an operator's correction. A bearing the source gives is marked as the
source's; one it leaves out is estimated from the ground when the coverage is next cast."""
from __future__ import annotations

from typing import Callable

import sqlalchemy as sa
from geoalchemy2.shape import from_shape
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ...models import Camera

BATCH = 2000


def upsert(session: Session, rows: list[dict], columns: tuple[str, ...],
           progress: Callable[[str, int], None] = lambda what, n: None) -> None:
    """`rows` keyed by column name (geom a Shapely point); `columns`: what a re-import refreshes."""
    table = Camera.__table__
    people = table.c.set_by_operator
    for start in range(0, len(rows), BATCH):
        batch = [{**r, "geom": from_shape(r["geom"], srid=4326),
                  "bearing_from": None if "bearing" in r.get("estimated", ()) else "source"}
                 for r in rows[start:start + BATCH]]
        statement = insert(table).values(batch)
        new = statement.excluded
        refreshed = {c: sa.case((sa.any_(people) == c, table.c[c]), else_=new[c])
                     for c in columns if c != "estimated"}
        if "estimated" in columns:      # what the source leaves out, less what a person set
            refreshed["estimated"] = sa.literal_column(
                "ARRAY(SELECT x FROM unnest(excluded.estimated) AS x WHERE NOT x = ANY(camera.set_by_operator))")
        refreshed["bearing_from"] = sa.case((sa.any_(people) == "bearing", table.c.bearing_from),
                                            else_=new.bearing_from)
        session.execute(statement.on_conflict_do_update(index_elements=["source", "source_id"], set_=refreshed))
        progress("write", len(batch))
