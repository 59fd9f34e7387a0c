"""What anyone may see of a case, decided in one place for every public surface.

A case is shown when its category is not private, it is out of the triage queue, and either a
citizen filed it (CITIZEN_CHANNELS) or an operator published it; an operator may also withdraw
any case (incident.published: None leaves it to the channel). What is shown, and nothing else:
the code, the category, the status and its times, the community and street by name, and for a
public category the operator's public note and a place rounded to about 100 m; a restricted
category shows no note and sits at its community's point. Never the reporter's description or
contact, workers' notes or the address. The unit in charge is named no finer than the place: a
public category's grid, a restricted one's community. Photos only as an operator publishes them:
those attached to a `publish` step of a public category's case (a worker's or reporter's photo
may show a face or a number plate; an operator picks, or crops, what the public sees).

The statement selects only those columns, so nothing private is ever in hand to leak; a bbox
filters on the place as shown, so a small box cannot find a case's true position.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...models import CITIZEN_CHANNELS, OPEN_STATUSES, IncidentPhoto

PLACE_DECIMALS = 3          # 0.001° ≈ 111 m north–south, 85 m east–west at 40°N
MAX_WINDOW = timedelta(days=90)
MAX_CODES = 20
MAX_CASES = 1000
# open to the public: still being worked on, or handled and waiting to be checked
OPEN_TO_THE_PUBLIC = OPEN_STATUSES + ("resolved",)


class Refusal(ValueError):
    """A query the public surface does not answer: `key` names the message (app/messages.py)."""

    def __init__(self, name: str, key: str, **params):
        super().__init__(key)
        self.name, self.key, self.params = name, key, params


@dataclass(frozen=True)
class Query:
    codes: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    categories: tuple[str, ...] = ()
    open: bool | None = None
    bbox: tuple[float, float, float, float] | None = None

    def checked(self) -> "Query":
        if len(self.codes) > MAX_CODES:
            raise Refusal("service_request_id", "public.too_many_codes", most=MAX_CODES)
        if self.since and self.until:
            if self.since > self.until:
                raise Refusal("start_date", "public.window_reversed")
            if self.until - self.since > MAX_WINDOW:
                raise Refusal("start_date", "public.window_too_wide", days=MAX_WINDOW.days)
        return self


@dataclass(frozen=True)
class Case:
    code: str
    category: str
    category_name: dict            # {"zh": …, "en": …}
    visibility: str                # public or restricted
    status: str                    # the loop's status
    open: bool
    note: str | None               # the operator's public note (public categories only)
    merged_into: str | None        # a code, only when that case is shown too
    community: dict | None         # {"zh": …, "en": …}
    street: dict | None
    lon: float | None
    lat: float | None
    reported_at: datetime
    updated_at: datetime
    expected_at: datetime | None
    agency: dict | None = None     # the unit in charge {"zh", "en"}: grid, community or street
    photos: tuple[int, ...] = ()   # photos published with the case (public categories only)


def _shown(t: str, c: str) -> str:
    """The rule, as SQL over an incident `t` and its category `c`."""
    return (f"({c}.visibility <> 'private' AND NOT {t}.triage "
            f"AND coalesce({t}.published, {t}.channel IN {CITIZEN_CHANNELS}))")


# the photos an operator published with a case (attached to its `publish` steps)
_PUBLISHED_PHOTOS = """SELECT array_agg(ph.id ORDER BY ph.id) FROM incident_photo ph
                          JOIN incident_event e ON e.id = ph.event_id AND e.action = 'publish'
                         WHERE ph.incident_id = t.id"""

_SELECT = f"""
    SELECT t.code, t.category_code, c.name_zh AS category_zh, c.name_en AS category_en,
           c.visibility, t.status,
           CASE WHEN c.visibility = 'public' THEN t.public_note END AS note,
           (SELECT m.code FROM incident m JOIN category mc ON mc.code = m.category_code
             WHERE m.id = t.merged_into_id AND {_shown('m', 'mc')}) AS merged_into,
           cm.name_zh AS community_zh, cm.name_en AS community_en,
           st.name_zh AS street_zh, st.name_en AS street_en,
           round(ST_X(p.place)::numeric, {PLACE_DECIMALS}) AS lon,
           round(ST_Y(p.place)::numeric, {PLACE_DECIMALS}) AS lat,
           t.reported_at,
           greatest(t.reported_at, t.assigned_at, t.responded_at, t.resolved_at, t.closed_at) AS updated_at,
           t.due_resolve_at,
           CASE WHEN t.level = 'grid' AND c.visibility = 'public' AND g.id IS NOT NULL THEN g.name_zh
                WHEN t.level IN ('grid', 'community') AND cm.id IS NOT NULL THEN cm.name_zh
                ELSE st.name_zh END AS agency_zh,
           CASE WHEN t.level = 'grid' AND c.visibility = 'public' AND g.id IS NOT NULL THEN g.name_en
                WHEN t.level IN ('grid', 'community') AND cm.id IS NOT NULL THEN cm.name_en
                ELSE st.name_en END AS agency_en,
           CASE WHEN c.visibility = 'public' THEN ({_PUBLISHED_PHOTOS}) END AS photos
    FROM incident t
    JOIN category c ON c.code = t.category_code
    LEFT JOIN grid g ON g.id = t.grid_id
    LEFT JOIN area cm ON cm.id = t.community_id
    LEFT JOIN area st ON st.id = t.street_id
    CROSS JOIN LATERAL (SELECT CASE WHEN c.visibility = 'public' THEN t.geom
                                    ELSE coalesce(ST_PointOnSurface(cm.geom), ST_PointOnSurface(st.geom))
                               END AS place) p
    WHERE {_shown('t', 'c')}"""


def cases(session: Session, query: Query) -> list[Case]:
    query = query.checked()
    where, params = [], {"most": MAX_CASES}
    if query.codes:
        where.append("t.code = ANY(:codes)")
        params["codes"] = list(query.codes)
    if query.since:
        where.append("t.reported_at >= :since")
        params["since"] = query.since
    if query.until:
        where.append("t.reported_at < :until")
        params["until"] = query.until
    if query.categories:
        where.append("t.category_code = ANY(:categories)")
        params["categories"] = list(query.categories)
    if query.open is not None:
        where.append(f"{'' if query.open else 'NOT '}(t.status IN {OPEN_TO_THE_PUBLIC})")
    if query.bbox:
        # on the place as shown, rounded: a tiny box finds no more than the rounded point tells
        where.append(f"round(ST_X(p.place)::numeric, {PLACE_DECIMALS}) BETWEEN :minx AND :maxx "
                     f"AND round(ST_Y(p.place)::numeric, {PLACE_DECIMALS}) BETWEEN :miny AND :maxy")
        params.update(zip(("minx", "miny", "maxx", "maxy"), query.bbox))
    sql = _SELECT + "".join(f" AND {w}" for w in where) + " ORDER BY t.reported_at DESC, t.id DESC LIMIT :most"
    return [_case(row) for row in session.execute(text(sql), params).mappings()]


def case(session: Session, code: str) -> Case | None:
    found = cases(session, Query(codes=(code,)))
    return found[0] if found else None


def _names(zh, en) -> dict | None:
    return {"zh": zh, "en": en} if zh or en else None


def _case(row) -> Case:
    return Case(
        code=row["code"], category=row["category_code"],
        category_name={"zh": row["category_zh"], "en": row["category_en"]},
        visibility=row["visibility"], status=row["status"],
        open=row["status"] in OPEN_TO_THE_PUBLIC, note=row["note"],
        merged_into=row["merged_into"],
        community=_names(row["community_zh"], row["community_en"]),
        street=_names(row["street_zh"], row["street_en"]),
        lon=float(row["lon"]) if row["lon"] is not None else None,
        lat=float(row["lat"]) if row["lat"] is not None else None,
        reported_at=row["reported_at"], updated_at=row["updated_at"], expected_at=row["due_resolve_at"],
        agency=_names(row["agency_zh"], row["agency_en"]), photos=tuple(row["photos"] or ()))


def photo(session: Session, photo_id: int) -> IncidentPhoto | None:
    """A photo anyone may see: published with a shown case of a public category."""
    shown = session.execute(text(f"""
        SELECT p.id FROM incident_photo p
        JOIN incident_event e ON e.id = p.event_id AND e.action = 'publish'
        JOIN incident t ON t.id = p.incident_id
        JOIN category c ON c.code = t.category_code
        WHERE p.id = :id AND c.visibility = 'public' AND {_shown('t', 'c')}"""), {"id": photo_id}).scalar()
    return session.get(IncidentPhoto, shown) if shown is not None else None
