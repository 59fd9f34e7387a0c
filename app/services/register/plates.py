"""扫码定责 — the QR door plates: one per building entrance, printed as a sheet per grid (PDF,
WeasyPrint), each leading to /q/<token>, the public page that names the building's grid, its
community and its worker, with a report form pre-filled with the place.

An entrance is a building's `entrance` (单元) as its houses name it; a building with no named
entrance yet has one plate for the whole building.

A plate carries public facts only: the address, the grid, the community and the worker's name.
Nothing of the residents, and no personal phone — the worker table has no published duty
number, so none is printed (a phone on a door plate would be the worker's own)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...messages import DEFAULT_LANGUAGE, LANGUAGES
from ..accounts.scope import Scope
from ..incidents.assessment_report import FONTS, Printed, css_string
from .errors import NotFound

# The token is the building's id (base 36) followed by an HMAC of the building and entrance
# under SECRET_KEY, cut to MAC_LENGTH base-32 characters (50 bits). Stable: the same entrance
# always gets the same plate, with nothing stored. Short: the QR code stays small and coarse
# enough to scan from a worn plate. Unforgeable: the id alone opens nothing, so walking the
# ids does not list every building's page (the pages are public, but a list of them is a map
# of who answers for which door). Changing SECRET_KEY therefore voids every printed plate.
MAC_LENGTH = 10
TOKEN = re.compile(rf"([0-9a-z]{{1,13}})([a-z2-7]{{{MAC_LENGTH}}})")
PATH = "/q/"

PER_PAGE = 6            # plates on an A4 sheet: two across, three down
ROAD_M = 100.0          # a building with no address or name is called after a named road this near

Progress = Callable[[str, int], None]


def token(secret: str, building_id: int, entrance: str | None) -> str:
    mac = hmac.new(secret.encode(), f"gridmap.plate:{building_id}:{entrance or ''}".encode(), hashlib.sha256)
    return _base36(building_id) + base64.b32encode(mac.digest()).decode().lower()[:MAC_LENGTH]


def url(base: str, plate_token: str) -> str:
    """The plate's address under the site's public one (GRIDMAP_PUBLIC_URL)."""
    return f"{base.rstrip('/')}{PATH}{plate_token}"


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
        if not number:
            return digits


@dataclass(frozen=True)
class Plate:
    """One entrance of a building, and who answers for it."""
    building_id: int
    entrance: str | None
    token: str
    address: str | None
    name: str | None
    road: str | None                    # the nearest named road, for a building with no address or name
    lon: float
    lat: float
    grid: dict | None = None            # {code, name: {zh, en}}
    community: dict | None = None       # {code, name: {zh, en}}
    workers: tuple[dict, ...] = ()      # ({zh, en}, …): names only

    def where(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The building as people find it: its address, its name, the road it stands on, or
        at the least its number in our map."""
        labels = LABELS[_language(language)]
        return (self.address or self.name or (self.road and labels["on_road"].format(road=self.road))
                or labels["building"].format(id=self.building_id))

    def words(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The place as a plate and a report say it: "Kaivokatu 2 2单元"."""
        return f"{self.where(language)} {entrance_words(self.entrance, language)}".strip()


def entrance_words(entrance: str | None, language: str = DEFAULT_LANGUAGE) -> str:
    """"2" → 2单元 (Entrance 2); a name the register gave in words stays as it is."""
    if not entrance:
        return ""
    return LABELS[_language(language)]["entrance"].format(entrance=entrance) if entrance.isdigit() else entrance


def _natural(words: str | None) -> tuple:
    """"Kaivokatu 2" before "Kaivokatu 10", "2单元" before "10单元"; no words last."""
    if not words:
        return (1,)
    return (0, *((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", words) if part))


# -- finding a plate ---------------------------------------------------------------------------

_PLACES = """
    SELECT b.id, b.address, b.name, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat,
           g.code AS grid_code, g.name_zh AS grid_zh, g.name_en AS grid_en,
           c.code AS community_code, c.name_zh AS community_zh, c.name_en AS community_en,
           (SELECT coalesce(jsonb_agg(jsonb_build_object('zh', w.name_zh, 'en', w.name_en)
                                      ORDER BY w.role <> 'full_time', w.code), '[]')
            FROM worker_assignment a JOIN worker w ON w.id = a.worker_id AND w.active
            WHERE a.grid_id = g.id AND a.valid_to IS NULL) AS workers,
           road.name AS road
    FROM building b CROSS JOIN LATERAL (SELECT ST_PointOnSurface(b.geom) AS geom) p
    LEFT JOIN LATERAL (SELECT r.name FROM road r
                       WHERE b.address IS NULL AND b.name IS NULL AND r.name IS NOT NULL
                         AND ST_DWithin(r.geom::geography, p.geom::geography, :road_m)
                       ORDER BY r.geom <-> p.geom LIMIT 1) road ON true
    LEFT JOIN grid g ON g.id = b.grid_id AND g.valid_to IS NULL
    LEFT JOIN area c ON c.id = g.community_id
"""


def _plate(row, entrance: str | None, secret: str) -> Plate:
    grid = row.grid_code and dict(code=row.grid_code, name={"zh": row.grid_zh, "en": row.grid_en})
    community = row.community_code and dict(code=row.community_code,
                                            name={"zh": row.community_zh, "en": row.community_en})
    return Plate(building_id=row.id, entrance=entrance, token=token(secret, row.id, entrance),
                 address=row.address, name=row.name, road=row.road, lon=row.lon, lat=row.lat, grid=grid or None,
                 community=community or None, workers=tuple(row.workers or ()))


def find(session: Session, secret: str, plate_token: str) -> Plate | None:
    """The plate a token was printed for, or None. A plate keeps leading to its building after
    the houses behind its entrance are ended or the entrance is renamed: every entrance the
    building's houses ever named is tried, and the whole building's."""
    match = TOKEN.fullmatch(plate_token or "")
    if match is None:
        return None
    building_id = int(match[1], 36)
    if building_id >= 2**31:
        return None
    named = session.scalars(text("SELECT DISTINCT entrance FROM house_unit WHERE building_id = :id "
                                 "AND entrance IS NOT NULL AND entrance <> ''"), {"id": building_id}).all()
    entrance = next((e for e in [None, *named]
                     if hmac.compare_digest(token(secret, building_id, e), plate_token)), False)
    if entrance is False:
        return None
    row = session.execute(text(_PLACES + " WHERE b.id = :id"), {"id": building_id, "road_m": ROAD_M}).first()
    return _plate(row, entrance, secret) if row else None


def page_view(plate: Plate) -> dict:
    """What the public page shows of a plate: the place, its grid, community and worker's
    name; never who lives there."""
    return dict(where={language: plate.where(language) for language in LANGUAGES},
                name=plate.name if plate.address and plate.name != plate.address else None,
                entrance={language: entrance_words(plate.entrance, language) for language in LANGUAGES},
                grid=plate.grid, community=plate.community, workers=list(plate.workers))


def report_place(plate: Plate) -> dict:
    """The place a report from this plate starts with: the building's point, and its words in
    each language as the report's address (at most its 100 characters)."""
    return dict(lon=round(plate.lon, 7), lat=round(plate.lat, 7),
                address={language: plate.words(language)[:100] for language in LANGUAGES})


# -- a grid's sheet ----------------------------------------------------------------------------

@dataclass
class Sheet:
    grid: dict                      # {code, name: {zh, en}}
    community: dict | None
    plates: list[Plate] = field(default_factory=list)


def sheet(session: Session, scope: Scope, grid_code: str, secret: str, progress: Progress = lambda what, n: None
          ) -> Sheet:
    """Every entrance of every building in the current grid `grid_code`, in address order. A
    grid outside the reader's scope is not found, like one that does not exist."""
    condition, params = scope.condition(session, "g")
    grid = session.execute(text(f"""
        SELECT g.id, g.code, g.name_zh, g.name_en, c.code AS community_code, c.name_zh AS community_zh,
               c.name_en AS community_en
        FROM grid g LEFT JOIN area c ON c.id = g.community_id
        WHERE g.code = :code AND g.valid_to IS NULL AND {condition}"""), {**params, "code": grid_code}).first()
    if grid is None:
        raise NotFound("register.grid_not_found", code=grid_code)
    rows = sorted(session.execute(text(_PLACES + " WHERE b.grid_id = :grid"), {"grid": grid.id, "road_m": ROAD_M}).all(),
                  key=lambda r: (_natural(r.address or r.name or r.road), r.id))
    progress("buildings", len(rows))
    named: dict[int, list[str]] = {}
    for building_id, entrance in session.execute(text(
            "SELECT DISTINCT building_id, entrance FROM house_unit WHERE building_id = ANY(:ids) "
            "AND ended_at IS NULL AND entrance IS NOT NULL AND entrance <> ''"), {"ids": [r.id for r in rows]}):
        named.setdefault(building_id, []).append(entrance)
    plates = []
    for row in rows:
        for entrance in sorted(named.get(row.id) or [None], key=_natural):
            plates.append(_plate(row, entrance, secret))
    progress("plates", len(plates))
    return Sheet(grid=dict(code=grid.code, name={"zh": grid.name_zh, "en": grid.name_en}),
                 community=dict(code=grid.community_code, name={"zh": grid.community_zh, "en": grid.community_en})
                 if grid.community_code else None, plates=plates)


# -- printing ----------------------------------------------------------------------------------

LABELS = {
    "zh": {
        "heading": "{community} {grid}（{code}）· 扫码定责门牌 · 共 {count} 块",
        "and": "、",
        "banner": "扫码定责",
        "grid": "网格",
        "community": "社区",
        "worker": "网格员",
        "scan": "扫码查看负责网格和网格员，反映身边问题",
        "building": "楼栋 {id}",
        "on_road": "{road}旁的楼栋",
        "entrance": "{entrance}单元",
        "page": "第 {page} 页 / 共 {pages} 页",
        "printed": "{at} 印制",
        "none": "本网格还没有楼栋。",
    },
    "en": {
        "heading": "{community} · {grid} ({code}) · door plates · {count} in all",
        "and": ", ",
        "banner": "Scan for your grid",
        "grid": "Grid",
        "community": "Community",
        "worker": "Grid worker",
        "scan": "Scan to see who answers for this building, and to report a problem",
        "building": "Building {id}",
        "on_road": "Building on {road}",
        "entrance": "Entrance {entrance}",
        "page": "Page {page} of {pages}",
        "printed": "Printed {at}",
        "none": "This grid has no buildings yet.",
    },
}


def _language(language: str) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _name(names: dict | None, language: str) -> str:
    if not names:
        return ""
    return names.get(language) or names.get(DEFAULT_LANGUAGE) or ""


def qr_svg(address: str) -> str:
    """The code as an SVG data URI (segno): error correction M at least (segno raises it where
    the size allows), a quiet zone of four modules as the standard asks."""
    import segno
    return segno.make(address, error="m", micro=False).svg_data_uri(scale=1, border=4, omitsize=True)


_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                         autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)


