"""The OGC API as pages (f=html, app/api/layers/html.py): a person with a browser reads the
landing page, the collections, a collection, a page of features and one feature, in Chinese or
English, and walks between them without leaving the pages; a program still gets JSON."""
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from app.messages import say

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
LANGUAGES = {"zh": "zh-CN,zh;q=0.9", "en": "en-GB,en;q=0.9"}
# names of standards, formats and programs: the same words in a Chinese page
NAMES = ("OGC API – Features", "OGC API – Tiles", "OGC API", "JSON Schema", "OpenAPI", "GeoJSON", "TileJSON",
         "QGIS", "GDAL")


class Page(HTMLParser):
    """A page as its reader sees it: the words of the page itself (`words`) apart from what the
    data says (ids and codes in <code>, the features' values in <tbody class="data">), and its links."""

    def __init__(self, text: str):
        super().__init__()
        self.words, self.links, self.ids, self._skipping = [], [], [], []
        self.lang = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs)
        if tag in ("code", "script", "style") or "data" in (attrs.get("class") or "").split():
            self._skipping.append(tag)
        elif self._skipping and tag == self._skipping[-1]:
            self._skipping.append(tag)

    def handle_endtag(self, tag):
        if self._skipping and tag == self._skipping[-1]:
            self._skipping.pop()

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.words.append(data.strip())

    @property
    def text(self) -> str:
        return "\n".join(self.words)

    def link(self, **wanted) -> dict | None:
        return next((a for a in self.links if all(a.get(k) == v for k, v in wanted.items())), None)


def page(client, auth, url, language="zh", role="operator", accept=None):
    headers = {**auth(role), "Accept-Language": LANGUAGES[language]}
    if accept:
        headers["Accept"] = accept
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return Page(response.get_data(as_text=True))


