"""The figures behind the command-center wall's charts, checked by hand on nine incidents of
the last week of February 2026 (days no other test uses), with the clock set by hand: "now"
is Thursday 26 February 2026, 13:00 in Shanghai.

    a  today 09:30   road_damage  worker   community 1   closed on time at 10:10
    b  today 09:50   greenery     citizen  community 2   accepted, being handled
    c  today 10:00   road_damage  hotline  community 1   never answered: overdue at noon, escalated
    h  today 00:10   greenery     citizen  community 1   accepted, being handled
    m  today 11:00   road_damage  hotline  community 1   merged into c: counted nowhere
    d  25th  09:15   road_damage  worker   community 2   closed on time
    e  25th  20:10   fire_risk    camera   community 1   resolved on time, not yet verified
    g  22nd  08:00   road_damage  worker   community 2   accepted 30 minutes late, closed
    f  19th  09:05   greenery     worker   community 2   closed on time (last Thursday)
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from app.config import IncidentRules
from app.messages import say
from app.models import CHANNELS, OPEN_STATUSES
from app.services.accounts.scope import Scope
from app.services.incidents import escalation, loop as incidents, statistics, views
from app.services.incidents.loop import Participant, Report

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 2, 26, 13, 0, tzinfo=ZONE)
EVERYONE = Scope(everything=True)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of February 2026 in Shanghai."""
    return datetime(2026, 2, day, hour, minute, tzinfo=ZONE)


@pytest.fixture(scope="module")
def february(app):
    """The nine incidents, committed; their codes by letter and the two communities."""
    from app import db
    with app.app_context():
        session = db.session()
        places = session.execute(text("""
            SELECT DISTINCT ON (a.code) a.id, a.code, s.code AS street,
                   (SELECT array_agg(ARRAY[ST_X(p.geom), ST_Y(p.geom)])
                      FROM ST_Dump(ST_GeneratePoints(g.geom, 9, 26)) p) AS points
            FROM grid g JOIN area a ON a.id = g.community_id JOIN area s ON s.id = a.parent_id
            WHERE g.valid_to IS NULL AND EXISTS (
                SELECT 1 FROM worker_assignment w WHERE w.grid_id = g.id AND w.valid_to IS NULL)
            ORDER BY a.code, g.code LIMIT 2""")).mappings().all()
        one, two = places
        desk = Participant("user:charts", dispatcher=True)
        rules = IncidentRules()
        made = {}

        def report(letter, place, category, channel, when, *steps):
            lon, lat = place["points"][len(made)]          # here and there in the community's grid
            filed = incidents.report(session, Report(category, lon, lat, f"charts fixture {letter}", channel=channel),
                                     desk, rules, when)
            for action, moment in steps:
                incidents.act(session, filed.id, action, desk, moment,
                              note="done" if action == "resolve" else None)
            made[letter] = filed.id

        report("a", one, "road_damage", "worker", at(26, 9, 30),
               ("accept", at(26, 9, 40)), ("resolve", at(26, 10)), ("verify", at(26, 10, 10)))
        report("b", two, "greenery", "citizen", at(26, 9, 50), ("accept", at(26, 10)))
        report("c", one, "road_damage", "hotline", at(26, 10))
        report("h", one, "greenery", "citizen", at(26, 0, 10), ("accept", at(26, 0, 30)))
        report("m", one, "road_damage", "hotline", at(26, 11))
        incidents.act(session, made["m"], "merge", desk, at(26, 11, 5), into_id=made["c"])
        report("d", two, "road_damage", "worker", at(25, 9, 15),
               ("accept", at(25, 9, 30)), ("resolve", at(25, 10)), ("verify", at(25, 10, 30)))
        report("e", one, "fire_risk", "camera", at(25, 20, 10), ("accept", at(25, 20, 20)), ("resolve", at(25, 21)))
        report("g", two, "road_damage", "worker", at(22, 8),
               ("accept", at(22, 10, 30)), ("resolve", at(22, 11)), ("verify", at(22, 11, 10)))
        report("f", two, "greenery", "worker", at(19, 9, 5),
               ("accept", at(19, 9, 20)), ("resolve", at(19, 10)), ("verify", at(19, 10, 5)))
        ticked = escalation.tick(session, at(26, 12, 1))
        session.commit()
        codes = dict(session.execute(text("SELECT id, code FROM incident WHERE id = ANY(:ids)"),
                                     {"ids": list(made.values())}).all())
        code = {letter: codes[i] for letter, i in made.items()}
        assert code["c"] in ticked.overdue and code["c"] in ticked.escalated
        return SimpleNamespace(code=code, id=made, one=one["code"], one_id=one["id"], two=two["code"],
                               street=one["street"])


