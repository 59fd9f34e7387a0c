"""The monthly assessment (考核) as a printable report: one calendar month in the city's time
zone, for a scope — the whole area's figures, the rankings of streets, communities, grids and
workers, a page for the departments (协同: the cases they led, their returns, transfers and
help), then a page per street with its own communities and grids ranked — as HTML (Jinja2,
templates/assessment_report.html) and as PDF (WeasyPrint). Charts are SVG drawn here.

Every figure is assess()'s (assessment.py); this module gathers, groups and lays them out.
It reads names and figures only: nothing personal (no reporter, no contact) reaches a page."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from sqlalchemy import text
from sqlalchemy.orm import Session

from ... import dates
from ...config import AssessmentRules
from ...messages import DEFAULT_LANGUAGE, LANGUAGES, Said
from ...models import OPEN_STATUSES
from ..accounts.scope import Scope
from .assessment import Row, assess

# The CJK fonts Debian ships, best first (fonts-wqy-zenhei is what `make run` installs); the
# page's CSS and every chart name them, and fontconfig finds them.
FONTS = '"WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif'
SHORT_LIST = 10         # grids in the summary: this many best and worst (all on the street pages)

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "网格化管理考核报告",
        "month": "{year}年{month}月",
        "period": "考核期间：{start} 至 {end}（{zone}），按事件上报时间统计",
        "generated": "生成时间：{at}；未结事件按 {judged} 的状态判定",
        "overview": "总体情况",
        "incidents": "事件",
        "closed": "已办结",
        "resolved": "已处置待核查 {count}",
        "open": "未办结",
        "rejected": "不予受理",
        "on_time": "按时率",
        "known": "{count} 件结果已知",
        "satisfaction": "满意度",
        "rated": "{count} 条评价",
        "escalations": "升级",
        "units": "{streets} 个街道、{communities} 个社区、{grids} 个网格、{workers} 名网格员参与考核",
        "rank": "排名",
        "name": "名称",
        "stars": "星级",
        "median_response": "响应中位数",
        "median_resolution": "办结中位数",
        "unrated": "未评星",
        "star_count": "{stars} 星",
        "chart_on_time": "各街道按时率",
        "chart_grid_stars": "网格星级分布",
        "chart_worker_stars": "网格员星级分布",
        "chart_communities": "各社区事件数与按时率",
        "count": "{count} 个",
        "people": "{count} 人",
        "bar_incidents": "{count} 件 · 按时 {rate}",
        "streets": "街道排名",
        "communities": "社区排名",
        "grids": "网格排名",
        "workers": "网格员排名",
        "best": "前 {count} 名",
        "worst": "后 {count} 名",
        "elided": "共 {total} 个网格，此处列出前后各 {count} 名；完整排名见各街道页。",
        "street": "街道",
        "street_communities": "本街道社区排名",
        "street_grids": "本街道网格排名",
        "special_grids": "专属网格排名（学校、医院、公园等单独成格，单独排名）",
        "street_special_grids": "本街道专属网格排名",
        "city_rank": "全区第 {rank} 名",
        "minutes": "{n} 分钟",
        "hours": "{n} 小时",
        "nothing": "本月没有事件。",
        "notes": "说明",
        "note_on_time": "按时率：结果已知（已处置、已办结或已超时）的事件中，从未超过时限的比例。"
                        "响应、办结中位数：从上报到受理、到处置完毕的时间。满意度：居民评价（1–5 分）的平均值。",
        "note_stars": "星级：按时率 × {on_time} + 响应速度 × {speed} + 满意度 × {satisfaction}"
                      "（缺项按其余权重折算），≥ {t5} 为 5 星，≥ {t4} 为 4 星，≥ {t3} 为 3 星，"
                      "≥ {t2} 为 2 星，其余 1 星；结果已知的事件少于 {least} 件的不评星。",
        "page": "第 {page} 页 / 共 {pages} 页",
        "departments": "部门考核",
        "department_units": "{count} 个部门参与考核",
        "department_led": "牵头办理",
        "department_extensions": "延期",
        "department_returns": "退回",
        "department_transfers": "转派",
        "department_helped": "协办完成",
        "department_help_ended": "协办未办",
        "note_departments": "部门：事件计入最后牵头办理的部门（转派后计入接手部门；退回的事件不计入退回部门，"
                            "只记其退回一次），按时率与满意度为这些事件的；响应、办结中位数为部门自己的牵头任务"
                            "从交办到受理、到办结的时间。转派、退回：部门牵头任务转出、退回的次数。"
                            "协办：协办任务完成的，和事件结束时未办的。",
    },
    "en": {
        "title": "Grid management assessment",
        "month": "{month_name} {year}",
        "period": "Period: {start} to {end} ({zone}), by the time incidents were reported",
        "generated": "Generated {at}; open incidents judged as they stood at {judged}",
        "overview": "Overview",
        "incidents": "Incidents",
        "closed": "Closed",
        "resolved": "{count} resolved, to verify",
        "open": "Open",
        "rejected": "Rejected",
        "on_time": "On time",
        "known": "of {count} with a known outcome",
        "satisfaction": "Satisfaction",
        "rated": "{count} ratings",
        "escalations": "Escalations",
        "units": "Assessed: streets {streets}, communities {communities}, grids {grids}, workers {workers}",
        "rank": "Rank",
        "name": "Name",
        "stars": "Stars",
        "median_response": "Median response",
        "median_resolution": "Median resolution",
        "unrated": "Unrated",
        "star_count": "{stars} stars",
        "chart_on_time": "On-time rate by street",
        "chart_grid_stars": "Grids by stars",
        "chart_worker_stars": "Workers by stars",
        "chart_communities": "Incidents and on-time rate by community",
        "count": "{count}",
        "people": "{count}",
        "bar_incidents": "{count} · {rate} on time",
        "streets": "Streets",
        "communities": "Communities",
        "grids": "Grids",
        "workers": "Grid workers",
        "best": "Best {count}",
        "worst": "Last {count}",
        "elided": "{total} grids: the best and last {count} are listed here; the street pages rank them all.",
        "street": "Street",
        "street_communities": "Communities of the street",
        "street_grids": "Grids of the street",
        "special_grids": "Special grids (schools, hospitals, parks… carved out as grids of their own, ranked among themselves)",
        "street_special_grids": "Special grids of the street",
        "city_rank": "rank {rank} overall",
        "minutes": "{n} min",
        "hours": "{n} h",
        "nothing": "No incidents this month.",
        "notes": "Notes",
        "note_on_time": "On time: of the incidents whose outcome is known (resolved, closed or gone overdue), "
                        "the share that never missed a time limit. Median response and resolution: from the "
                        "report to its acceptance, and to its resolution. Satisfaction: residents' mean rating (1–5).",
        "note_stars": "Stars: on-time rate × {on_time} + speed × {speed} + satisfaction × {satisfaction} "
                      "(a missing figure leaves its weight to the others); ≥ {t5} is 5 stars, ≥ {t4} 4, "
                      "≥ {t3} 3, ≥ {t2} 2, below that 1; fewer than {least} known outcomes earn none.",
        "page": "Page {page} of {pages}",
        "departments": "Departments",
        "department_units": "Assessed: departments {count}",
        "department_led": "Led",
        "department_extensions": "Extended",
        "department_returns": "Returned",
        "department_transfers": "Transferred",
        "department_helped": "Helped",
        "department_help_ended": "Help not done",
        "note_departments": "Departments: a case counts for the department that led it last (after a transfer, the one "
                            "it went to; a returned case not for the department that returned it, which has the return "
                            "counted), and on time and satisfaction are those cases'; median response and resolution "
                            "are the department's own lead tasks, from being given the case to accepting it, and to "
                            "resolving it. Transferred, returned: its lead tasks passed on, sent back. Helped: its "
                            "helper tasks done, and left undone when the case ended.",
    },
}
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
_MONTH = re.compile(r"\d{4}-\d{2}")


# -- what the report holds -----------------------------------------------------------------------

@dataclass(frozen=True)
class Whole:
    """The scope's figures, summed over its streets."""
    incidents: int
    closed: int
    resolved: int               # handled, waiting to be verified
    open: int
    rejected: int
    escalations: int
    known_outcomes: int
    on_time_rate: float | None
    satisfaction: float | None
    rated: int


