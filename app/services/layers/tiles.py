"""Vector tiles (Mapbox Vector Tile) written by PostGIS: ST_AsMVTGeom clips and quantises each
geometry to the tile; below z14 lines and outlines are simplified to about half a tile pixel
first, so a city-wide view does not carry every vertex. Web Mercator's tiles (/tiles, and
WebMercatorQuad of OGC API – Tiles) or WorldCRS84Quad's, in longitude and latitude."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..accounts.scope import Scope
from .features import NOTHING_ELSE, Collection, extent, in_reach, statement
from .kept import Kept

EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22
SIMPLIFY_BELOW = 14
WORLD_M = 40075016.68557849     # the Web Mercator world's width


class InvalidTile(ValueError):
    pass


@dataclass(frozen=True)
class Grid:
    """How PostGIS cuts a tile matrix set's tiles: its tile z/x/y is ST_TileEnvelope's tile
    z + shift, x, y of `square` (None: Web Mercator's, the default), a square `width` units of
    the CRS `srid` across. A matrix z has the scale of Web Mercator's z + shift, so zooms
    (a collection's minzoom, SIMPLIFY_BELOW) are compared at z + shift."""
    srid: int
    width: float
    shift: int = 0
    square: str | None = None


MERCATOR = Grid(3857, WORLD_M)
# WorldCRS84Quad's matrix z halves the world into 2^(z+1) columns and 2^z rows of 180/2^z
# degrees: level z + 1 of the square from 180° W, 270° S to 180° E, 90° N, whose rows, counted
# from the top, start with the world's
CRS84 = Grid(4326, 360.0, 1, "ST_MakeEnvelope(-180, -270, 180, 90, 4326)")


def first_matrix(c: Collection, grid: Grid) -> int:
    """The first tile matrix of `grid` that draws `c` (the coarser ones give empty tiles)."""
    return max(0, c.minzoom - grid.shift)


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidTile(f"zoom must be 0–{MAX_ZOOM}")
    if not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise InvalidTile(f"at zoom {z}, x and y run from 0 to {2 ** z - 1}")


@dataclass(frozen=True)
class Tile:
    data: bytes
    versions: str | None = None     # what `also` read, in the same snapshot


def tile(session: Session, c: Collection, z: int, x: int, y: int, scope: Scope,
         owner: int | None = None, also: tuple[str, dict] | None = None, grid: Grid = MERCATOR) -> Tile:
    """The tile of `grid`, and what `also` (a scalar subquery and its parameters: the layer
    versions) read in the same statement."""
    z += grid.shift
    check_tile(z, x, y)
    also_sql, also_params = also or NOTHING_ELSE
    if z < c.minzoom:
        return Tile(b"", session.execute(statement(f"SELECT {also_sql}"), also_params).scalar_one())
    in_scope, params = in_reach(session, c, scope, owner)
    geom = f"ST_Transform(t.geom, {grid.srid})"
    if z < SIMPLIFY_BELOW and c.geometry_type != "Point":
        tolerance = grid.width / 2 ** z / EXTENT / 2
        # not ST_SimplifyPreserveTopology: at half a pixel nothing it guards against can be seen,
        # ST_AsMVTGeom makes what it is given valid, and it took half of a city-wide grid
        # tile's time (z13, 700 grids: 38 ms against 17); small shapes are kept, not dropped
        geom = f"ST_Simplify({geom}, {tolerance!r}, true)"
    properties = "".join(f", {sql} AS \"{name}\"" for name, sql in c.properties.items())
    # A feature left outside the tile has a NULL geometry, which ST_AsMVT skips: a WHERE on it
    # would be pushed into the scan and clip every geometry twice (a third of a z15 tile's time).
    # A tile's feature id is an integer; a text key travels as the property "id" instead.
    feature_id = ", 'id'" if c.text_key is None else ""
    square = f", bounds => {grid.square}" if grid.square else ""
    sql = f"""
        WITH bounds AS (SELECT ST_TileEnvelope(:z, :x, :y{square}) AS btile,
                               ST_Transform(ST_TileEnvelope(:z, :x, :y{square}, margin => {BUFFER / EXTENT!r}),
                                            4326) AS b4326)
        SELECT ST_AsMVT(mvt.*, :layer, {EXTENT}, 'geom'{feature_id}), {also_sql} FROM (
            SELECT {c.key} AS id{properties},
                   ST_AsMVTGeom({geom}, bounds.btile, {EXTENT}, {BUFFER}, true) AS geom
            FROM {c.table} t, bounds
            WHERE t.geom && bounds.b4326 AND ({c.where}) AND ({in_scope})
        ) mvt"""
    data, read = session.execute(statement(sql), {**params, **also_params, "z": z, "x": x, "y": y,
                                             "layer": c.id}).one()
    return Tile(bytes(data or b""), read)


# A layer's extent at the layer versions it was measured at: an OGC tileset's limits come from
# it and are checked on every tile, and measuring scans the layer
_extents = Kept(size=256)


def extent_at(session: Session, c: Collection, versions: str | None) -> list[float] | None:
    """features.extent, measured again only when `versions` (read with a tile) moved on."""
    key = (session.get_bind().url.database, c.id, c.where, versions)
    known = _extents.get(key) if versions is not None else None
    if known is None:
        known = (extent(session, c),)
        if versions is not None:
            _extents.put(key, known)
    return known[0]


def tilejson(c: Collection, url_template: str, bounds: list[float] | None) -> dict:
    return {
        "tilejson": "3.0.0", "name": c.id, "description": f"{c.title_zh} / {c.title_en}",
        "tiles": [url_template], "minzoom": c.minzoom, "maxzoom": MAX_ZOOM,
        "bounds": bounds or [-180, -85.05, 180, 85.05], "scheme": "xyz",
        "vector_layers": [{"id": c.id, "minzoom": c.minzoom, "maxzoom": MAX_ZOOM,
                           "fields": {name: "" for name in c.properties}}],
    }
