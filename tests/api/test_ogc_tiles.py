"""OGC API – Tiles beside /tiles: the WebMercatorQuad tile matrix set as the standard defines
it, each collection's vector tileset and its metadata, tiles equal to the /tiles ones with the
same conditional answers, refusals and permissions, one dataset tile with a layer per
collection, and GDAL reading a tileset through its OGC API driver."""
import json
import os
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import text

from app.config import DEFAULT_ROLES
from app.services.layers import features
from tests.conftest import PASSWORD, scalar

MVT = "application/vnd.mapbox-vector-tile"
REL = "http://www.opengis.net/def/rel/ogc/1.0"
# central Helsinki: /tiles/{collection}/{z}/{x}/{y}.mvt is …/{z}/{row=y}/{col=x} in OGC order
Z, ROW, COL = 16, 18969, 37308
TILE = f"WebMercatorQuad/{Z}/{ROW}/{COL}"

# OGC 17-083r4 (Two Dimensional Tile Matrix Set and Tileset Metadata 2.0), Annex D, "Definition
# of the WebMercatorQuad TileMatrixSet": tile matrix id → (scale denominator, pixel size in m)
ANNEX_D = {
    0: (559082264.0287178, 156543.0339280410), 1: (279541132.0143589, 78271.51696402048),
    2: (139770566.0071794, 39135.75848201023), 3: (69885283.00358972, 19567.87924100512),
    4: (34942641.50179486, 9783.939620502561), 5: (17471320.75089743, 4891.969810251280),
    6: (8735660.375448715, 2445.984905125640), 7: (4367830.187724357, 1222.992452562820),
    8: (2183915.093862179, 611.4962262814100), 9: (1091957.546931089, 305.7481131407048),
    10: (545978.7734655447, 152.8740565703525), 11: (272989.3867327723, 76.43702828517624),
    12: (136494.6933663862, 38.21851414258813), 13: (68247.34668319309, 19.10925707129406),
    14: (34123.67334159654, 9.554628535647032), 15: (17061.83667079827, 4.777314267823516),
    16: (8530.918335399136, 2.388657133911758), 17: (4265.459167699568, 1.194328566955879),
    18: (2132.729583849784, 0.5971642834779395), 19: (1066.36479192489, 0.2985821417389700),
    20: (533.182395962445, 0.1492910708694850), 21: (266.591197981222, 0.0746455354347424),
    22: (133.295598990611, 0.0373227677173712),
}
TOP_LEFT = (-20037508.3427892, 20037508.3427892)     # the annex's TopLeftCorner


def get(client, auth, url, role="operator", **headers):
    response = client.get(url, headers={**auth(role), **headers})
    response.data
    return response


def layers_of(tile: bytes) -> dict[str, int]:
    """{layer name: number of features} of a Mapbox vector tile, read from its protobuf: a
    Tile's field 3 is a layer, a layer's field 1 its name and field 2 each feature."""
    found = {}
    for number, layer in _fields(tile):
        if number == 3:
            parts = list(_fields(layer))
            found[next(v for n, v in parts if n == 1).decode()] = sum(1 for n, _ in parts if n == 2)
    return found


def feature_ids(tile: bytes) -> set[int]:
    """The ids of a tile's features: a feature's field 1."""
    return {value for number, layer in _fields(tile) if number == 3
            for n, feature in _fields(layer) if n == 2
            for k, value in _fields(feature) if k == 1}


def _fields(data: bytes):
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            size, i = _varint(data, i)
            value, i = data[i:i + size], i + size
        else:                                   # fixed 64 or 32 bits
            size = 8 if wire == 1 else 4
            value, i = data[i:i + size], i + size
        yield number, value


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i
        shift += 7


# -- the tile matrix set ------------------------------------------------------------------------