@dataclass(frozen=True)
class StreetPage:
    street: Row
    communities: list[Row]      # ranked, best first, as in the whole ranking
    grids: list[Row]            # comprehensive grids
    special_grids: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class MonthReport:
    month: str                  # YYYY-MM
    zone: str                   # the city's time zone, in which the month is counted
    start: datetime             # the month's first moment in the city's zone
    end: datetime               # the next month's
    judged_at: datetime         # open incidents are judged as they stood then
    place_zh: str
    place_en: str
    rules: AssessmentRules
    whole: Whole
    streets: list[Row]
    communities: list[Row]
    grids: list[Row]            # comprehensive grids
    workers: list[Row]
    pages: list[StreetPage]
    departments: list[Row] = field(default_factory=list)    # ranked among themselves
    special_grids: list[Row] = field(default_factory=list)  # so are special grids (专属网格)


@dataclass(frozen=True)
class Printed:
    pdf: bytes
    pages: int


def month_period(month: str, zone: str) -> tuple[datetime, datetime]:
    """The calendar month `month` (YYYY-MM) in the time zone `zone`: its first moment and
    the next month's."""
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise Said("assessment.month", value=month)
    try:
        first = dates.day(f"{month}-01")
    except dates.Unusable:
        raise Said("assessment.month", value=month) from None
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    city = ZoneInfo(zone)
    return datetime.combine(first, time(), city), datetime.combine(following, time(), city)


