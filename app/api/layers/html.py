"""The OGC API as plain pages (f=html): a person can look at the landing page, the collections,
a page of features, one feature and a collection's schemas, in their language. Each page is
the JSON document the clients get, laid out; nothing here decides what is shown. A key this
module has no words for is left out, a link it has no words for shown by its rel.

The templates live beside this module (templates/ogcapi/), read by a loader of their own: the
API's blueprint stays free of page concerns."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Response, current_app, request, url_for
from jinja2 import Environment, FileSystemLoader

from ...messages import CATALOGUE, say
from ..errors import request_language

TEMPLATES = Path(__file__).parent / "templates"


def page(kind: str, document: dict, **context) -> Response:
    """`kind`: landing, conformance, collections, collection, items, item or schema (queryables
    and a feature's schema); `document`: the JSON answer of that kind; `context`: `collection`
    (its description) for items and item."""
    language = request_language()
    words = _Words(language)
    values = dict(kind=kind, document=document, lang=language, say=words, html=as_html, in_format=in_format,
                  link=link, title_of=lambda c: title_of(c, language), geometry_name=words.geometry,
                  home=url_for("ogcapi.landing", f="html"), as_json=in_format(request.url, "json"))
    values.update(_LAYOUTS[kind](document, words, **context))
    text = _templates().get_template(f"ogcapi/{kind}.html").render(values)
    response = Response(text, mimetype="text/html")     # Flask adds charset=utf-8
    # the same address answers JSON or this page, in either language
    response.vary.update(("Accept", "Accept-Language"))
    return response


def _templates() -> Environment:
    """The app's Jinja environment (autoescape, url_for, the asset bundles) reading our folder."""
    app = current_app
    if "ogcapi_pages" not in app.extensions:
        app.extensions["ogcapi_pages"] = app.jinja_env.overlay(loader=FileSystemLoader(TEMPLATES))
    return app.extensions["ogcapi_pages"]


class _Words:
    """The page's words in one language: `say('count', matched=3)` is ogcapi_page.count."""

    def __init__(self, language: str):
        self.language = language

    def __call__(self, key: str, **params) -> str:
        return say(f"ogcapi_page.{key}", self.language, **params)

    def geometry(self, kind: str | None) -> str:
        return self(f"geometry.{kind}") if f"ogcapi_page.geometry.{kind}" in CATALOGUE else (kind or "")


# -- links --------------------------------------------------------------------------------------

def in_format(href: str, fmt: str) -> str:
    """`href` with f=`fmt` in place of any f it had."""
    parts = urlsplit(href)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "f"]
    return urlunsplit(parts._replace(query=urlencode(query + [("f", fmt)])))


def as_html(href: str) -> str:
    """A link between pages: the next page is a page too, whatever the Accept header says."""
    return in_format(href, "html")


def link(document: dict, rel: str) -> dict | None:
    return next((k for k in document.get("links") or () if k.get("rel") == rel and k.get("href")), None)


def _href(document: dict, rel: str) -> str | None:
    found = link(document, rel)
    return found["href"] if found else None


# -- words from the document --------------------------------------------------------------------

def _half(text: str | None, language: str) -> str:
    """The half of "中文 / English" in `language`; a text not said in both, whole."""
    zh, both, en = (text or "").partition(" / ")
    return (zh if language == "zh" else en) if both else zh


def title_of(collection: dict, language: str) -> str:
    """The collection's title in `language`: its description says "中文 / English"."""
    if language == "zh" and " / " in (collection.get("description") or ""):
        return _half(collection["description"], language)
    return collection.get("title") or collection.get("id") or ""


def _description(collection: dict, language: str) -> str | None:
    """The description in `language`, unless it only repeats the title."""
    said = _half(collection.get("description"), language)
    return None if said in ("", title_of(collection, language)) else said


def _label(feature: dict, language: str) -> str:
    """What a person calls a feature: its name in their language, else its code, else its id."""
    props = feature.get("properties") or {}
    for key in (f"name_{language}", "name_zh", "name", "code"):
        if props.get(key) not in (None, ""):
            return str(props[key])
    return str(feature.get("id", ""))


def _value(words: _Words):
    def shown(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return words("yes" if value else "no")
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False)
        return str(value)
    return shown


def _degrees(value) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") if isinstance(value, (int, float)) else str(value)


# -- what each kind of page adds to its document -------------------------------------------------

def _crumbs(words: _Words, *more: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(words("home"), url_for("ogcapi.landing", f="html")), *more]


def _collections_crumb(words: _Words) -> tuple[str, str]:
    return words("collections"), url_for("ogcapi.collections", f="html")


def _landing(document: dict, words: _Words) -> dict:
    return dict(crumbs=[(words("home"), None)])


