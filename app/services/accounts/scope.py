"""What part of the city a user may see, as SQL that PostGIS applies to every row.

A scope is a geometry: the user's area, the union of their grid set, or — for a grid worker —
the grids they currently hold. A feature is in scope when a point on it (ST_PointOnSurface)
lies inside; boundary layers may also show the neighbours that touch a worker's grids, since
those carry no personal data. Admins are not restricted.

A department's staff are the one exception to "incidents by place": they see the cases their
department has (or had) a task in, wherever those are (`incidents`); the map itself they see
within their area, or the whole city.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass
class Scope:
    everything: bool = False
    area_id: int | None = None
    grid_codes: tuple[str, ...] = ()
    worker_id: int | None = None
    department_id: int | None = None
    _ewkb: bytes | None = field(default=None, repr=False)
    _loaded: bool = field(default=False, repr=False)

    @property
    def neighbours_visible(self) -> bool:
        return self.worker_id is not None

    def geometry(self, session: Session) -> bytes | None:
        """The scope as EWKB (None: nothing at all), computed once per request."""
        if not self._loaded:
            self._ewkb = session.execute(text("""
                SELECT ST_AsEWKB(ST_Union(geom)) FROM (
                    SELECT geom FROM area WHERE id = :area
                    UNION ALL
                    SELECT geom FROM grid WHERE valid_to IS NULL AND code = ANY(:grids)
                    UNION ALL
                    SELECT g.geom FROM grid g JOIN worker_assignment a
                      ON a.grid_id = g.id AND a.valid_to IS NULL
                    WHERE a.worker_id = :worker AND g.valid_to IS NULL) s"""),
                {"area": self.area_id, "grids": list(self.grid_codes),
                 "worker": self.worker_id}).scalar_one()
            self._loaded = True
        return self._ewkb

    def condition(self, session: Session, alias: str = "t", boundary: bool = False) -> tuple[str, dict]:
        """A SQL condition on `alias.geom`, with its parameters."""
        if self.everything:
            return "TRUE", {}
        geom = self.geometry(session)
        if geom is None:
            return "FALSE", {}
        scope = "ST_GeomFromEWKB(:scope_geom)"
        if boundary and self.neighbours_visible:
            return f"ST_Intersects({alias}.geom, {scope})", {"scope_geom": geom}
        return (f"{alias}.geom && {scope} AND ST_Intersects({scope}, ST_PointOnSurface({alias}.geom))",
                {"scope_geom": geom})

    def incidents(self, session: Session, alias: str = "t") -> tuple[str, dict]:
        """The condition on incident rows `alias`: by place, or a department's by its tasks."""
        if self.department_id is not None:
            return (f"EXISTS (SELECT 1 FROM incident_task k WHERE k.incident_id = {alias}.id"
                    " AND k.department_id = :scope_department)", {"scope_department": self.department_id})
        return self.condition(session, alias)

    def holds(self, session: Session, table: str, row_id: int) -> bool:
        """Whether the row `row_id` of `table` (a name from our code, never from a request)
        lies in the scope."""
        if table == "incident" and self.department_id is not None:
            condition, params = self.incidents(session, "t")
            return bool(session.execute(text(f"SELECT {condition} FROM incident t WHERE t.id = :id"),
                                        {**params, "id": row_id}).scalar())
        if self.everything:
            return True
        condition, params = self.condition(session, "t")
        return bool(session.execute(text(f"SELECT {condition} FROM {table} t WHERE t.id = :id"),
                                    {**params, "id": row_id}).scalar())

    def holds_worker(self, session: Session, worker_id: int) -> bool:
        """Whether a worker is within the scope: a grid or road segment they hold now is.
        (A worker holding nothing is within no scope but everything.)"""
        if self.everything:
            return True
        condition, params = self.condition(session, "t")
        return bool(session.execute(text(f"""
            SELECT EXISTS (
                SELECT 1 FROM worker_assignment a
                CROSS JOIN LATERAL (SELECT g.geom FROM grid g WHERE g.id = a.grid_id AND g.valid_to IS NULL
                                    UNION ALL
                                    SELECT s.geom FROM road_segment s WHERE s.id = a.road_segment_id) t
                WHERE a.worker_id = :worker AND a.valid_to IS NULL AND {condition})"""),
            {**params, "worker": worker_id}).scalar_one())

    def contains_point(self, session: Session, lon: float, lat: float) -> bool:
        condition, params = self.condition(session, "p")
        return bool(session.execute(text(
            f"SELECT {condition} FROM (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom) p"),
            {**params, "lon": lon, "lat": lat}).scalar_one())


def scope_of(user) -> Scope:
    """`user`: an AppUser or an accounts.Principal (anything with role and scope fields)."""
    if user is None:
        return Scope()          # anonymous: nothing beyond the public endpoints
    if user.role == "admin":
        return Scope(everything=True)
    if user.role == "department":
        return Scope(everything=user.scope_area_id is None, area_id=user.scope_area_id,
                     department_id=user.department_id)
    return Scope(area_id=user.scope_area_id, grid_codes=tuple(user.scope_grid_codes or ()),
                 worker_id=user.worker_id if user.role == "worker" else None)
