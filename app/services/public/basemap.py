"""The map under the residents' pages: roads and buildings as vector tiles from our own data
(no internet tile server), for anyone, and the city's outline (the top-level area: where a
report can be placed). The ground is no one's secret, but only what a resident needs to find a
place goes out: a road's name and class, a building's address and name — not its households,
population or grid — and of the city only its shape."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..accounts.scope import Scope
from ..layers import features, tiles

LAYERS = {
    "roads": features.Collection("roads", "道路", "Roads", "road", "LineString",
                                 {"name": "t.name", "class": "t.class"}, minzoom=11, ground=True),
    "buildings": features.Collection("buildings", "楼栋", "Buildings", "building", "MultiPolygon",
                                     {"name": "t.name", "address": "t.address"}, minzoom=14, ground=True),
    # the same rule as a report's place (responsibility.locate: inside the top-level area)
    "city": features.Collection("city", "服务范围", "The city served", "area", "MultiPolygon",
                                {}, "t.parent_id IS NULL", ground=True),
}


class UnknownLayer(KeyError):
    pass


def tile(session: Session, layer: str, z: int, x: int, y: int) -> bytes:
    """Raises tiles.InvalidTile for a tile that does not exist, UnknownLayer for a layer."""
    if layer not in LAYERS:
        raise UnknownLayer(layer)
    return tiles.tile(session, LAYERS[layer], z, x, y, Scope(everything=True)).data


def city_bounds(session: Session) -> list[float] | None:
    """[west, south, east, north] of the city: where the map opens."""
    row = session.execute(text("""
        SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
        FROM (SELECT ST_Extent(geom) AS e FROM area WHERE parent_id IS NULL) s""")).one()
    return [round(float(v), 6) for v in row] if row[0] is not None else None
