"""Front-end packages from npm (node_modules/), bundled with our own CSS by Flask-Assets.

Nothing is loaded from a CDN: command centres run on closed networks.
"""
from __future__ import annotations

import shutil

from flask import Flask
from flask_assets import Bundle, Environment

from ..config import ROOT

NODE_MODULES = ROOT / "node_modules"
GENERATED = ROOT / "static" / "gen"

# gcoord: the GCJ-02 shift, for basemaps drawn in it (static/js/basemap.js); a global `gcoord`
VENDOR_JS = ["leaflet/dist/leaflet.js", "gcoord/dist/gcoord.global.prod.js"]
VENDOR_CSS = ["leaflet/dist/leaflet.css"]
# The wall's plugins: incident clusters, and vector tiles for the layers too big for GeoJSON.
# The wall's charts: Apache ECharts (the full build: the on-time gauge is not in the common one).
WALL_JS = ["leaflet.markercluster/dist/leaflet.markercluster.js",
           "leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js",
           "echarts/dist/echarts.min.js"]
WALL_CSS = ["leaflet.markercluster/dist/MarkerCluster.css"]
# The phone: roads and street lines from the same vector tiles as the wall.
WORKER_JS = ["leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js"]
# The city map: every layer from the vector tiles, as a city's are too big for GeoJSON.
MAP_JS = ["leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js"]
# The residents' pages: roads and buildings from our own public tiles.
PUBLIC_JS = ["leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js"]
# The planner's editing: drawing, vertex editing and snapping to grids, roads and buildings;
# and the rest of the city's grids around the area shown, from the vector tiles.
PLANNER_JS = ["@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js",
              "leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js"]
PLANNER_CSS = ["@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css"]
# Leaflet's CSS points at images/… beside itself; the bundle lives in static/gen/.
VENDOR_IMAGES = [NODE_MODULES / "leaflet" / "dist" / "images"]


def init_assets(app: Flask) -> None:
    missing = [p for p in VENDOR_JS + VENDOR_CSS + MAP_JS + WALL_JS + WALL_CSS + PLANNER_JS + PLANNER_CSS if not (NODE_MODULES / p).exists()]
    if missing:
        raise RuntimeError(f"Front-end packages are missing ({', '.join(missing)}): run `npm ci` "
                           "(or `make run`, which does).")
    env = Environment(app)
    env.directory = str(ROOT / "static")
    env.url = app.static_url_path
    env.register("vendor_js", Bundle(*[str(NODE_MODULES / p) for p in VENDOR_JS],
                                     output="gen/vendor.%(version)s.js"))
    env.register("map_js", Bundle(*[str(NODE_MODULES / p) for p in VENDOR_JS + MAP_JS],
                                  output="gen/map.%(version)s.js"))
    env.register("app_css", Bundle(*[str(NODE_MODULES / p) for p in VENDOR_CSS], "css/map.css",
                                   output="gen/app.%(version)s.css"))
    env.register("worker_css", Bundle(*[str(NODE_MODULES / p) for p in VENDOR_CSS], "css/worker.css",
                                      output="gen/worker.%(version)s.css"))
    env.register("department_css", Bundle(*[str(NODE_MODULES / p) for p in VENDOR_CSS], "css/department.css",
                                          output="gen/department.%(version)s.css"))
    env.register("worker_js", Bundle(*[str(NODE_MODULES / p) for p in VENDOR_JS + WORKER_JS],
                                     output="gen/worker.%(version)s.js"))
    env.register("wall_js", Bundle(*[str(NODE_MODULES / p) for p in VENDOR_JS + WALL_JS],
                                   output="gen/wall.%(version)s.js"))
    env.register("wall_css", Bundle(*[str(NODE_MODULES / p) for p in VENDOR_CSS + WALL_CSS],
                                    "css/wall.css", output="gen/wall.%(version)s.css"))
    env.register("public_js", Bundle(*[str(NODE_MODULES / p) for p in VENDOR_JS + PUBLIC_JS],
                                     output="gen/public.%(version)s.js"))
    env.register("public_css", Bundle(*[str(NODE_MODULES / p) for p in VENDOR_CSS], "css/public.css",
                                      output="gen/public.%(version)s.css"))
    env.register("planner_js", Bundle(*[str(NODE_MODULES / p) for p in VENDOR_JS + PLANNER_JS],
                                      output="gen/planner.%(version)s.js"))
    env.register("planner_css", Bundle(*[str(NODE_MODULES / p) for p in VENDOR_CSS + PLANNER_CSS],
                                       "css/planner.css", output="gen/planner.%(version)s.css"))
    for images in VENDOR_IMAGES:
        shutil.copytree(images, GENERATED / "images", dirs_exist_ok=True)