def listed(session, filters, scope=EVERYONE) -> list[str]:
    """The codes the incident list gives for `filters`, as the wall's click would ask."""
    return sorted(f["properties"]["code"] for f in views.search(session, filters, scope, NOW, limit=1000).items)


def codes(february, letters: str) -> list[str]:
    return sorted(february.code[x] for x in letters)


# -- the period -----------------------------------------------------------------------------------

def test_a_period_is_whole_local_days_up_to_the_end_of_today():
    late_evening = datetime(2026, 2, 26, 23, 30, tzinfo=ZONE).astimezone(timezone.utc)     # 15:30 UTC
    assert statistics.period("today", late_evening, ZONE).as_dict() == {
        "name": "today", "start": "2026-02-26T00:00:00+08:00", "end": "2026-02-27T00:00:00+08:00"}
    assert statistics.period("7d", NOW, "Asia/Shanghai").start == at(20, 0)
    assert statistics.period("30d", NOW, ZONE).start == datetime(2026, 1, 28, tzinfo=ZONE)
    assert statistics.period("month", NOW, ZONE).start == at(1, 0)
    assert {statistics.period(name, NOW, ZONE).end for name in statistics.PERIODS} == {at(27, 0)}


def test_an_unknown_period_is_refused_with_the_catalogue_s_words():
    with pytest.raises(statistics.UnknownPeriod) as refused:
        statistics.period("year", NOW, ZONE)
    assert refused.value.name == "period"
    assert refused.value.describe("zh") == say("param.one_of", "zh", name="period", known=statistics.PERIODS)


# -- each panel ------------------------------------------------------------------------------------

def test_today_by_hour_beside_yesterday_and_last_thursday(session, february):
    series = statistics.by_hour(session, EVERYONE, NOW, ZONE)["series"]
    assert {name: s["date"] for name, s in series.items()} == {
        "today": "2026-02-26", "yesterday": "2026-02-25", "last_week": "2026-02-19"}
    busy = {name: {p["hour"]: p["count"] for p in s["points"] if p["count"]} for name, s in series.items()}
    # the merged report of 11:00 is counted in the incident it joined, not again
    assert busy == {"today": {0: 1, 9: 2, 10: 1}, "yesterday": {9: 1, 20: 1}, "last_week": {9: 1}}
    assert [p["hour"] for p in series["today"]["points"]] == list(range(24))


def test_a_report_at_half_past_nine_in_shanghai_is_in_hour_9_though_it_is_01_30_utc(session, february):
    reported = session.execute(text("SELECT reported_at FROM incident WHERE code = :c"),
                               {"c": february.code["a"]}).scalar_one()
    assert reported.astimezone(timezone.utc).hour == 1
    nine = statistics.by_hour(session, EVERYONE, NOW, ZONE)["series"]["today"]["points"][9]
    assert nine["filter"] == {"merged": "false", "since": "2026-02-26T09:00:00+08:00",
                              "until": "2026-02-26T10:00:00+08:00"}
    assert listed(session, nine["filter"]) == codes(february, "ab")


def test_the_last_30_days_reported_and_closed_days_without_any_included(session, february):
    days = statistics.by_day(session, EVERYONE, NOW, ZONE)["days"]
    assert len(days) == 30 and days[0]["date"] == "2026-01-28" and days[-1]["date"] == "2026-02-26"
    by_date = {d["date"]: (d["reported"], d["closed"]) for d in days}
    # closed today: a; m was closed by its merge, which is not a closing of its own
    assert by_date["2026-02-26"] == (4, 1)
    assert by_date["2026-02-25"] == (2, 1)
    assert by_date["2026-02-22"] == (1, 1) and by_date["2026-02-19"] == (1, 1)
    assert all(by_date[f"2026-02-{n}"] == (0, 0) for n in (20, 21, 23, 24))
    today = days[-1]
    assert listed(session, today["filters"]["closed"]) == codes(february, "a")


def test_by_category_with_how_many_of_them_are_open_late_and_overdue(session, february):
    today = statistics.period("today", NOW, ZONE)
    names = dict(session.execute(text("SELECT code, name_en FROM category")).all())
    categories = statistics.by_category(session, EVERYONE, today, NOW)["categories"]
    assert [(c["code"], c["reported"], c["open"], c["late"], c["overdue"]) for c in categories] == [
        ("greenery", 2, 2, 0, 0), ("road_damage", 2, 1, 1, 1)]
    assert all(c["name"]["en"] == names[c["code"]] and c["name"]["zh"] for c in categories)
    road = categories[1]
    assert road["filter"] == {"merged": "false", "category": "road_damage",
                              "since": "2026-02-26T00:00:00+08:00", "until": "2026-02-27T00:00:00+08:00"}
    assert listed(session, road["filter"]) == codes(february, "ac")
    assert listed(session, road["filters"]["overdue"]) == codes(february, "c")