def html(printed: Sheet, base_url: str, language: str = DEFAULT_LANGUAGE, progress: Progress = lambda what, n: None,
         zone: str = "Asia/Shanghai", printed_at: datetime | None = None) -> str:
    """The sheet as HTML for print: the plates two across and three down on A4, dashed lines to
    cut along, each with its QR code and its address in letters beneath it."""
    language = _language(language)
    labels = LABELS[language]
    plates = []
    for plate in printed.plates:
        link = url(base_url, plate.token)
        plates.append(dict(
            qr=qr_svg(link), link=link.split("://", 1)[-1],
            where=plate.where(language), ref=labels["building"].format(id=plate.building_id),
            also=plate.name if plate.address and plate.name and plate.name != plate.address else None,
            entrance=entrance_words(plate.entrance, language),
            grid=_name(plate.grid and plate.grid["name"], language), grid_code=plate.grid["code"] if plate.grid else "",
            community=_name(plate.community and plate.community["name"], language),
            workers=labels["and"].join(_name(w, language) for w in plate.workers)))
        progress("codes", 1)
    pages = re.split(r"\{(pages?)\}", labels["page"])
    page_numbers = Markup(" ".join(f"counter({part})" if i % 2 else css_string(part)
                                   for i, part in enumerate(pages) if part))
    at = (printed_at or datetime.now(timezone.utc)).astimezone(ZoneInfo(zone)).date().isoformat()
    return _TEMPLATES.get_template("plates.html").render(
        lang=language, w=labels, fonts=Markup(FONTS), css=css_string, page_numbers=page_numbers,
        heading=labels["heading"].format(
            community=_name(printed.community and printed.community["name"], language),
            grid=_name(printed.grid["name"], language), code=printed.grid["code"], count=len(plates)),
        printed=labels["printed"].format(at=at), plates=plates, per_page=PER_PAGE)


def pdf(printed: Sheet, base_url: str, language: str = DEFAULT_LANGUAGE, progress: Progress = lambda what, n: None,
        zone: str = "Asia/Shanghai", printed_at: datetime | None = None) -> Printed:
    from weasyprint import HTML     # a heavy import, made when a sheet is printed
    document = HTML(string=html(printed, base_url, language, progress, zone, printed_at)).render()
    progress("pages", len(document.pages))
    return Printed(document.write_pdf(), len(document.pages))
