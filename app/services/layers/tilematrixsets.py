"""The tile matrix sets the vector tiles are cut by, computed from their definitions in the OGC
Two Dimensional Tile Matrix Set and Tileset Metadata standard 2.0 (OGC 17-083r4, Annex D:
WebMercatorQuad and WorldCRS84Quad), and the tiles a bounding box covers in each. Arithmetic
only: no database, no web."""
from __future__ import annotations

import math
from dataclasses import dataclass

# The sphere Web Mercator (EPSG:3857) projects onto has the WGS84 semi-major axis as radius
EARTH_RADIUS_M = 6378137.0
HALF_WORLD_M = math.pi * EARTH_RADIUS_M        # the CRS's bounding box: ±20037508.3427892
# The standard's "standardized rendering pixel size", which turns cell sizes into scales
PIXEL_SIZE_M = 0.28e-3
TILE_SIZE = 256
# the latitude where the square world ends: y = ±HALF_WORLD_M
MAX_LATITUDE = math.degrees(math.atan(math.sinh(math.pi)))
# A degree of a geographic CRS at the standard's scale: the semi-major axis' circumference / 360
DEGREE_M = 2 * math.pi * EARTH_RADIUS_M / 360

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass(frozen=True)
class TileMatrix:
    id: str
    scale_denominator: float
    cell_size: float                        # metres of the CRS per pixel
    point_of_origin: tuple[float, float]    # the top-left corner of tile (0, 0)
    tile_width: int
    tile_height: int
    matrix_width: int
    matrix_height: int

    def document(self) -> dict:
        return {"id": self.id, "scaleDenominator": self.scale_denominator, "cellSize": self.cell_size,
                "cornerOfOrigin": "topLeft", "pointOfOrigin": list(self.point_of_origin),
                "tileWidth": self.tile_width, "tileHeight": self.tile_height,
                "matrixWidth": self.matrix_width, "matrixHeight": self.matrix_height}


@dataclass(frozen=True)
class TileMatrixSet:
    id: str
    title: str
    uri: str
    crs: str
    ordered_axes: tuple[str, str]
    bounds: tuple[float, float, float, float]      # in the CRS: min x, min y, max x, max y
    well_known_scale_set: str
    matrices: tuple[TileMatrix, ...]

    def document(self) -> dict:
        """The JSON encoding of the standard (requirements class json-tilematrixset)."""
        return {"id": self.id, "title": self.title, "uri": self.uri, "crs": self.crs,
                "orderedAxes": list(self.ordered_axes), "wellKnownScaleSet": self.well_known_scale_set,
                "boundingBox": {"lowerLeft": list(self.bounds[:2]), "upperRight": list(self.bounds[2:]),
                                "crs": self.crs},
                "tileMatrices": [m.document() for m in self.matrices]}

    def matrix(self, z: int) -> TileMatrix:
        return self.matrices[z]

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        """The CRS's x and y of a WGS84 longitude and latitude."""
        if self.crs == CRS84:
            return max(-180.0, min(180.0, lon)), max(-90.0, min(90.0, lat))
        return mercator(lon, lat)


def web_mercator_quad(max_zoom: int) -> TileMatrixSet:
    """WebMercatorQuad from tile matrix 0 (the world in one 256-pixel tile) to `max_zoom`, each
    matrix twice as fine as the one before."""
    matrices = []
    for z in range(max_zoom + 1):
        cell = 2 * HALF_WORLD_M / TILE_SIZE / 2 ** z
        matrices.append(TileMatrix(str(z), cell / PIXEL_SIZE_M, cell, (-HALF_WORLD_M, HALF_WORLD_M),
                                   TILE_SIZE, TILE_SIZE, 2 ** z, 2 ** z))
    return TileMatrixSet("WebMercatorQuad", "Google Maps Compatible for the World",
                         "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
                         "http://www.opengis.net/def/crs/EPSG/0/3857", ("X", "Y"),
                         (-HALF_WORLD_M, -HALF_WORLD_M, HALF_WORLD_M, HALF_WORLD_M),
                         "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible", tuple(matrices))


def world_crs84_quad(max_zoom: int) -> TileMatrixSet:
    """WorldCRS84Quad from tile matrix 0 (the world in two 256-pixel tiles, west and east of
    Greenwich, 0.703125° a cell) to `max_zoom`, each matrix twice as fine as the one before: its
    matrix z has the scale of WebMercatorQuad's z + 1."""
    matrices = []
    for z in range(max_zoom + 1):
        cell = 180 / TILE_SIZE / 2 ** z
        matrices.append(TileMatrix(str(z), cell * DEGREE_M / PIXEL_SIZE_M, cell, (-180.0, 90.0),
                                   TILE_SIZE, TILE_SIZE, 2 ** (z + 1), 2 ** z))
    return TileMatrixSet("WorldCRS84Quad", "CRS84 for the World",
                         "http://www.opengis.net/def/tilematrixset/OGC/1.0/WorldCRS84Quad", CRS84, ("Lon", "Lat"),
                         (-180.0, -90.0, 180.0, 90.0),
                         "http://www.opengis.net/def/wkss/OGC/1.0/GoogleCRS84Quad", tuple(matrices))


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """EPSG:3857 metres of a WGS84 longitude and latitude (the poles clamped to the square)."""
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    return (math.radians(lon) * EARTH_RADIUS_M,
            math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * EARTH_RADIUS_M)


@dataclass(frozen=True)
class Limits:
    """The rows and columns of one tile matrix that a tileset holds."""
    tile_matrix: int
    min_row: int
    max_row: int
    min_col: int
    max_col: int

    def holds(self, row: int, col: int) -> bool:
        return self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col

    def document(self) -> dict:
        return {"tileMatrix": str(self.tile_matrix), "minTileRow": self.min_row, "maxTileRow": self.max_row,
                "minTileCol": self.min_col, "maxTileCol": self.max_col}


def limits(tms: TileMatrixSet, bbox: list[float] | None, min_zoom: int) -> list[Limits]:
    """The tiles of each matrix from `min_zoom` on that meet `bbox` (WGS84 minx, miny, maxx,
    maxy); none without a bbox (nothing to tile)."""
    if bbox is None:
        return []
    (west, south), (east, north) = tms.project(bbox[0], bbox[1]), tms.project(bbox[2], bbox[3])
    found = []
    for m in tms.matrices[min_zoom:]:
        span_x, span_y = m.cell_size * m.tile_width, m.cell_size * m.tile_height
        origin_x, origin_y = m.point_of_origin

        def col(x: float) -> int:
            return max(0, min(m.matrix_width - 1, math.floor((x - origin_x) / span_x)))

        def row(y: float) -> int:
            return max(0, min(m.matrix_height - 1, math.floor((origin_y - y) / span_y)))
        found.append(Limits(int(m.id), row(north), row(south), col(west), col(east)))
    return found


def held(found: list[Limits], z: int, row: int, col: int) -> bool:
    """Whether the tileset with these limits holds tile z/row/col."""
    return any(lim.tile_matrix == z and lim.holds(row, col) for lim in found)


def union(boxes: list[list[float] | None]) -> list[float] | None:
    """The bounding box of several (WGS84 minx, miny, maxx, maxy; None: empty)."""
    boxes = [b for b in boxes if b]
    if not boxes:
        return None
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]