def gather(session: Session, month: str, scope: Scope, rules: AssessmentRules, zone: str,
           now: datetime | None = None) -> MonthReport:
    """The month's rankings for every unit within `scope`, and each street's own."""
    start, end = month_period(month, zone)
    now = now or datetime.now(timezone.utc)
    ranked = {unit: assess(session, unit, start, end, scope, rules, now)
              for unit in ("street", "community", "grid", "worker", "department")}
    street_of = _streets_of(session, [r.code for r in ranked["community"]], [r.code for r in ranked["grid"]])
    grids = [r for r in ranked["grid"] if r.kind != "special"]
    special = [r for r in ranked["grid"] if r.kind == "special"]
    pages = [StreetPage(street,
                        [r for r in ranked["community"] if street_of.get(("community", r.code)) == street.code],
                        [r for r in grids if street_of.get(("grid", r.code)) == street.code],
                        [r for r in special if street_of.get(("grid", r.code)) == street.code])
             for street in ranked["street"]]
    place_zh, place_en = _place(session, scope)
    return MonthReport(month, zone, start, end, min(end, now), place_zh, place_en, rules, _whole(ranked["street"]),
                       ranked["street"], ranked["community"], grids, ranked["worker"], pages,
                       ranked["department"], special)


def _streets_of(session: Session, communities: list[str], grids: list[str]) -> dict[tuple[str, str], str]:
    """(unit, code) → the code of the street it lies in."""
    rows = session.execute(text("""
        SELECT 'community', c.code, s.code FROM area c JOIN area s ON s.id = c.parent_id
        WHERE c.level = 'community' AND c.code = ANY(:communities)
        UNION ALL
        SELECT 'grid', g.code, s.code FROM grid g JOIN area c ON c.id = g.community_id
        JOIN area s ON s.id = c.parent_id WHERE g.code = ANY(:grids)"""),
        {"communities": communities, "grids": grids}).all()
    return {(unit, code): street for unit, code, street in rows}


