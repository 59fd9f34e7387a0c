"""The empty workbook a community office fills in (房屋, 实有人口, 单位), with the list of the
buildings it may register in — their codes, addresses and names as the building table holds
them, which is how a row names its building — and a guide."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from . import workbooks
from .access import Reader
from .errors import NotFound


def workbook(session: Session, reader: Reader, language: str, grid_code: str | None = None) -> tuple[bytes, int]:
    """The template, and how many buildings it lists: the grid's (`grid_code`), else every one
    in the reader's scope."""
    scope, params = reader.scope.condition(session, "b")
    if grid_code:
        grid_id = session.execute(text("SELECT id FROM grid WHERE code = :code AND valid_to IS NULL"),
                                  {"code": grid_code}).scalar()
        if grid_id is None:
            raise NotFound("register.grid_not_found", code=grid_code)
        scope, params = f"{scope} AND b.grid_id = :grid", {**params, "grid": grid_id}
    buildings = [dict(row) for row in session.execute(text(f"""
        SELECT b.source_id AS building, b.address, b.name, g.code AS grid
        FROM building b LEFT JOIN grid g ON g.id = b.grid_id
        WHERE {scope} ORDER BY g.code, b.address, b.source_id"""), params).mappings()]
    return workbooks.template(language, buildings), len(buildings)
