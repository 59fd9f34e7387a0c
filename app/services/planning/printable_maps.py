"""Printable maps (folium): a plan for its reviewers, or a current grid for its worker, as one
self-contained HTML file. Leaflet is inlined from our own npm copy (never a CDN), there is no
basemap to fetch: buildings are the background, so the file opens and prints offline."""
from __future__ import annotations

import html
import json
from functools import lru_cache

import folium
import shapely
from shapely.geometry import mapping
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...config import ROOT
from ...models import GridPlan
from ..accounts.scope import Scope
from . import problems as plan_problems

LEAFLET = ROOT / "node_modules" / "leaflet" / "dist"
PALETTE = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#ff7f0e"]
# a printed map opens in a sandbox: its own scripts run, it reaches nothing of ours
CSP = ("sandbox allow-scripts allow-modals; default-src 'none'; script-src 'unsafe-inline'; "
       "style-src 'unsafe-inline'; img-src data:")


class PrintableMap(folium.Map):
    """folium's Map with none of its CDN scripts and styles: Leaflet is added inline."""

    default_js: list = []
    default_css: list = []


def plan_map(session: Session, plan: GridPlan, rules) -> str:
    found = plan_problems.check_loaded(session, plan, rules)
    workers = dict(session.execute(text("""
        SELECT f.id, w.code || ' ' || w.name_zh FROM grid_plan_feature f JOIN worker w ON w.id = f.worker_id
        WHERE f.plan_id = :plan"""), {"plan": plan.id}).all())
    grids = [{"code": g.code, "households": found.check.households.get(g.id, 0),
              "worker": workers.get(g.id), "geom": g.geom} for g in found.grids]
    problems = [(p.message_zh, p.message_en, p.geometry) for p in found.check.problems]
    area = _area_outline(session, plan.area_id)
    title = f"{plan.name}({_STATUS_ZH.get(plan.status, plan.status)} / {plan.status})"
    return _render(session, title, area, grids, problems,
                   f"方案 {plan.id} · {len(grids)} 个网格 · 问题 {len(problems)} 个 / "
                   f"Plan {plan.id} · {len(grids)} grids · {len(problems)} problems")


def grid_map(session: Session, code: str, scope: Scope) -> str | None:
    """None when there is no such current grid in the scope (a worker may print their own
    grid and see their neighbours' outlines, as on the map)."""
    condition, params = scope.condition(session, "g", boundary=True)
    row = session.execute(text(f"""
        SELECT g.id, g.code, g.name_zh, g.name_en, g.households, ST_AsBinary(g.geom) AS wkb,
               (SELECT w.code || ' ' || w.name_zh || ' ' || coalesce(w.phone, '')
                FROM worker_assignment a JOIN worker w ON w.id = a.worker_id
                WHERE a.grid_id = g.id AND a.valid_to IS NULL AND w.role = 'full_time' LIMIT 1) AS worker
        FROM grid g WHERE g.code = :code AND g.valid_to IS NULL AND {condition}"""),
        {**params, "code": code}).one_or_none()
    if row is None:
        return None
    geom = shapely.from_wkb(row.wkb)
    grids = [{"code": row.code, "households": row.households, "worker": row.worker, "geom": geom}]
    return _render(session, f"{row.name_zh} / {row.name_en}", geom, grids, [],
                   f"网格 {row.code} · {row.households} 户 · 网格员 {row.worker or '无'} / "
                   f"Grid {row.code} · {row.households} households · worker {row.worker or 'none'}")


