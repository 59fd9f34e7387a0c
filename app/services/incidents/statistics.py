"""The figures behind the command-center wall's charts: one SQL aggregate per panel, scoped like
everything else, merged incidents left out (they are counted in the incident they joined).

Days and hours are the city's (`zone`): a report at 09:30 in Shanghai is in hour 9 and on that
day, though it is 01:30 UTC. Late, overdue and known are lateness.py's, judged as of `now`.

Every bar, slice or point carries a `filter`: the incident list's query parameters
(views.FILTERS, GET /api/v1/incidents) that list exactly the incidents behind it, so a click
on the chart opens them. A datum with more counts than its bar (a category's open and late
ones, a day's closed ones) carries `filters` too, one per count.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...messages import Said
from ...models import CHANNELS, OPEN_STATUSES
from ..accounts.scope import Scope
from . import lateness

PERIODS = ("today", "7d", "30d", "month")
DAYS = 30                       # the panel of the last days, whatever the period

_OPEN = f"t.status IN {OPEN_STATUSES}"
_IN_PERIOD = "t.reported_at >= :start AND t.reported_at < :end"


class UnknownPeriod(Said, ValueError):
    """A period the charts do not know; `name` is the parameter's, for the API's answer."""

    name = "period"

    def __init__(self, value: str):
        super().__init__("param.one_of", name="period", known=PERIODS)
        self.value = value


@dataclass(frozen=True)
class Period:
    """The local days from `start` (a midnight in the city) up to `end`, the midnight that ends
    today: the period's figures count incidents reported in [start, end)."""

    name: str
    start: datetime
    end: datetime

    def as_dict(self) -> dict:
        return {"name": self.name, "start": self.start.isoformat(), "end": self.end.isoformat()}


def zone_of(zone: str | tzinfo) -> tzinfo:
    return ZoneInfo(zone) if isinstance(zone, str) else zone


def zone_name(zone: tzinfo) -> str:
    """The IANA name SQL's AT TIME ZONE takes."""
    return getattr(zone, "key", None) or str(zone)


def period(name: str, now: datetime, zone: str | tzinfo) -> Period:
    """today: since local midnight; 7d and 30d: the last 7 or 30 local days, today included;
    month: since the 1st of this local month."""
    zone = zone_of(zone)
    today = now.astimezone(zone).date()
    first = {"today": today, "7d": today - timedelta(days=6), "30d": today - timedelta(days=29),
             "month": today.replace(day=1)}.get(name)
    if first is None:
        raise UnknownPeriod(name)
    return Period(name, midnight(first, zone), midnight(today + timedelta(days=1), zone))


def midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def listed(**filters) -> dict[str, str]:
    """The incident list's filters for some incidents of these figures (never a merged one),
    as the query parameters a client sends: text, times in ISO 8601 with their offset."""
    return {"merged": "false",
            **{name: value.isoformat() if isinstance(value, datetime) else str(value)
               for name, value in filters.items()}}


def without_jit(session: Session) -> None:
    """For the rest of the session's transaction, no JIT compiling: PostGIS's functions are
    costed so high (ST_Transform 10,000) that any aggregate over a few thousand incidents
    passes jit_above_cost, and compiling took 120 ms of the heat map's 130 (9 ms without)."""
    session.execute(text("SET LOCAL jit = off"))


def _common(session: Session, scope: Scope) -> tuple[str, dict]:
    condition, params = scope.incidents(session, "t")
    return f"t.merged_into_id IS NULL AND {condition}", params


def _reported(within: Period | tuple[datetime, datetime]) -> dict:
    start, end = (within.start, within.end) if isinstance(within, Period) else within
    return {"since": start, "until": end}


def _count_of(column: str, value: str) -> str:
    """SQL: how many rows hold `value` (one of our own codes) in `column`, named after it."""
    return f"count(*) FILTER (WHERE {column} = '{value}') AS \"{value}\""


