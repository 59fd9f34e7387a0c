"""Each grid's register in figures, for the map and the assessment: residents, households,
houses and the share rented and vacant, organisations, elderly living alone (with
register:care), key persons (with register:keyperson), and visit coverage — the share of
houses visited in a period, beside patrol coverage."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from .access import Reader


def per_grid(session: Session, reader: Reader, since: datetime, until: datetime) -> list[dict]:
    scope, params = reader.scope.condition(session, "g")
    rows = session.execute(text(f"""
        WITH g AS (SELECT g.id, g.code, g.name_zh, g.name_en FROM grid g WHERE g.valid_to IS NULL AND {scope}),
        b AS (SELECT b.id, b.grid_id, b.population, b.households_estimated FROM building b JOIN g ON g.id = b.grid_id),
        u AS (SELECT b.grid_id, count(*) AS units, sum(u.households) AS households,
                     count(*) FILTER (WHERE u.use = 'rented') AS rented,
                     count(*) FILTER (WHERE u.use = 'vacant') AS vacant
              FROM house_unit u JOIN b ON b.id = u.building_id WHERE u.ended_at IS NULL GROUP BY b.grid_id),
        -- a counted building's population is its registered residents (entries.recount keeps
        -- it so): no need to read three hundred thousand people for a count
        p AS (SELECT b.grid_id, sum(b.population) AS residents FROM b WHERE NOT b.households_estimated
              GROUP BY b.grid_id),
        -- the few with a tag are read, the rest not at all
        r AS (SELECT b.grid_id, count(*) FILTER (WHERE 'elderly_alone' = ANY(r.care_tags)) AS elderly_alone,
                     count(*) FILTER (WHERE r.key_tags <> '{{}}') AS key_persons
              FROM resident r JOIN house_unit u ON u.id = r.unit_id AND u.ended_at IS NULL
              JOIN b ON b.id = u.building_id
              WHERE r.ended_at IS NULL AND (r.care_tags <> '{{}}' OR r.key_tags <> '{{}}') GROUP BY b.grid_id),
        o AS (SELECT b.grid_id, count(*) AS organisations FROM organisation o JOIN b ON b.id = o.building_id
              WHERE o.ended_at IS NULL GROUP BY b.grid_id),
        v AS (SELECT b.grid_id, count(DISTINCT v.unit_id) AS visited, count(*) AS visits
              FROM visit v JOIN b ON b.id = v.building_id WHERE v.at >= :since AND v.at < :until
              GROUP BY b.grid_id)
        SELECT g.code, g.name_zh, g.name_en, coalesce(u.units, 0) AS units, coalesce(u.households, 0) AS households,
               coalesce(u.rented, 0) AS rented, coalesce(u.vacant, 0) AS vacant,
               coalesce(p.residents, 0) AS residents, coalesce(r.elderly_alone, 0) AS elderly_alone,
               coalesce(r.key_persons, 0) AS key_persons, coalesce(o.organisations, 0) AS organisations,
               coalesce(v.visited, 0) AS visited, coalesce(v.visits, 0) AS visits
        FROM g LEFT JOIN u ON u.grid_id = g.id LEFT JOIN p ON p.grid_id = g.id LEFT JOIN r ON r.grid_id = g.id LEFT JOIN o ON o.grid_id = g.id
        LEFT JOIN v ON v.grid_id = g.id ORDER BY g.code"""),
        {**params, "since": since, "until": until}).mappings().all()
    found = []
    for row in rows:
        units = row["units"]
        figures = dict(grid=row["code"], name={"zh": row["name_zh"], "en": row["name_en"]}, units=units,
                       households=row["households"], residents=row["residents"],
                       organisations=row["organisations"],
                       rented_share=round(row["rented"] / units, 3) if units else None,
                       vacant_share=round(row["vacant"] / units, 3) if units else None,
                       visits=row["visits"], visited_share=round(row["visited"] / units, 3) if units else None)
        if reader.may("register:care"):
            figures["elderly_alone"] = row["elderly_alone"]
        if reader.may("register:keyperson"):
            figures["key_persons"] = row["key_persons"]
        found.append(figures)
    return found