def _render(session: Session, title: str, outline, grids: list[dict], problems: list, subtitle: str) -> str:
    minx, miny, maxx, maxy = outline.bounds
    m = PrintableMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, zoom_start=16,
                     control_scale=True, prefer_canvas=True)
    root = m.get_root()
    root.header.add_child(folium.Element(_inline_leaflet()))
    root.header.add_child(folium.Element(f"<title>{html.escape(title)}</title>{_STYLE}"))
    buildings = session.execute(text("""
        SELECT ST_AsGeoJSON(geom, 7) FROM building
        WHERE geom && ST_GeomFromWKB(:box, 4326) AND ST_Intersects(geom, ST_GeomFromWKB(:box, 4326))"""),
        {"box": shapely.to_wkb(outline.envelope)}).scalars().all()
    folium.GeoJson({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": json.loads(b), "properties": {}} for b in buildings]},
        name="buildings", style_function=lambda _: {"color": "#777", "weight": 0.5, "fillColor": "#bbb",
                                                    "fillOpacity": 0.6}).add_to(m)
    for n, grid in enumerate(grids):
        colour = PALETTE[n % len(PALETTE)]
        folium.GeoJson(mapping(grid["geom"]), name=grid["code"],
                       style_function=lambda _, c=colour: {"color": c, "weight": 2.5, "fillColor": c,
                                                           "fillOpacity": 0.08}).add_to(m)
        spot = shapely.point_on_surface(grid["geom"])
        label = (f"<b>{html.escape(grid['code'])}</b><br>{grid['households']} 户"
                 + (f"<br>{html.escape(grid['worker'])}" if grid.get("worker") else "<br>无网格员"))
        folium.Marker([spot.y, spot.x], icon=folium.DivIcon(html=f'<div class="label">{label}</div>',
                                                           icon_size=(120, 48), icon_anchor=(60, 24))).add_to(m)
    for message_zh, message_en, geom in problems:
        folium.GeoJson(mapping(geom), style_function=lambda _: {"color": "#d62728", "weight": 3,
                                                                "fillColor": "#d62728", "fillOpacity": 0.5},
                       tooltip=f"{message_zh} / {message_en}").add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    legend = (f'<div class="sheet"><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>'
              '<p class="key"><span class="sw grid"></span>网格 Grid <span class="sw bld"></span>楼栋 Building '
              '<span class="sw bad"></span>问题 Problem</p>'
              + ("<ol>" + "".join(f"<li>{html.escape(zh)} / {html.escape(en)}</li>" for zh, en, _ in problems)
                 + "</ol>" if problems else "") + "</div>")
    root.html.add_child(folium.Element(legend))
    return root.render()


def _area_outline(session: Session, area_id: int):
    return shapely.from_wkb(session.execute(text("SELECT ST_AsBinary(geom) FROM area WHERE id = :id"),
                                            {"id": area_id}).scalar_one())


@lru_cache(maxsize=1)
def _inline_leaflet() -> str:
    css = (LEAFLET / "leaflet.css").read_text()
    js = (LEAFLET / "leaflet.js").read_text()
    return f"<style>{css}</style><script>{js}</script>"


_STATUS_ZH = {"draft": "草稿", "submitted": "已提交", "approved": "审核通过", "rejected": "已退回",
              "filed": "已备案"}
_STYLE = """<style>
html, body { font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", sans-serif; }
.folium-map { position: absolute; top: 0; bottom: 0; left: 0; right: 0; }
.sheet { position: absolute; top: 8px; left: 50px; z-index: 1000; background: #fff; padding: 6px 10px;
         border: 1px solid #999; max-width: 45%; font-size: 12px; }
.sheet h1 { font-size: 16px; margin: 0 0 4px; }
.sheet ol { margin: 4px 0 0 16px; padding: 0; max-height: 30vh; overflow: auto; }
.label { font-size: 11px; text-align: center; color: #111; text-shadow: 0 0 3px #fff, 0 0 3px #fff; }
.sw { display: inline-block; width: 12px; height: 10px; margin: 0 3px 0 8px; border: 2px solid; }
.sw.grid { border-color: #1f77b4; } .sw.bld { background: #bbb; border-color: #777; }
.sw.bad { background: #d62728; border-color: #d62728; }
@media print { .sheet ol { max-height: none; } }
</style>"""