def _rate(known: int, late: int) -> float | None:
    return round((known - late) / known, 3) if known else None


# -- the panels ---------------------------------------------------------------------------------

def by_hour(session: Session, scope: Scope, now: datetime, zone: str | tzinfo) -> dict:
    """Today's reports per local hour 0–23, beside yesterday's and those of the same weekday
    last week: {"series": {"today" | "yesterday" | "last_week": {"date", "points": [{"hour",
    "count", "filter"}] × 24}}}."""
    zone = zone_of(zone)
    today = now.astimezone(zone).date()
    days = {"today": today, "yesterday": today - timedelta(days=1), "last_week": today - timedelta(days=7)}
    common, params = _common(session, scope)
    for name, day in days.items():
        params[f"{name}_start"] = midnight(day, zone)
        params[f"{name}_end"] = midnight(day + timedelta(days=1), zone)
    within = {name: f"(t.reported_at >= :{name}_start AND t.reported_at < :{name}_end)" for name in days}
    rows = session.execute(text(f"""
        WITH counted AS (
            SELECT extract(hour FROM t.reported_at AT TIME ZONE :zone)::int AS hour,
                   {", ".join(f"count(*) FILTER (WHERE {sql}) AS {name}" for name, sql in within.items())}
            FROM incident t
            WHERE ({" OR ".join(within.values())}) AND {common}
            GROUP BY 1)
        SELECT h.hour, {", ".join(f"coalesce(c.{name}, 0) AS {name}" for name in days)}
        FROM generate_series(0, 23) h(hour) LEFT JOIN counted c ON c.hour = h.hour
        ORDER BY h.hour"""), {**params, "zone": zone_name(zone)}).mappings().all()
    return {"series": {name: {"date": day.isoformat(), "points": [
        {"hour": r["hour"], "count": r[name], "filter": listed(**_reported(_hour(day, r["hour"], zone)))}
        for r in rows]} for name, day in days.items()}}


