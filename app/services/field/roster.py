"""Who can be sent: workers found by name or code for a dispatcher, each with the grids and
communities they hold now, so that the card can mark one from outside the incident's community."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..accounts.scope import Scope

# a worker's current grids and their communities, by name
_HOLDS = """
    (SELECT coalesce(json_agg(json_build_object('code', g.code, 'zh', g.name_zh, 'en', g.name_en)
                              ORDER BY g.code), '[]'::json)
       FROM worker_assignment a JOIN grid g ON g.id = a.grid_id AND g.valid_to IS NULL
      WHERE a.worker_id = w.id AND a.valid_to IS NULL) AS grids,
    (SELECT coalesce(array_agg(DISTINCT c.code), '{}')
       FROM worker_assignment a JOIN grid g ON g.id = a.grid_id AND g.valid_to IS NULL
       JOIN area c ON c.id = g.community_id
      WHERE a.worker_id = w.id AND a.valid_to IS NULL) AS communities"""


def search(session: Session, scope: Scope, query: str, limit: int = 10) -> list[dict]:
    """Active grid workers in scope whose name or code holds `query`, names first."""
    condition, params = scope.condition(session, "g")
    rows = session.execute(text(f"""
        SELECT w.id, w.code, w.name_zh, w.name_en, w.role, {_HOLDS}
        FROM worker w
        WHERE w.active AND w.role IN ('full_time', 'part_time')
          AND (w.name_zh ILIKE :q OR w.name_en ILIKE :q OR w.code ILIKE :q)
          AND EXISTS (SELECT 1 FROM worker_assignment a JOIN grid g ON g.id = a.grid_id AND g.valid_to IS NULL
                      WHERE a.worker_id = w.id AND a.valid_to IS NULL AND {condition})
        ORDER BY (w.name_zh ILIKE :starts OR w.name_en ILIKE :starts) DESC, w.name_zh, w.code
        LIMIT :limit"""),
        {**params, "q": f"%{_escaped(query)}%", "starts": f"{_escaped(query)}%", "limit": limit}).mappings()
    return [_shaped(r) for r in rows]


def holdings(session: Session, worker_ids: list[int]) -> dict[int, dict]:
    """{worker id: {"grids": [...], "communities": [codes]}} for the workers named."""
    rows = session.execute(text(f"SELECT w.id, {_HOLDS} FROM worker w WHERE w.id = ANY(:ids)"),
                           {"ids": worker_ids}).mappings()
    return {r["id"]: {"grids": r["grids"], "communities": list(r["communities"])} for r in rows}


def _shaped(r) -> dict:
    return {"worker_id": r["id"], "worker": r["code"], "name": {"zh": r["name_zh"], "en": r["name_en"]},
            "role": r["role"], "grids": r["grids"], "communities": list(r["communities"])}


def _escaped(query: str) -> str:
    return query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