def _conformance(document: dict, words: _Words) -> dict:
    return dict(crumbs=_crumbs(words, (words("conformance"), None)))


def _collections(document: dict, words: _Words) -> dict:
    return dict(crumbs=_crumbs(words, (words("collections"), None)))


def _collection(document: dict, words: _Words) -> dict:
    values = dict(crumbs=_crumbs(words, _collections_crumb(words), (title_of(document, words.language), None)),
                  description=_description(document, words.language), bbox=None, interval=None,
                  links=_collection_links(document, words), crs=_crs_codes(document.get("crs") or ()),
                  storage_crs=_crs_code(document["storageCrs"]) if document.get("storageCrs") else None)
    extent = document.get("extent") or {}
    boxes = (extent.get("spatial") or {}).get("bbox") or []
    if boxes and len(boxes[0]) == 4:
        west, south, east, north = boxes[0]
        values["bbox"] = dict(west=_degrees(west), south=_degrees(south), east=_degrees(east), north=_degrees(north))
        values["map_data"] = {"type": "Feature", "properties": {},
                              "geometry": {"type": "Polygon", "coordinates": [[
                                  [west, south], [east, south], [east, north], [west, north], [west, south]]]}}
    intervals = (extent.get("temporal") or {}).get("interval") or []
    if intervals and len(intervals[0]) == 2:
        start, end = intervals[0]
        values["interval"] = words("interval", start=start, end=end) if start and end else \
            words("interval_open") if not (start or end) else \
            words("interval", start=start or words("open_end"), end=end or words("open_end"))
    filters = document.get("filters") or []
    values["example"] = f"?{filters[0]}=…" if filters else "?bbox=…"
    # a collection with queryables takes a CQL2 filter (Part 3)
    values["cql2"] = link(document, QUERYABLES) is not None
    values["cql2_example"] = f"{filters[0]} = '…'" if filters else ""
    return values


QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SCHEMA = "http://www.opengis.net/def/rel/ogc/1.0/schema"
# rel -> its words: the documents the API also answers as a page
_PAGED = {"items": "items_html", QUERYABLES: "queryables", SCHEMA: "schema", "describedby": "schema"}
# rel -> its words: documents for programs only (their words name the format)
_MACHINE = {"tiles": "tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector": "tilesets"}
# a machine format is named on its link: media type -> the format's name
FORMAT_NAMES = {"application/geo+json": "GeoJSON", "application/schema+json": "JSON Schema",
                "application/json": "JSON", "application/vnd.oai.openapi+json;version=3.0": "OpenAPI 3.0"}


def _collection_links(document: dict, words: _Words) -> list[dict]:
    """What the collection links to, in words: a page with its machine format beside it where the
    API answers both, the tiles, then any link this page has no words for, by its rel."""
    shown, seen = [], set()
    for one in document.get("links") or ():
        href, rel, type_ = one.get("href"), one.get("rel") or "", one.get("type")
        known = rel.lower()       # rel names are case-insensitive (RFC 8288): describedBy
        if not href or href in seen or known == "self":
            continue
        seen.add(href)
        if known in _PAGED:
            shown.append(dict(text=words(_PAGED[known]), href=as_html(href),
                              format=dict(name=FORMAT_NAMES.get(type_, type_ or "JSON"), href=in_format(href, "json"),
                                          type=type_)))
        elif known in _MACHINE:
            shown.append(dict(text=words(_MACHINE[known]), href=href, type=type_))
        else:
            shown.append(dict(rel=rel, href=href, type=type_))
    return shown


def _crs_codes(uris) -> list[dict]:
    """The CRS list, a run of consecutive EPSG codes said as one range (the Gauss-Krüger zones,
    EPSG:4491–4554, are 64 of them)."""
    said: list[dict] = []
    for uri in uris:
        one = _crs_code(uri)
        number = one["code"].removeprefix("EPSG:")
        last = said[-1] if said else None
        if number.isdigit() and last and last["last"] is not None and int(number) == last["last"] + 1:
            last.update(code=f"{last['code'].partition('–')[0]}–{number}", uri=None, last=int(number))
        else:
            said.append(dict(one, last=int(number) if number.isdigit() else None))
    return said


def _crs_code(uri: str) -> dict:
    """A CRS URI as people write it (EPSG:4490), with the URI beside it for the exact reader."""
    authority, _, code = uri.rstrip("/").rpartition("/")
    authority = authority.rpartition("/def/crs/")[2].partition("/")[0]
    return dict(uri=uri, code=f"{authority}:{code}" if authority and code else uri)


def _collection_crumbs(words: _Words, collection: dict, *more) -> list:
    self = _href(collection, "self")
    return _crumbs(words, _collections_crumb(words),
                   (title_of(collection, words.language), as_html(self) if self else None), *more)