def _hour(day: date, hour: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """A local hour of `day` as the moments it begins and ends."""
    end = midnight(day + timedelta(days=1), zone) if hour == 23 else datetime.combine(day, time(hour + 1), tzinfo=zone)
    return datetime.combine(day, time(hour), tzinfo=zone), end


def by_day(session: Session, scope: Scope, now: datetime, zone: str | tzinfo, days: int = DAYS) -> dict:
    """The last `days` local days, today included: reported and closed per day, days without
    any too. {"days": [{"date", "reported", "closed", "filter" (the reported ones), "filters":
    {"closed"}}]}."""
    zone = zone_of(zone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    common, params = _common(session, scope)
    rows = session.execute(text(f"""
        WITH happened AS (
            -- each incident read once, its scope asked once, for its two days: over a city's
            -- month (72,000 incidents) the scope's test is most of the time
            SELECT e.day, count(*) FILTER (WHERE e.reported) AS reported,
                   count(*) FILTER (WHERE NOT e.reported) AS closed
            FROM incident t
            CROSS JOIN LATERAL (VALUES (t.reported_at, true), (t.closed_at, false)) m(at, reported)
            CROSS JOIN LATERAL (SELECT CAST(m.at AT TIME ZONE :zone AS date) AS day, m.reported) e
            WHERE (t.reported_at >= :start AND t.reported_at < :end OR t.closed_at >= :start AND t.closed_at < :end)
              AND m.at >= :start AND m.at < :end AND {common}
            GROUP BY e.day)
        SELECT d.day, coalesce(h.reported, 0) AS reported, coalesce(h.closed, 0) AS closed
        FROM (SELECT CAST(s AS date) AS day FROM generate_series(CAST(:first AS date), CAST(:last AS date),
                                                                 interval '1 day') s) d
        LEFT JOIN happened h ON h.day = d.day
        ORDER BY d.day"""),
        {**params, "zone": zone_name(zone), "first": first, "last": today, "start": midnight(first, zone),
         "end": midnight(today + timedelta(days=1), zone)}).mappings().all()
    shaped = []
    for r in rows:
        start, end = midnight(r["day"], zone), midnight(r["day"] + timedelta(days=1), zone)
        shaped.append({"date": r["day"].isoformat(), "reported": int(r["reported"]), "closed": int(r["closed"]),
                       "filter": listed(since=start, until=end),
                       "filters": {"closed": listed(closed_since=start, closed_until=end)}})
    return {"days": shaped}


def by_category(session: Session, scope: Scope, within: Period, now: datetime) -> dict:
    """Reported in the period per category, with how many of them are open, late and overdue
    (late and still open), most reported first: {"categories": [{"code", "name": {zh, en},
    "reported", "open", "late", "overdue", "filter", "filters": {"open", "late", "overdue"}}]}."""
    common, params = _common(session, scope)
    rows = session.execute(text(f"""
        SELECT t.category_code AS code, c.name_zh, c.name_en, count(*) AS reported,
               count(*) FILTER (WHERE {_OPEN}) AS open,
               count(*) FILTER (WHERE {lateness.late('t', ':now')}) AS late,
               count(*) FILTER (WHERE {lateness.overdue('t', ':now')}) AS overdue
        FROM incident t JOIN category c ON c.code = t.category_code
        WHERE {_IN_PERIOD} AND {common}
        GROUP BY t.category_code, c.name_zh, c.name_en
        ORDER BY count(*) DESC, t.category_code"""),
        {**params, "start": within.start, "end": within.end, "now": now}).mappings().all()
    return {"categories": [
        {"code": r["code"], "name": {"zh": r["name_zh"], "en": r["name_en"]},
         **_counted(r, ("reported", "open", "late", "overdue"), category=r["code"], **_reported(within))}
        for r in rows]}


# what lists the incidents behind each count, beside the reported ones a bar stands for
_PARTS = {"open": {"open": "true"}, "late": {"late": "true"}, "overdue": {"overdue": "true"}}


def _counted(row, counts: tuple[str, ...], **base) -> dict:
    """A datum's counts, its bar's filter (the first count's) and the filters of the others."""
    return {**{name: int(row[name]) for name in counts}, "filter": listed(**base),
            "filters": {name: listed(**base, **_PARTS[name]) for name in counts[1:]}}


def by_channel(session: Session, scope: Scope, within: Period) -> dict:
    """Reported in the period per channel (worker, citizen, camera, hotline…), every channel
    in a fixed order, quiet ones with 0: {"channels": [{"channel", "count", "filter"}]}."""
    common, params = _common(session, scope)
    counts = session.execute(text(f"""
        SELECT {", ".join(_count_of("t.channel", c) for c in CHANNELS)}
        FROM incident t WHERE {_IN_PERIOD} AND {common}"""),
        {**params, "start": within.start, "end": within.end}).mappings().one()
    return {"channels": [{"channel": c, "count": counts[c], "filter": listed(channel=c, **_reported(within))}
                         for c in CHANNELS]}


def open_by_status(session: Session, scope: Scope) -> dict:
    """The incidents open now, whenever reported, per status (the open statuses in the loop's
    order): {"statuses": [{"status", "count", "filter"}], "total"}."""
    common, params = _common(session, scope)
    counts = session.execute(text(f"""
        SELECT {", ".join(_count_of("t.status", s) for s in OPEN_STATUSES)}
        FROM incident t WHERE {_OPEN} AND {common}"""), params).mappings().one()
    return {"statuses": [{"status": s, "count": counts[s], "filter": listed(status=s)} for s in OPEN_STATUSES],
            "total": sum(counts.values())}


def on_time(session: Session, scope: Scope, within: Period, now: datetime) -> dict:
    """The on-time rate of the incidents reported in the period, as the assessment has it: of
    those whose outcome is known (resolved, closed, or late already), the share not late.
    {"rate" (None when nothing is known yet), "reported", "known", "on_time", "late", "filter"
    (the late ones)}."""
    common, params = _common(session, scope)
    reported, known, late = session.execute(text(f"""
        SELECT count(*), count(*) FILTER (WHERE {lateness.known('t', ':now')}),
               count(*) FILTER (WHERE {lateness.late('t', ':now')})
        FROM incident t WHERE {_IN_PERIOD} AND {common}"""),
        {**params, "start": within.start, "end": within.end, "now": now}).one()
    return {"rate": _rate(known, late), "reported": reported, "known": known, "on_time": known - late,
            "late": late, "filter": listed(late="true", **_reported(within))}


def by_area(session: Session, scope: Scope, within: Period, now: datetime) -> dict:
    """Streets and communities side by side, over the incidents reported in the period: how
    many, how many of them are open and overdue now, and their on-time rate. Most reported
    first. {"streets" | "communities": [{"code", "name": {zh, en}, "parent" (a community's
    street), "reported", "open", "overdue", "late", "known", "on_time_rate", "filter",
    "filters": {"open", "overdue", "late"}}]}."""
    common, params = _common(session, scope)
    counts = ("reported", "open", "overdue", "late", "known")
    # each incident judged once, then its figures added to its street and to its community:
    # joining areas to incidents judged each twice, read area by area (142 against 58 ms, 61,000)
    rows = session.execute(text(f"""
        WITH facts AS (
            SELECT t.street_id, t.community_id, count(*) AS reported, count(*) FILTER (WHERE {_OPEN}) AS open,
                   count(*) FILTER (WHERE {lateness.overdue('t', ':now')}) AS overdue,
                   count(*) FILTER (WHERE {lateness.late('t', ':now')}) AS late,
                   count(*) FILTER (WHERE {lateness.known('t', ':now')}) AS known
            FROM incident t
            WHERE {_IN_PERIOD} AND {common}
            GROUP BY t.street_id, t.community_id)
        SELECT a.level, a.code, a.name_zh, a.name_en, (SELECT p.code FROM area p WHERE p.id = a.parent_id) AS parent,
               {", ".join(f"CAST(sum(f.{name}) AS integer) AS {name}" for name in counts)}
        FROM facts f JOIN area a ON a.id IN (f.street_id, f.community_id)
        GROUP BY a.id
        ORDER BY a.level, sum(f.reported) DESC, a.code"""),
        {**params, "start": within.start, "end": within.end, "now": now}).mappings().all()
    shaped = {"street": [], "community": []}
    for r in rows:
        shaped[r["level"]].append({
            "code": r["code"], "name": {"zh": r["name_zh"], "en": r["name_en"]}, "parent": r["parent"],
            "known": r["known"], "on_time_rate": _rate(r["known"], r["late"]),
            **_counted(r, ("reported", "open", "overdue", "late"), **{r["level"]: r["code"]}, **_reported(within))})
    return {"streets": shaped["street"], "communities": shaped["community"]}


def charts(session: Session, scope: Scope, now: datetime, zone: str | tzinfo, period_name: str) -> dict:
    """Every panel of the wall's charts, each from its own aggregate: {"now", "period",
    "timezone", "panels": {by_hour, by_day, by_category, by_channel, open_by_status, on_time,
    by_area}}. by_hour is today's and by_day the last 30 days' whatever the period; open_by_status
    is now."""
    zone = zone_of(zone)
    within = period(period_name, now, zone)
    without_jit(session)
    return {
        "now": now.astimezone(zone).isoformat(), "period": within.as_dict(), "timezone": zone_name(zone),
        "panels": {
            "by_hour": by_hour(session, scope, now, zone),
            "by_day": by_day(session, scope, now, zone),
            "by_category": by_category(session, scope, within, now),
            "by_channel": by_channel(session, scope, within),
            "open_by_status": open_by_status(session, scope),
            "on_time": on_time(session, scope, within, now),
            "by_area": by_area(session, scope, within, now),
        }}