def test_by_channel_every_channel_in_order(session, february):
    week = statistics.period("7d", NOW, ZONE)
    channels = statistics.by_channel(session, EVERYONE, week)["channels"]
    assert [c["channel"] for c in channels] == list(CHANNELS)
    assert {c["channel"]: c["count"] for c in channels if c["count"]} == {
        "worker": 3, "citizen": 2, "hotline": 1, "camera": 1}
    [hotline] = [c for c in channels if c["channel"] == "hotline"]
    assert listed(session, hotline["filter"]) == codes(february, "c")


def test_open_by_status_is_now_whatever_the_period(session, february):
    statuses = statistics.open_by_status(session, Scope(area_id=february.one_id))
    assert [s["status"] for s in statuses["statuses"]] == list(OPEN_STATUSES)
    assert statuses["total"] == sum(s["count"] for s in statuses["statuses"])
    [escalated] = [s for s in statuses["statuses"] if s["status"] == "escalated"]
    assert february.code["c"] in listed(session, escalated["filter"], Scope(area_id=february.one_id))


def test_the_on_time_rate_is_over_known_outcomes_and_its_gauge_opens_the_late_ones(session, february):
    today = statistics.on_time(session, EVERYONE, statistics.period("today", NOW, ZONE), NOW)
    # a (closed on time) and c (overdue) are known; b and h, within their limits, may yet be on time
    assert {k: today[k] for k in ("reported", "known", "on_time", "late", "rate")} == {
        "reported": 4, "known": 2, "on_time": 1, "late": 1, "rate": 0.5}
    week = statistics.on_time(session, EVERYONE, statistics.period("7d", NOW, ZONE), NOW)
    assert (week["reported"], week["known"], week["late"], week["rate"]) == (7, 5, 2, 0.6)
    assert week["filter"]["late"] == "true"
    assert listed(session, week["filter"]) == codes(february, "cg")


def test_an_escalated_overdue_incident_is_counted_overdue(session, february):
    """Escalation gave c fresh limits at the community (due at 14:01): only the clock's mark
    says it missed the grid's, and that is enough."""
    status, overdue_since, due = session.execute(text(
        "SELECT status, overdue_since, due_respond_at FROM incident WHERE code = :c"), {"c": february.code["c"]}).one()
    assert status == "escalated" and overdue_since is None and due > NOW
    today = statistics.period("today", NOW, ZONE)
    areas = statistics.by_area(session, EVERYONE, today, NOW)
    [one] = [a for a in areas["communities"] if a["code"] == february.one]
    assert one["overdue"] == 1
    assert listed(session, one["filters"]["overdue"]) == codes(february, "c")


def test_streets_and_communities_side_by_side(session, february):
    areas = statistics.by_area(session, EVERYONE, statistics.period("7d", NOW, ZONE), NOW)
    figures = ("reported", "open", "overdue", "late", "known", "on_time_rate")
    assert {a["code"]: tuple(a[k] for k in figures) for a in areas["communities"]} == {
        february.one: (4, 2, 1, 1, 3, 0.667), february.two: (3, 1, 0, 1, 2, 0.5)}
    assert [(a["code"], *(a[k] for k in figures)) for a in areas["streets"]] == [
        (february.street, 7, 3, 1, 2, 5, 0.6)]
    assert [a["code"] for a in areas["communities"]] == [february.one, february.two]     # most reported first
    assert {a["parent"] for a in areas["communities"]} == {february.street}
    assert all(a["name"]["zh"] and a["name"]["en"] for a in areas["streets"] + areas["communities"])
    [two] = [a for a in areas["communities"] if a["code"] == february.two]
    assert two["filter"]["community"] == february.two
    assert listed(session, two["filter"]) == codes(february, "bdg")
    assert listed(session, two["filters"]["late"]) == codes(february, "g")