def local(href: str) -> str:
    parts = urlsplit(href)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def query(href: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def english_sentences(text: str) -> list[str]:
    for name in NAMES:
        text = text.replace(name, "")
    return re.findall(r"[A-Za-z]{2,}[ \t]+[A-Za-z]{2,}", text)


def first_grid(client, auth):
    return client.get("/ogcapi/collections/grids/items?limit=1", headers=auth("operator")).get_json()["features"][0]


def say_page(key, language, **params):
    return say(f"ogcapi_page.{key}", language, **params)


# -- every kind of page, in both languages ------------------------------------------------------

@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_landing_page_leads_to_the_collections_the_conformance_and_the_openapi_document(client, auth, language):
    landing = page(client, auth, "/ogcapi?f=html", language)
    assert landing.lang == ("zh-CN" if language == "zh" else "en")
    assert say_page("name", language) in landing.text and say_page("about", language) in landing.text
    collections = landing.link(href="http://localhost/ogcapi/collections?f=html")
    conformance = landing.link(href="http://localhost/ogcapi/conformance?f=html")
    assert collections and conformance
    # the OpenAPI document is for programs: its link names the format, not another page
    openapi = [a for a in landing.links if "/ogcapi/api" in a["href"]]
    assert len(openapi) == 1 and "f=html" not in openapi[0]["href"]
    assert "OpenAPI 3.0" in say_page("openapi", language) and say_page("openapi", language) in landing.text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_conformance_page_lists_what_the_api_conforms_to(client, auth, language):
    body = client.get("/ogcapi/conformance", headers=auth("operator")).get_json()
    shown = page(client, auth, "/ogcapi/conformance?f=html", language)
    assert say_page("conformance_about", language) in shown.text
    raw = client.get("/ogcapi/conformance?f=html", headers=auth("operator")).get_data(as_text=True)
    assert all(f"<code>{uri}</code>" in raw for uri in body["conformsTo"])


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_collections_page_tables_every_collection_in_the_readers_language(client, auth, language):
    body = client.get("/ogcapi/collections", headers=auth("operator")).get_json()
    shown = page(client, auth, "/ogcapi/collections?f=html", language)
    for c in body["collections"]:
        zh_title, _, en_title = c["description"].partition(" / ")
        title = zh_title if language == "zh" else en_title
        described = shown.link(href=f"http://localhost/ogcapi/collections/{c['id']}?f=html")
        assert described, c["id"]
        items = f"http://localhost/ogcapi/collections/{c['id']}/items"
        assert shown.link(href=f"{items}?f=html") and shown.link(href=f"{items}?f=json", type="application/geo+json")
        assert title in shown.text
    grids = next(c for c in body["collections"] if c["id"] == "grids")
    assert say_page("geometry.MultiPolygon", language) in shown.text and grids["geometryType"] == "MultiPolygon"
    if language == "zh":
        assert "Grids" not in shown.text and "Street-chief road segments" not in shown.text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_collection_page_shows_its_extent_its_links_and_the_filters_it_takes(client, auth, language):
    body = client.get("/ogcapi/collections/grids", headers=auth("operator")).get_json()
    response = client.get("/ogcapi/collections/grids?f=html",
                          headers={**auth("operator"), "Accept-Language": LANGUAGES[language]})
    shown = Page(response.get_data(as_text=True))
    assert ("网格" if language == "zh" else "Grids") in shown.text
    west, south, east, north = body["extent"]["spatial"]["bbox"][0]
    assert f"{west:.6f}".rstrip("0") in shown.text and f"{north:.6f}".rstrip("0") in shown.text
    items = "http://localhost/ogcapi/collections/grids/items"
    assert shown.link(href=f"{items}?f=html")["href"]
    assert shown.link(href=f"{items}?f=json", type="application/geo+json")
    tiles = next(link for link in body["links"] if link["rel"] == "tiles")
    assert shown.link(href=tiles["href"]) and say_page("tiles", language) in shown.text
    # the form asks the items page, as a page, for exactly the filters the collection takes
    raw = response.get_data(as_text=True)
    assert f'action="{items}"' in raw and '<input type="hidden" name="f" value="html">' in raw
    for name in body["filters"]:
        assert f'name="{name}"' in raw and say_page("equals", language, name=name) in shown.text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_items_page_maps_and_tables_the_features_of_that_page(client, auth, language):
    url = "/ogcapi/collections/grids/items?limit=5&offset=5"
    body = client.get(url, headers=auth("operator")).get_json()
    response = client.get(f"{url}&f=html", headers={**auth("operator"), "Accept-Language": LANGUAGES[language]})
    raw = response.get_data(as_text=True)
    shown = Page(raw)
    assert say_page("count", language, matched=body["numberMatched"], first=6, last=10) in shown.text
    # one row per feature of this page, each leading to the feature's own page
    rows = [a["href"] for a in shown.links if re.search(r"/items/\d+\?f=html$", a["href"])]
    assert rows == [f"/ogcapi/collections/grids/items/{f['id']}?f=html" for f in body["features"]]
    for feature in body["features"]:
        assert f"<td>{feature['properties']['code']}</td>" in raw
    # and the map holds the same features
    drawn = json.loads(re.search(r'<script type="application/json" id="ogc-map-data">(.*?)</script>', raw, re.S)[1])
    assert [f["id"] for f in drawn["features"]] == [f["id"] for f in body["features"]]
    assert 'id="ogc-map"' in raw
    label = "name_zh" if language == "zh" else "name_en"
    assert drawn["features"][0]["properties"]["label"] == body["features"][0]["properties"][label]


def test_the_next_and_previous_pages_are_pages_and_the_geojson_link_says_so(client, auth):
    shown = page(client, auth, "/ogcapi/collections/grids/items?limit=5&offset=5&f=html")
    nxt, prev = shown.link(rel="next"), shown.link(rel="prev")
    assert query(nxt["href"]) == {"limit": "5", "offset": "10", "f": "html"}
    assert query(prev["href"]) == {"limit": "5", "offset": "0", "f": "html"}
    geojson = shown.link(type="application/geo+json")
    assert query(geojson["href"]) == {"limit": "5", "offset": "5", "f": "json"}
    assert say_page("as_geojson", "zh") in shown.text
    following = client.get(local(geojson["href"]), headers=auth("operator"))
    assert following.mimetype == "application/geo+json" and following.get_json()["numberReturned"] == 5
    # a page reached by the browser's Accept header alone still links to pages
    browsed = page(client, auth, "/ogcapi/collections/grids/items?limit=5", accept=BROWSER)
    assert query(browsed.link(rel="next")["href"])["f"] == "html"
    assert page(client, auth, local(nxt["href"])).link(rel="prev")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_feature_page_maps_the_feature_with_its_properties_and_leads_back(client, auth, language):
    feature = first_grid(client, auth)
    url = f"/ogcapi/collections/grids/items/{feature['id']}"
    response = client.get(f"{url}?f=html", headers={**auth("operator"), "Accept-Language": LANGUAGES[language]})
    raw = response.get_data(as_text=True)
    shown = Page(raw)
    name = feature["properties"]["name_zh" if language == "zh" else "name_en"]
    assert f"<h1>{name}</h1>" in raw
    for key, value in feature["properties"].items():
        assert f"<code>{key}</code>" in raw
        if value is not None:
            assert f"<td>{value}</td>" in raw
    assert shown.link(href="http://localhost/ogcapi/collections/grids?f=html")
    assert shown.link(href="http://localhost/ogcapi/collections/grids/items?f=html")
    assert query(shown.link(type="application/geo+json")["href"]) == {"f": "json"}
    drawn = json.loads(re.search(r'id="ogc-map-data">(.*?)</script>', raw, re.S)[1])
    assert drawn["geometry"] == feature["geometry"]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_queryables_page_types_each_property(client, auth, language):
    shown = page(client, auth, "/ogcapi/collections/grids/queryables?f=html", language)
    assert say_page("queryables", language) in shown.text
    assert say_page("type.integer", language) in shown.text          # households
    assert say_page("type.geometry", language, kind=say_page("geometry.MultiPolygon", language)) in shown.text


# -- the reader's language, and nothing else in it ------------------------------------------------

PAGES = ["/ogcapi", "/ogcapi/conformance", "/ogcapi/collections", "/ogcapi/collections/grids",
         "/ogcapi/collections/road-segments", "/ogcapi/collections/grids/items?limit=3",
         "/ogcapi/collections/grids/queryables", "/ogcapi/collections/incidents/schema"]


@pytest.mark.parametrize("url", [*PAGES, "item"])
def test_a_chinese_page_has_no_english_sentence_and_an_english_page_no_chinese(client, auth, url):
    if url == "item":
        url = f"/ogcapi/collections/grids/items/{first_grid(client, auth)['id']}"
    chinese = page(client, auth, url, "zh", accept=BROWSER)
    assert chinese.lang == "zh-CN"
    assert english_sentences(chinese.text) == []
    english = page(client, auth, url, "en", accept=BROWSER)
    assert english.lang == "en"
    assert re.findall(r"[\u4e00-\u9fff]+", english.text) == []


# -- one address, two answers -------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/ogcapi", "/ogcapi/collections/grids", "/ogcapi/collections/grids/items?limit=2"])
def test_a_browser_gets_the_page_and_a_program_the_json(client, auth, url):
    browsed = client.get(url, headers={**auth("operator"), "Accept": BROWSER})
    assert browsed.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Accept" in browsed.headers["Vary"] and "Accept-Language" in browsed.headers["Vary"]
    for accept in ("application/json", "application/geo+json", "*/*"):
        asked = client.get(url, headers={**auth("operator"), "Accept": accept})
        assert asked.mimetype in ("application/json", "application/geo+json"), accept
        assert asked.get_json()
    assert client.get(f"{url}{'&' if '?' in url else '?'}f=json",
                      headers={**auth("operator"), "Accept": BROWSER}).get_json()


@pytest.mark.parametrize("value", ["%00", "pdf", "HTML"])
def test_a_nul_or_unknown_format_is_refused_as_the_api_refuses(client, auth, value):
    for url in ("/ogcapi", "/ogcapi/collections/grids/items"):
        response = client.get(f"{url}?f={value}", headers={**auth("operator"), "Accept": BROWSER})
        assert response.status_code == 400
        assert response.get_json()["code"] == "InvalidParameterValue"


def test_the_map_is_left_out_when_the_coordinates_are_not_longitude_and_latitude(client, auth):
    """crs=EPSG:3857 answers in metres: the table still shows the features, no map misplaces them."""
    projected = client.get("/ogcapi/collections/grids/items?limit=3&crs=EPSG:3857&f=html",
                           headers=auth("operator")).get_data(as_text=True)
    assert 'id="ogc-map"' not in projected and projected.count("?f=html\">") >= 3
    plain = client.get("/ogcapi/collections/grids/items?limit=3&f=html", headers=auth("operator"))
    assert 'id="ogc-map"' in plain.get_data(as_text=True)


# -- what the data says is shown, never run -------------------------------------------------------

def test_every_value_is_escaped_in_the_table_and_in_the_map_data(app):
    from app.api.layers import html
    hostile = "</script><script>alert(1)</script>"
    collection = {"id": "grids", "title": "Grids", "description": "网格 / Grids",
                  "links": [{"rel": "self", "href": "http://localhost/ogcapi/collections/grids"},
                            {"rel": "items", "href": "http://localhost/ogcapi/collections/grids/items"}]}
    feature = {"type": "Feature", "id": 1, "geometry": {"type": "Point", "coordinates": [24.94, 60.17]},
               "properties": {"name_zh": hostile, "note": '"><img src=x onerror=alert(1)>'}, "links": []}
    with app.test_request_context("/ogcapi/collections/grids/items/1?f=html"):
        text = html.page("item", feature, collection=collection).get_data(as_text=True)
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in text
    drawn = json.loads(re.search(r'id="ogc-map-data">(.*?)</script>', text, re.S)[1])
    assert drawn["properties"]["label"] == hostile


# -- in the browser ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.web.test_pages import CHROMIUM_ARGS
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_the_items_map_draws_the_page_and_a_click_opens_the_feature(browser, live_server, users, locale):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900},
                                  extra_http_headers={"Authorization": f"Bearer {users['operator']['token']}"})
    view = context.new_page()
    errors, external = [], []
    view.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    view.on("pageerror", lambda e: errors.append(str(e)))
    view.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server) else None)

    view.goto(f"{live_server}/ogcapi/collections/grids/items?limit=7")      # the browser's own Accept
    view.wait_for_selector("#ogc-map .leaflet-overlay-pane path")
    shapes = view.locator("#ogc-map .leaflet-overlay-pane path")
    assert shapes.count() == 7 and view.locator("table.features tbody tr").count() == 7
    shapes.first.dispatch_event("click")
    view.wait_for_url(re.compile(r"/ogcapi/collections/grids/items/\d+\?f=html$"))
    view.wait_for_selector("#ogc-map .leaflet-overlay-pane path")
    assert view.locator("table.properties").is_visible()
    assert errors == [] and external == []      # Leaflet from our bundle, no basemap from the internet
    context.close()


def test_a_browser_not_signed_in_is_taken_to_sign_in_and_a_client_gets_the_401(client):
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = client.get("/ogcapi/collections/grids/items?limit=5", headers=browser)
    assert page.status_code == 302
    assert page.headers["Location"].endswith("/login?next=/ogcapi/collections/grids/items?limit%3D5")
    gdal = client.get("/ogcapi/collections/grids/items?limit=5", headers={"Accept": "application/geo+json"})
    assert gdal.status_code == 401 and "Basic" in gdal.headers["WWW-Authenticate"]