def test_web_mercator_quad_has_the_matrices_the_standard_defines(client, auth):
    listed = get(client, auth, "/ogcapi/tileMatrixSets").get_json()["tileMatrixSets"]
    assert [t["id"] for t in listed] == ["WebMercatorQuad", "WorldCRS84Quad"]
    href = next(link["href"] for link in listed[0]["links"] if link["rel"] == "self")
    tms = get(client, auth, href.replace("http://localhost", "")).get_json()
    assert tms["uri"] == "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    assert tms["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    assert tms["wellKnownScaleSet"] == "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible"
    assert [m["id"] for m in tms["tileMatrices"]] == [str(z) for z in range(23)]     # 0 to tiles.MAX_ZOOM
    for m in tms["tileMatrices"]:
        z = int(m["id"])
        scale, cell = ANNEX_D[z]
        assert m["scaleDenominator"] == pytest.approx(scale, rel=1e-12), z
        assert m["cellSize"] == pytest.approx(cell, rel=1e-12), z
        # a cell is the standardized 0.28 mm rendering pixel at that scale
        assert m["cellSize"] == pytest.approx(m["scaleDenominator"] * 0.28e-3, rel=1e-12)
        assert m["pointOfOrigin"] == pytest.approx(TOP_LEFT, abs=1e-7) and m["cornerOfOrigin"] == "topLeft"
        assert (m["tileWidth"], m["tileHeight"], m["matrixWidth"], m["matrixHeight"]) == (256, 256, 2 ** z, 2 ** z)
    unknown = get(client, auth, "/ogcapi/tileMatrixSets/EuropeanETRS89_LAEAQuad", **{"Accept-Language": "en"})
    assert unknown.status_code == 404 and "WebMercatorQuad, WorldCRS84Quad" in unknown.get_json()["description"]