def _place(session: Session, scope: Scope) -> tuple[str, str]:
    """The name of the scope's area, or of the city."""
    found = session.execute(text("""
        SELECT name_zh, name_en FROM area WHERE id = :area OR (CAST(:area AS int) IS NULL AND parent_id IS NULL)
        ORDER BY id LIMIT 1"""), {"area": scope.area_id}).first()
    return tuple(found) if found else ("", "")


def _whole(streets: list[Row]) -> Whole:
    """Counts add up; rates are weighted by what they are rates of (medians do not add up,
    so the whole has none)."""
    known = sum(r.known_outcomes for r in streets)
    on_time = sum(round((r.on_time_rate or 0) * r.known_outcomes) for r in streets)
    rated = sum(r.rated for r in streets)
    satisfaction = sum((r.satisfaction or 0) * r.rated for r in streets)
    return Whole(incidents=sum(r.incidents for r in streets),
                 closed=sum(r.by_status["closed"] for r in streets),
                 resolved=sum(r.by_status["resolved"] for r in streets),
                 open=sum(r.by_status[s] for r in streets for s in OPEN_STATUSES),
                 rejected=sum(r.by_status["rejected"] for r in streets),
                 escalations=sum(r.escalations for r in streets),
                 known_outcomes=known, on_time_rate=on_time / known if known else None,
                 satisfaction=satisfaction / rated if rated else None, rated=rated)


# -- how it is said ------------------------------------------------------------------------------

class Words:
    """The report's labels and figures in one language."""

    def __init__(self, language: str, zone: str):
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self.labels = LABELS[self.language]
        self.zone = ZoneInfo(zone)

    def __call__(self, key: str, **blanks) -> str:
        return self.labels[key].format(**blanks)

    def name(self, row: Row) -> str:
        return row.name_zh if self.language == "zh" else row.name_en

    def place(self, report: MonthReport) -> str:
        return report.place_zh if self.language == "zh" else report.place_en

    def month(self, report: MonthReport) -> str:
        year, month = (int(part) for part in report.month.split("-"))
        return self("month", year=year, month=month, month_name=MONTH_NAMES[month - 1])

    def moment(self, at: datetime) -> str:
        return f"{at.astimezone(self.zone):%Y-%m-%d %H:%M}"

    @staticmethod
    def percent(rate: float | None) -> str:
        return "—" if rate is None else f"{rate * 100:.1f}%"

    def duration(self, minutes: float | None, unit: str = "minutes") -> str:
        """In one unit per column (responses in minutes, resolutions in hours): a column that
        mixed "118 分钟" with "2.0 小时" was read wrong."""
        if minutes is None:
            return "—"
        if unit == "minutes":
            return self("minutes", n=f"{minutes:.0f}")
        return self("hours", n=f"{minutes / 60:.1f}")

    @staticmethod
    def rating(satisfaction: float | None) -> str:
        return "—" if satisfaction is None else f"{satisfaction:.2f}"

    def stars(self, stars: int | None) -> str:
        return "—" if stars is None else "★" * stars + "☆" * (5 - stars)


# -- charts: SVG drawn here, rendered by WeasyPrint like any image --------------------------------

@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str          # the figure written at the bar's end