def test_a_reader_scoped_to_an_area_sees_only_its_incidents(session, february):
    """Scoped to community 1 (the test city has a single street; a street works the same way)."""
    mine = Scope(area_id=february.one_id)
    charts = statistics.charts(session, mine, NOW, ZONE, "today")["panels"]
    assert charts["on_time"]["reported"] == 3                                   # a, c, h
    assert [a["code"] for a in charts["by_area"]["communities"]] == [february.one]
    assert [a["reported"] for a in charts["by_area"]["streets"]] == [3]
    assert charts["by_hour"]["series"]["today"]["points"][9]["count"] == 1        # a, not b
    assert sum(c["reported"] for c in charts["by_category"]["categories"]) == 3


# -- every datum opens exactly what it counts -------------------------------------------------------

def counted(panels: dict):
    """(where, count, filter) for every bar, slice and point of every panel, and for every
    further count that carries a filter of its own."""
    for name, s in panels["by_hour"]["series"].items():
        for p in s["points"]:
            yield f"by_hour {name} {p['hour']}", p["count"], p["filter"]
    for d in panels["by_day"]["days"]:
        yield f"by_day {d['date']}", d["reported"], d["filter"]
        yield f"by_day {d['date']} closed", d["closed"], d["filters"]["closed"]
    for item, where in [*((c, "category") for c in panels["by_category"]["categories"]),
                        *((a, "street") for a in panels["by_area"]["streets"]),
                        *((a, "community") for a in panels["by_area"]["communities"])]:
        yield f"{where} {item['code']}", item["reported"], item["filter"]
        for part, filters in item["filters"].items():
            yield f"{where} {item['code']} {part}", item[part], filters
    for c in panels["by_channel"]["channels"]:
        yield f"channel {c['channel']}", c["count"], c["filter"]
    for s in panels["open_by_status"]["statuses"]:
        yield f"status {s['status']}", s["count"], s["filter"]
    yield "on_time late", panels["on_time"]["late"], panels["on_time"]["filter"]


@pytest.mark.parametrize("period", ["today", "7d", "month"])
@pytest.mark.parametrize("scoped", [False, True], ids=["city", "community"])
def test_every_datum_s_filter_lists_exactly_the_incidents_it_counts(session, february, period, scoped):
    scope = Scope(area_id=february.one_id) if scoped else EVERYONE
    panels = statistics.charts(session, scope, NOW, ZONE, period)["panels"]
    checked = 0
    for where, count, filters in counted(panels):
        assert all(isinstance(v, str) for v in filters.values()), where
        assert views.search(session, filters, scope, NOW, limit=1).total == count, where
        checked += count
    assert checked > 0


def test_the_filters_the_charts_added_to_the_incident_list(session, february):
    day = {"since": at(26, 0).isoformat(), "until": at(27, 0).isoformat()}
    assert listed(session, {**day, "merged": "true"}) == codes(february, "m")
    assert listed(session, {**day, "late": "true", "merged": "false"}) == codes(february, "c")
    assert listed(session, {"closed_since": at(26, 0).isoformat(), "closed_until": at(27, 0).isoformat()}) == \
        codes(february, "am")
    with pytest.raises(views.BadFilter) as refused:
        listed(session, {"closed_since": "yesterday"})
    assert (refused.value.name, refused.value.key) == ("closed_since", "filter.time")
    with pytest.raises(views.BadFilter) as refused:
        listed(session, {"late": "maybe"})
    assert refused.value.key == "param.boolean"


# -- over HTTP --------------------------------------------------------------------------------------

def test_the_charts_over_http(client, auth):
    response = client.get("/api/v1/wall/charts?period=7d", headers=auth("operator"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["period"]["name"] == "7d" and body["timezone"] == "Asia/Shanghai"
    assert set(body["panels"]) == {"by_hour", "by_day", "by_category", "by_channel", "open_by_status",
                                   "on_time", "by_area"}
    assert datetime.fromisoformat(body["period"]["end"]) - datetime.fromisoformat(body["period"]["start"]) \
        == timedelta(days=7)
    assert client.get("/api/v1/wall/charts", headers=auth("operator")).get_json()["period"]["name"] == "today"


def test_an_unknown_period_is_a_400_naming_it_in_the_reader_s_language(client, auth):
    for path in ("/api/v1/wall/charts?period=year", "/api/v1/wall/heat?period=year", "/api/v1/wall?period=year"):
        response = client.get(path, headers={**auth("operator"), "Accept-Language": "zh-CN"})
        assert response.status_code == 400, path
        body = response.get_json()
        assert body["parameter"] == "period"
        assert body["description"] == say("param.one_of", "zh", name="period", known=statistics.PERIODS)
    english = client.get("/api/v1/wall/charts?period=year", headers={**auth("operator"), "Accept-Language": "en"})
    assert english.get_json()["description"] == "period is one of today, 7d, 30d, month."