def _map_feature(feature: dict, language: str, href: str | None) -> dict:
    """A feature as the map draws it: its shape, what its tooltip says and where a click leads."""
    return {"type": "Feature", "id": feature.get("id"), "geometry": feature.get("geometry"),
            "properties": {"label": _label(feature, language), "href": href}}


def _item_href(collection: dict, feature_id) -> str:
    return url_for("ogcapi.item", collection_id=collection.get("id"), feature_id=feature_id, f="html")


def _items(document: dict, words: _Words, collection: dict) -> dict:
    found = document.get("features") or []
    columns = list(dict.fromkeys(key for f in found for key in (f.get("properties") or {})))
    self = _href(document, "self") or ""
    offset = dict(parse_qsl(urlsplit(self).query)).get("offset", "0")
    first = int(offset) + 1 if offset.isdigit() else 1
    returned = document.get("numberReturned", len(found))
    rows = [dict(id=f.get("id"), href=_item_href(collection, f.get("id")) if f.get("id") is not None else None,
                 properties=f.get("properties") or {}) for f in found]
    return dict(crumbs=_collection_crumbs(words, collection, (words("features"), None)),
                collection=collection, title=title_of(collection, words.language), columns=columns, rows=rows,
                value=_value(words), first=first, last=first + returned - 1, returned=returned,
                matched=document.get("numberMatched"),
                map_data={"type": "FeatureCollection",
                          "features": [_map_feature(f, words.language, r["href"]) for f, r in zip(found, rows)]},
                drawn=_drawable() and any(f.get("geometry") for f in found))


def _item(document: dict, words: _Words, collection: dict) -> dict:
    label = _label(document, words.language)
    items = _href(collection, "items")
    return dict(crumbs=_collection_crumbs(words, collection, (words("features"), as_html(items) if items else None),
                                          (label, None)),
                collection=collection, title=title_of(collection, words.language), label=label,
                value=_value(words), items=items,
                map_data=_map_feature(document, words.language, None),
                drawn=_drawable() and bool(document.get("geometry")))


def _drawable() -> bool:
    """Whether the coordinates are longitude and latitude, as the map takes them: not when the
    request asked for another CRS (crs=EPSG:4490 is latitude first, a projected one metres)."""
    asked = request.args.get("crs", "")
    return not asked or asked.rstrip("]").upper().endswith("CRS84")


def _schema(document: dict, words: _Words) -> dict:
    """A JSON Schema: the queryables (flat) or a feature's (its properties one level down)."""
    top = document.get("properties") or {}
    inner = (top.get("properties") or {}).get("properties") if isinstance(top.get("properties"), dict) else None
    fields = {**{k: v for k, v in top.items() if k not in ("type", "properties")}, **inner} \
        if isinstance(inner, dict) else top
    own = str(document.get("$id") or "").rstrip("/")
    queryables = own.endswith("/queryables")
    collection_href = own.rpartition("/")[0]
    title = _half(document.get("title"), words.language)
    heading = words("queryables" if queryables else "schema")
    return dict(crumbs=_crumbs(words, _collections_crumb(words),
                               (title, as_html(collection_href) if collection_href else None), (heading, None)),
                title=title, heading=heading, about=words("queryables_about" if queryables else "schema_about"),
                rows=[dict(name=name, type=_schema_type(spec, words), notes=_schema_notes(spec, words))
                      for name, spec in fields.items() if isinstance(spec, dict)])


_GEOMETRY_FORMATS = {f"geometry-{kind.lower()}": kind for kind in (
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")}


def _schema_type(spec: dict, words: _Words) -> str:
    fmt, kind = spec.get("format"), spec.get("type")
    if isinstance(fmt, str) and fmt.startswith("geometry-"):
        return words("type.geometry", kind=words.geometry(_GEOMETRY_FORMATS.get(fmt, fmt.removeprefix("geometry-"))))
    for name in (fmt, kind):
        if isinstance(name, str) and f"ogcapi_page.type.{name}" in CATALOGUE:
            return words(f"type.{name}")
    return str(fmt or kind or "")


def _schema_notes(spec: dict, words: _Words) -> list[str]:
    notes = []
    role = spec.get("x-ogc-role")
    if role:
        notes.append(words(f"role.{role}") if f"ogcapi_page.role.{role}" in CATALOGUE else role)
    if spec.get("enum"):
        notes.append(words("enum", values=[str(v) for v in spec["enum"]]))
    if spec.get("readOnly"):
        notes.append(words("read_only"))
    return notes


_LAYOUTS = {"landing": _landing, "conformance": _conformance, "collections": _collections,
            "collection": _collection, "items": _items, "item": _item, "schema": _schema}