def bar_chart(bars: list[Bar], most: float | None = None, width: int = 320, label_width: int = 110,
              colour: str = "#3b6ea5") -> Markup:
    """A horizontal bar chart: a label, a bar as long as its value (of `most`, default the
    largest) and the figure at its end, one row each."""
    row, thickness, size = 16, 10, 9
    room = width - label_width - 6 - max((_text_width(b.shown, size) for b in bars), default=0)
    most = most or max((b.value for b in bars), default=0) or 1
    height = row * len(bars) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family=\'{FONTS}\' font-size="{size}" fill="#222">',
             f'<line x1="{label_width}" y1="0" x2="{label_width}" y2="{height}" stroke="#999" stroke-width="0.5"/>']
    for i, bar in enumerate(bars):
        top = 2 + i * row
        length = room * max(0.0, bar.value) / most
        parts += [f'<text x="{label_width - 4}" y="{top + 11}" text-anchor="end">'
                  f'{escape(_fitted(bar.label, label_width - 6, size))}</text>',
                  f'<rect x="{label_width}" y="{top + 3}" width="{length:.1f}" height="{thickness}" fill="{colour}"/>',
                  f'<text x="{label_width + length + 3:.1f}" y="{top + 11}">{escape(bar.shown)}</text>']
    return Markup("".join(parts) + "</svg>")


def _text_width(words: str, size: float) -> float:
    """Roughly: a Chinese character is a square, a Latin letter a little over half one."""
    return sum(size if ord(c) > 0x2e80 else size * 0.56 for c in words)


def _fitted(label: str, room: float, size: float) -> str:
    while len(label) > 1 and _text_width(label, size) > room:
        label = label[:-2] + "…"
    return label


def _charts(report: MonthReport, words: Words) -> dict:
    def stars(rows: list[Row], unit: str) -> Markup:
        counts = Counter(r.stars for r in rows)
        return bar_chart([Bar(words("star_count", stars=n) if n else words("unrated"), counts[n],
                              words(unit, count=counts[n])) for n in (5, 4, 3, 2, 1, None)],
                         width=200, label_width=48, colour="#d49a1e")

    def communities(rows: list[Row]) -> Markup:
        return bar_chart([Bar(words.name(r), r.incidents, words("bar_incidents", count=r.incidents,
                                                                 rate=words.percent(r.on_time_rate)))
                          for r in rows], width=640, label_width=150)

    return {
        "on_time": bar_chart([Bar(words.name(r), r.on_time_rate or 0, words.percent(r.on_time_rate))
                              for r in report.streets], most=1.0, width=270, label_width=110),
        "grid_stars": stars(report.grids, "count"),
        "worker_stars": stars(report.workers, "people"),
        "communities": {page.street.code: communities(page.communities) for page in report.pages},
    }


# -- the page -------------------------------------------------------------------------------------

def css_string(words: str) -> Markup:
    """`words` as a CSS string: quotes and backslashes escaped, nothing that could end a <style>."""
    return Markup('"' + "".join(f"\\{ord(c):x} " if c in '"\\<>&\n' else c for c in words) + '"')


def _page_numbers(words: Words) -> Markup:
    """The footer's words around the page counters, as a CSS `content` value."""
    parts = re.split(r"\{(pages?)\}", words.labels["page"])     # the counters' names at odd places
    return Markup(" ".join(f"counter({part})" if i % 2 else css_string(part)
                           for i, part in enumerate(parts) if part))


_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                         autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)


def html(report: MonthReport, language: str = DEFAULT_LANGUAGE, generated_at: datetime | None = None) -> str:
    words = Words(language, report.zone)
    grids = report.grids
    short = len(grids) > 2 * SHORT_LIST
    return _TEMPLATES.get_template("assessment_report.html").render(
        r=report, w=words, fonts=Markup(FONTS), css=css_string, page_numbers=_page_numbers(words),
        charts=_charts(report, words),
        best_grids=grids[:SHORT_LIST] if short else grids, worst_grids=grids[-SHORT_LIST:] if short else [],
        first_day=report.start.date(), last_day=(report.end - timedelta(days=1)).date(),
        generated=words.moment(generated_at or datetime.now(timezone.utc)))


def pdf(report: MonthReport, language: str = DEFAULT_LANGUAGE, generated_at: datetime | None = None) -> Printed:
    from weasyprint import HTML     # a heavy import, made when a report is printed
    document = HTML(string=html(report, language, generated_at)).render()
    return Printed(document.write_pdf(), len(document.pages))