def test_world_crs84_quad_has_the_matrices_the_standard_defines(client, auth):
    """OGC 17-083r4, Annex D, WorldCRS84Quad: matrix z has WebMercatorQuad's z + 1 scale, cells of
    0.703125 / 2^z degrees, and 2^(z+1) columns by 2^z rows from 180° W, 90° N."""
    tms = get(client, auth, "/ogcapi/tileMatrixSets/WorldCRS84Quad").get_json()
    assert tms["uri"] == "http://www.opengis.net/def/tilematrixset/OGC/1.0/WorldCRS84Quad"
    assert tms["crs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84" and tms["orderedAxes"] == ["Lon", "Lat"]
    assert tms["wellKnownScaleSet"] == "http://www.opengis.net/def/wkss/OGC/1.0/GoogleCRS84Quad"
    assert [m["id"] for m in tms["tileMatrices"]] == [str(z) for z in range(22)]     # as fine as WebMercatorQuad 22
    for m in tms["tileMatrices"]:
        z = int(m["id"])
        assert m["scaleDenominator"] == pytest.approx(ANNEX_D[z + 1][0], rel=1e-12), z
        assert m["cellSize"] == pytest.approx(0.703125 / 2 ** z, rel=1e-12), z
        assert m["pointOfOrigin"] == [-180, 90] and m["cornerOfOrigin"] == "topLeft"
        assert (m["tileWidth"], m["tileHeight"]) == (256, 256)
        assert (m["matrixWidth"], m["matrixHeight"]) == (2 ** (z + 1), 2 ** z)


# -- a collection's tileset ---------------------------------------------------------------------

def test_a_collection_links_to_its_tilesets_and_describes_its_tileset(client, auth, session):
    collection = get(client, auth, "/ogcapi/collections/buildings").get_json()
    tilesets_url = next(link["href"] for link in collection["links"] if link["rel"] == f"{REL}/tilesets-vector")
    tilesets = get(client, auth, tilesets_url.replace("http://localhost", "")).get_json()["tilesets"]
    assert [(t["dataType"], t["crs"], t["tileMatrixSetURI"].rsplit("/", 1)[1]) for t in tilesets] == \
        [("vector", "http://www.opengis.net/def/crs/EPSG/0/3857", "WebMercatorQuad"),
         ("vector", "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "WorldCRS84Quad")]
    rels = {link["rel"]: link["href"] for link in tilesets[0]["links"]}
    assert rels[f"{REL}/tiling-scheme"].endswith("/ogcapi/tileMatrixSets/WebMercatorQuad")
    tileset = get(client, auth, rels["self"].replace("http://localhost", "")).get_json()

    item = next(link for link in tileset["links"] if link["rel"] == "item")
    assert item["href"].endswith("/ogcapi/collections/buildings/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")
    assert item["templated"] is True and item["type"] == MVT
    [layer] = tileset["layers"]
    buildings = features.COLLECTIONS["buildings"]
    assert layer["id"] == "buildings" and layer["geometryDimension"] == 2
    assert set(layer["propertiesSchema"]["properties"]) == set(buildings.properties)
    assert (layer["minTileMatrix"], layer["maxTileMatrix"]) == (str(buildings.minzoom), "22")
    # the bounding box is the collection's extent, and the limits are the tiles it meets
    west, south, east, north = collection["extent"]["spatial"]["bbox"][0]
    box = tileset["boundingBox"]
    assert (box["lowerLeft"], box["upperRight"]) == ([west, south], [east, north])
    limits = tileset["tileMatrixSetLimits"]
    assert [lim["tileMatrix"] for lim in limits] == [str(z) for z in range(buildings.minzoom, 23)]
    for lim in limits:      # PostGIS's own tile envelopes hold the corners of the box
        z = int(lim["tileMatrix"])
        assert scalar(session, """
            SELECT ST_Contains(ST_TileEnvelope(:z, :min_col, :min_row), ST_Transform(ST_Point(:w, :n, 4326), 3857))
               AND ST_Contains(ST_TileEnvelope(:z, :max_col, :max_row), ST_Transform(ST_Point(:e, :s, 4326), 3857))""",
                      z=z, min_col=lim["minTileCol"], min_row=lim["minTileRow"], max_col=lim["maxTileCol"],
                      max_row=lim["maxTileRow"], w=west, n=north, e=east, s=south), lim
    at_z = next(lim for lim in limits if lim["tileMatrix"] == str(Z))
    assert at_z["minTileRow"] <= ROW <= at_z["maxTileRow"] and at_z["minTileCol"] <= COL <= at_z["maxTileCol"]


def test_an_ogc_tile_is_the_tile_the_tiles_url_gives(client, auth):
    for collection, (z, row, col) in [("buildings", (Z, ROW, COL)), ("grids", (14, 4741, 9326)),
                                      ("roads", (Z, ROW, COL))]:
        ogc = get(client, auth, f"/ogcapi/collections/{collection}/tiles/WebMercatorQuad/{z}/{row}/{col}")
        plain = get(client, auth, f"/tiles/{collection}/{z}/{col}/{row}.mvt")
        assert ogc.status_code == 200 and ogc.mimetype == MVT
        assert ogc.data == plain.data and layers_of(ogc.data)[collection] > 0, collection


def test_a_world_crs84_quad_tile_holds_the_buildings_in_its_degrees(client, auth, session):
    crs84 = get(client, auth, "/ogcapi/collections/buildings/tiles/WorldCRS84Quad").get_json()
    mercator = get(client, auth, "/ogcapi/collections/buildings/tiles/WebMercatorQuad").get_json()
    # drawn from the scale WebMercatorQuad draws them from, a matrix number lower
    assert crs84["layers"][0]["maxScaleDenominator"] == pytest.approx(mercator["layers"][0]["maxScaleDenominator"])
    assert int(crs84["tileMatrixSetLimits"][0]["tileMatrix"]) == \
        int(mercator["tileMatrixSetLimits"][0]["tileMatrix"]) - 1
    z = int(crs84["tileMatrixSetLimits"][0]["tileMatrix"]) + 3
    lim = next(lim for lim in crs84["tileMatrixSetLimits"] if lim["tileMatrix"] == str(z))
    size = 180 / 2 ** z
    tiles = [(row, col) for row in range(lim["minTileRow"], lim["maxTileRow"] + 1)
             for col in range(lim["minTileCol"], lim["maxTileCol"] + 1)]
    assert len(tiles) > 1
    for row, col in tiles:
        got = feature_ids(get(client, auth, f"/ogcapi/collections/buildings/tiles/WorldCRS84Quad/{z}/{row}/{col}").data)
        # every building in the tile's degrees, and none beyond its 64-unit buffer
        inside, near = session.execute(text("""
            WITH tile AS (SELECT ST_MakeEnvelope(:west, :north - :size, :west + :size, :north, 4326) AS e)
            SELECT coalesce(array_agg(b.id) FILTER (WHERE ST_Intersects(b.geom, tile.e)), '{}'),
                   coalesce(array_agg(b.id) FILTER (WHERE ST_Intersects(b.geom, ST_Expand(tile.e, :size * 64 / 4096))),
                            '{}')
            FROM building b, tile"""), {"west": -180 + col * size, "north": 90 - row * size, "size": size}).one()
        assert set(inside) <= got <= set(near), (row, col)
    assert any(feature_ids(get(client, auth, f"/ogcapi/collections/buildings/tiles/WorldCRS84Quad/{z}/{row}/{col}")
                           .data) for row, col in tiles)
    # the dataset's tile is the collections' tiles, as in WebMercatorQuad
    row, col = tiles[0]
    both = get(client, auth, f"/ogcapi/tiles/WorldCRS84Quad/{z}/{row}/{col}?collections=buildings,roads").data
    assert both == b"".join(get(client, auth, f"/ogcapi/collections/{c}/tiles/WorldCRS84Quad/{z}/{row}/{col}").data
                            for c in ("buildings", "roads"))


def test_an_unchanged_tile_is_a_304_and_a_change_makes_a_new_etag(client, auth, session):
    url = f"/ogcapi/collections/buildings/tiles/{TILE}"
    etag = get(client, auth, url).headers["ETag"]
    assert get(client, auth, url, **{"If-None-Match": etag}).status_code == 304
    assert get(client, auth, url, "worker").headers["ETag"] != etag      # another scope
    session.execute(text("UPDATE building SET name = name WHERE id = (SELECT min(id) FROM building)"))
    session.commit()
    changed = get(client, auth, url, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


@pytest.mark.parametrize("tile, parameter, english, chinese", [
    ("23/0/0", "tileMatrix", "zoom must be 0–22.", "缩放级别须为 0–22。"),
    ("3/9/0", "tileRow", "at zoom 3, x and y run from 0 to 7.", "缩放级别 3 下，x 和 y 的取值为 0 到 7。"),
    ("3/0/8", "tileCol", "at zoom 3, x and y run from 0 to 7.", "缩放级别 3 下，x 和 y 的取值为 0 到 7。"),
    ("a/0/0", "tileMatrix", "tileMatrix must be a whole number, got 'a'.", "tileMatrix 应为整数，收到的是 a。"),
])
def test_a_tile_outside_the_tile_matrix_set_is_a_400_in_the_readers_language(
        client, auth, tile, parameter, english, chinese):
    for base in ("/ogcapi/collections/buildings/tiles/WebMercatorQuad", "/ogcapi/tiles/WebMercatorQuad"):
        for language, words in (("en", english), ("zh", chinese)):
            refused = get(client, auth, f"{base}/{tile}", **{"Accept-Language": language})
            assert refused.status_code == 400, base
            assert refused.get_json() == {"code": "InvalidParameterValue", "description": words,
                                          "parameter": parameter}


@pytest.mark.parametrize("tile, parameter, english, chinese", [
    ("22/0/0", "tileMatrix", "zoom must be 0–21.", "缩放级别须为 0–21。"),
    ("3/8/0", "tileRow", "In tile matrix 3, tileRow runs from 0 to 7 and tileCol from 0 to 15.",
     "瓦片矩阵 3 中，tileRow 的取值为 0 到 7，tileCol 为 0 到 15。"),
    ("3/0/16", "tileCol", "In tile matrix 3, tileRow runs from 0 to 7 and tileCol from 0 to 15.",
     "瓦片矩阵 3 中，tileRow 的取值为 0 到 7，tileCol 为 0 到 15。"),
])
def test_a_tile_outside_world_crs84_quad_is_a_400_naming_its_rows_and_columns(
        client, auth, tile, parameter, english, chinese):
    for base in ("/ogcapi/collections/buildings/tiles/WorldCRS84Quad", "/ogcapi/tiles/WorldCRS84Quad"):
        for language, words in (("en", english), ("zh", chinese)):
            refused = get(client, auth, f"{base}/{tile}", **{"Accept-Language": language})
            assert refused.get_json() == {"code": "InvalidParameterValue", "description": words,
                                          "parameter": parameter}, base


@pytest.mark.parametrize("url, parameter, known", [
    # a misspelt collections= would otherwise draw every collection
    (f"/ogcapi/tiles/{TILE}?collection=buildings", "collection", ["f", "collections"]),
    ("/ogcapi/tiles/WebMercatorQuad?collections=grids&datetime=2025-05-06", "datetime", ["f", "collections"]),
    (f"/ogcapi/collections/buildings/tiles/{TILE}?f=mvt&bbox=24.9,60.1,25,60.2", "bbox", ["f"]),
    ("/ogcapi/collections/buildings/tiles/WebMercatorQuad?collections=roads", "collections", ["f"]),
    ("/ogcapi/collections/buildings/tiles?limit=1", "limit", ["f"]),
    ("/ogcapi/tileMatrixSets/WebMercatorQuad?crs=EPSG:4326", "crs", ["f"]),
    ("/ogcapi/tileMatrixSets?z=1", "z", ["f"]),
    ("/ogcapi/tiles?collections=grids", "collections", ["f"]),
])
def test_a_parameter_the_tiles_do_not_take_is_a_400_naming_it_as_items_refuse_one(
        client, auth, url, parameter, known):
    for language, words in (("en", f"Unknown parameter '{parameter}'. This takes only {', '.join(known)}."),
                            ("zh", f"没有参数 {parameter}。这里只接受 {'、'.join(known)}。")):
        refused = get(client, auth, url, **{"Accept-Language": language})
        assert refused.status_code == 400, url
        assert refused.get_json() == {"code": "InvalidParameterValue", "description": words, "parameter": parameter}


def test_the_parameters_the_tiles_take_are_still_taken(client, auth):
    assert get(client, auth, f"/ogcapi/collections/buildings/tiles/{TILE}?f=mvt").status_code == 200
    assert get(client, auth, f"/ogcapi/tiles/{TILE}?collections=buildings&f=mvt").status_code == 200
    for url in ("/ogcapi/tileMatrixSets?f=json", "/ogcapi/tiles/WebMercatorQuad?collections=grids&f=json",
                "/ogcapi/collections/buildings/tiles?f=json"):
        assert get(client, auth, url).status_code == 200, url
    wrong_format = get(client, auth, f"/ogcapi/collections/buildings/tiles/{TILE}?f=json", **{"Accept-Language": "en"})
    assert wrong_format.status_code == 400 and wrong_format.get_json()["parameter"] == "f"


def test_unknown_collections_sets_and_tiles_outside_the_limits_are_404(client, auth):
    english = {"Accept-Language": "en"}
    unknown = get(client, auth, f"/ogcapi/collections/parks/tiles/{TILE}", **english)
    assert unknown.status_code == 404 and "no collection named 'parks'" in unknown.get_json()["description"]
    assert get(client, auth, "/ogcapi/collections/parks/tiles").status_code == 404
    assert get(client, auth, f"/ogcapi/collections/buildings/tiles/WorldCRS84Quad/{Z}/{ROW}/{COL}").status_code == 404
    # far from the city, and below the zoom buildings are drawn from: not tiles of the tileset
    # (/tiles answers them empty)
    for tile, x_y in [("16/100/100", "16/100/100"), (f"8/{ROW >> 8}/{COL >> 8}", f"8/{COL >> 8}/{ROW >> 8}")]:
        outside = get(client, auth, f"/ogcapi/collections/buildings/tiles/WebMercatorQuad/{tile}", **english)
        assert outside.status_code == 404 and "tileMatrixSetLimits" in outside.get_json()["description"]
        assert get(client, auth, f"/tiles/buildings/{x_y}.mvt").data == b""


def test_a_role_reads_the_tiles_of_the_collections_it_may_read(client, auth):
    url = f"/ogcapi/collections/cameras/tiles/{TILE}"
    for role in ("operator", "viewer"):
        expected = 200 if "cameras:read" in DEFAULT_ROLES[role] else 403
        for path in (url, "/ogcapi/collections/cameras/tiles", "/ogcapi/collections/cameras/tiles/WebMercatorQuad"):
            assert get(client, auth, path, role).status_code == expected, (role, path)
    assert get(client, auth, url, "viewer", **{"Accept-Language": "en"}).get_json()["code"] == "Forbidden"
    assert client.get(url).status_code == 401


# -- the dataset's tiles ------------------------------------------------------------------------

def test_a_dataset_tile_holds_a_layer_per_collection_named(client, auth):
    url = f"/ogcapi/tiles/{TILE}?collections=buildings,roads"
    both = get(client, auth, url)
    assert both.status_code == 200 and both.mimetype == MVT
    one_by_one = [get(client, auth, f"/ogcapi/collections/{c}/tiles/{TILE}").data for c in ("buildings", "roads")]
    assert both.data == b"".join(one_by_one)
    found = layers_of(both.data)
    assert list(found) == ["buildings", "roads"] and found["buildings"] > 10 and found["roads"] > 0
    # collections may be named by their URL too
    by_url = get(client, auth, f"/ogcapi/tiles/{TILE}?collections=http://localhost/ogcapi/collections/buildings,roads")
    assert by_url.data == both.data


def test_a_dataset_tile_holds_every_collection_the_role_may_read_at_its_zoom(client, auth):
    operator = layers_of(get(client, auth, f"/ogcapi/tiles/{TILE}").data)
    viewer = layers_of(get(client, auth, f"/ogcapi/tiles/{TILE}", "viewer").data)
    assert {"grids", "buildings", "roads", "communities", "cameras"} <= set(operator)
    assert "cameras" not in viewer and "incidents" not in viewer and {"grids", "buildings"} <= set(viewer)
    # below the buildings' minzoom the tile leaves them out, as /tiles/buildings answers empty
    z12 = layers_of(get(client, auth, f"/ogcapi/tiles/WebMercatorQuad/12/{ROW >> 4}/{COL >> 4}").data)
    assert "grids" in z12 and "buildings" not in z12
    metadata = get(client, auth, "/ogcapi/tiles/WebMercatorQuad", "viewer").get_json()
    assert {layer["id"] for layer in metadata["layers"]} == \
        {c.id for c in features.COLLECTIONS.values() if c.permission in DEFAULT_ROLES["viewer"]}


def test_the_dataset_tileset_is_found_from_the_landing_page(client, auth):
    landing = get(client, auth, "/ogcapi").get_json()
    tilesets_url = next(link["href"] for link in landing["links"] if link["rel"] == f"{REL}/tilesets-vector")
    tilesets = get(client, auth, tilesets_url.replace("http://localhost", "")).get_json()["tilesets"]
    assert [(t["dataType"], t["tileMatrixSetURI"].rsplit("/", 1)[1]) for t in tilesets] == \
        [("vector", "WebMercatorQuad"), ("vector", "WorldCRS84Quad")]
    tileset = tilesets[0]
    self_url = next(link["href"] for link in tileset["links"] if link["rel"] == "self")
    named = get(client, auth, self_url.replace("http://localhost", "") + "?collections=grids,buildings").get_json()
    assert [layer["id"] for layer in named["layers"]] == ["grids", "buildings"]
    item = next(link["href"] for link in named["links"] if link["rel"] == "item")
    assert item.endswith("/ogcapi/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}?collections=grids,buildings")
    assert named["tileMatrixSetLimits"][0]["tileMatrix"] == "0"       # grids are drawn from zoom 0


def test_a_dataset_tile_refuses_unknown_and_unreadable_collections_as_the_api_does(client, auth):
    english = {"Accept-Language": "en"}
    unknown = get(client, auth, f"/ogcapi/tiles/{TILE}?collections=buildings,parks", **english)
    assert unknown.status_code == 400
    assert unknown.get_json()["parameter"] == "collections"
    assert "no collection named 'parks'" in unknown.get_json()["description"]
    unreadable = get(client, auth, f"/ogcapi/tiles/{TILE}?collections=buildings,cameras", "viewer", **english)
    assert unreadable.status_code == 403
    assert unreadable.get_json() == get(client, auth, "/ogcapi/collections/cameras/items", "viewer",
                                        **english).get_json()


def test_an_unchanged_dataset_tile_is_a_304_until_one_of_its_layers_changes(client, auth, session):
    url = f"/ogcapi/tiles/{TILE}?collections=buildings,roads"
    etag = get(client, auth, url).headers["ETag"]
    assert get(client, auth, url, **{"If-None-Match": etag}).status_code == 304
    session.execute(text("UPDATE road SET name = name WHERE id = (SELECT min(id) FROM road)"))
    session.commit()
    changed = get(client, auth, url, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert get(client, auth, url, **{"If-None-Match": changed.headers["ETag"]}).status_code == 304


# -- declared ------------------------------------------------------------------------------------

def test_the_conformance_and_the_openapi_document_declare_the_tiles(client, auth):
    from app.api.layers.ogctiles import CONFORMANCE
    declared = get(client, auth, "/ogcapi/conformance").get_json()["conformsTo"]
    assert set(CONFORMANCE) <= set(declared)
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in CONFORMANCE
    paths = get(client, auth, "/ogcapi/api").get_json()["paths"]
    tile = paths["/collections/buildings/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"]["get"]
    assert MVT in tile["responses"]["200"]["content"] and "304" in tile["responses"]
    assert "collections" in {p["name"] for p in paths["/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"]
                             ["get"]["parameters"]}
    assert "/collections/cameras/tiles" in paths
    assert "/collections/cameras/tiles" not in get(client, auth, "/ogcapi/api", "viewer").get_json()["paths"]


# -- GDAL as the client ----------------------------------------------------------------------------

# Debian's GDAL 3.6 reads no vector tiles through its OGCAPI driver (tests/api/test_gdal_client.py
# says why); the GDAL inside pyogrio's wheel (a dependency, for plan import and export) does, in a
# process of its own. Left to itself it picks WorldCRS84Quad (test_gdal_client.py); it reads
# WebMercatorQuad only with the extent given in that set's CRS (MINX…, here one tile's box), as
# it takes the collection's CRS84 extent for coordinates of the set's CRS (api/layers/ogctiles.py).
READ_A_TILE = textwrap.dedent("""
    import json, sys
    from pyogrio import raw
    url, layer, box = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    meta, _, geometry, fields = raw.read(url, layer=layer, API="TILES", **box)
    grids = fields[list(meta["fields"]).index("grid")]
    print(json.dumps({"crs": meta["crs"], "fields": list(meta["fields"]), "count": len(geometry),
                      "grids": sorted({str(v) for v in grids})}))
""")


def test_gdal_reads_the_features_of_a_tile_through_the_ogc_api(live_server, users, client, auth, session):
    west, south, east, north = session.execute(text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM ST_TileEnvelope(:z, :x, :y) e"),
        {"z": Z, "x": COL, "y": ROW}).one()
    inset = 1.0     # metres: the tile alone, not its neighbours
    box = {"TILEMATRIXSET": "WebMercatorQuad",
           "MINX": west + inset, "MINY": south + inset, "MAXX": east - inset, "MAXY": north - inset}
    env = {**os.environ, "GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": f"{users['operator']['username']}:{PASSWORD}",
           "CPL_DEBUG": "OFF", "GDAL_HTTP_TIMEOUT": "60"}
    done = subprocess.run([sys.executable, "-c", READ_A_TILE, f"OGCAPI:{live_server}/ogcapi/collections/buildings",
                           f"Zoom level {Z}", json.dumps(box)], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    read = json.loads(done.stdout)
    assert read["crs"] == "EPSG:3857" and {"address", "households", "grid"} <= set(read["fields"])
    # the buildings in the tile, with their grids (GDAL clips to the tile: not those that reach
    # only into the tile's buffer)
    inside = session.execute(text("""
        SELECT count(*), array_agg(DISTINCT coalesce(g.code, 'None') ORDER BY coalesce(g.code, 'None'))
        FROM building b LEFT JOIN grid g ON g.id = b.grid_id
        WHERE ST_Intersects(ST_Transform(b.geom, 3857), ST_TileEnvelope(:z, :x, :y))"""),
        {"z": Z, "x": COL, "y": ROW}).one()
    assert (read["count"], read["grids"]) == (inside[0], inside[1]) and read["count"] > 10
