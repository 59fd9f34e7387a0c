// The ground under our own layers, decided in one place for every map page: none (our layers
// alone, which need no internet), 天地图 with the deployment's key, or any XYZ basemap — and the
// datum that basemap is drawn in. AMap, Tencent and other Chinese basemaps draw in GCJ-02, several
// hundred metres off WGS84; on them the map's CRS shifts our WGS84 layers for display (GeoJSON,
// markers, positions, drawn shapes: whatever Leaflet projects) and shifts every place it hands
// back (clicks, drawn vertices, the view's bounds) back again, so what reaches the server is WGS84.
// The page's #map element carries the settings (app/web/basemap.py) as data-basemap.
import { t, lang } from './i18n.js';

// gcoord (npm, bundled) holds the published GCJ-02 formula. Outside China it is the identity.
export function toGcj02([lng, lat]) {
  return gcoord.transform([lng, lat], gcoord.WGS84, gcoord.GCJ02);
}

// gcoord's inverse stops within 1e-6° (about 10 cm); a vertex drawn on the screen must reach the
// server where it was drawn, so the inverse is iterated on until the forward shift of the answer
// meets the drawn point within 1e-10° (about 10 µm). The shift changes by under 1% of any distance
// moved, so each step gains two digits.
export function fromGcj02([lng, lat]) {
  let [x, y] = gcoord.transform([lng, lat], gcoord.GCJ02, gcoord.WGS84);
  for (let step = 0; step < 10; step += 1) {
    const [gx, gy] = toGcj02([x, y]);
    if (Math.abs(gx - lng) < 1e-10 && Math.abs(gy - lat) < 1e-10) break;
    x -= gx - lng;
    y -= gy - lat;
  }
  return [x, y];
}

// Web Mercator of the GCJ-02 place: where a GCJ-02 basemap draws a WGS84 place. Made when first
// asked for: the residents' pages without a map load this module without Leaflet.
let gcj02 = null;
export function gcj02Crs() {
  const mercator = L.Projection.SphericalMercator;
  gcj02 ??= L.extend({}, L.CRS.EPSG3857, {
    code: 'GCJ02',
    shifted: true,
    projection: {
      bounds: mercator.bounds,
      project(latlng) {
        const [lng, lat] = toGcj02([latlng.lng, latlng.lat]);
        return mercator.project(L.latLng(lat, lng));
      },
      unproject(point) {
        const drawn = mercator.unproject(point);
        const [lng, lat] = fromGcj02([drawn.lng, drawn.lat]);
        return L.latLng(lat, lng);
      },
    },
  });
  return gcj02;
}

// each base with the annotation drawn for it: Chinese names, or English ones for the English page
const ANNOTATION = { vec: { zh: 'cva', en: 'eva' }, img: { zh: 'cia', en: 'eia' } };

function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function osmAttribution() {
  return `© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> ${t('osm_contributors')}`;
}

// 天地图's terms ask for its name and the map's review number (审图号)
function tiandituLayers(settings) {
  const attribution = `© <a href="https://www.tianditu.gov.cn/">${t('tianditu')}</a>`
    + (settings.review_number ? ` ${t('map_review_number')} ${escapeHtml(settings.review_number)}` : '');
  const options = { subdomains: '01234567', minNativeZoom: 1, maxNativeZoom: 18, maxZoom: 20,
                    tk: encodeURIComponent(settings.key) };
  const choices = {};
  for (const base of ['vec', 'img']) {
    choices[base] = L.layerGroup([
      // the tiles' address comes from the server's settings (app/config.py TIANDITU_URL)
      L.tileLayer(settings.url, { ...options, layer: base, attribution }),
      L.tileLayer(settings.url, { ...options, layer: ANNOTATION[base][lang === 'zh' ? 'zh' : 'en'] }),
    ]);
  }
  return { shown: choices[settings.layers] || choices.vec,
           choices: { [t('tianditu_vec')]: choices.vec, [t('tianditu_img')]: choices.img } };
}

// A Leaflet map on `element` (or its id), made with `options`, over the basemap the page's settings
// name, and naming the data sources where Leaflet names itself (and a flag buyers ask to remove).
export function createMap(element, options = {}) {
  const target = typeof element === 'string' ? document.getElementById(element) : element;
  // the residents' pages carry it on the body, beside the city's bounds
  const settings = JSON.parse(target.dataset.basemap || document.body.dataset.basemap || 'null');
  const map = L.map(target, { ...options, attributionControl: true,
                              crs: settings?.datum === 'gcj02' ? gcj02Crs() : L.CRS.EPSG3857 });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(osmAttribution());
  map.basemapChoices = null;
  if (settings?.provider === 'tianditu') {
    const { shown, choices } = tiandituLayers(settings);
    shown.addTo(map);
    map.basemapChoices = choices;
  } else if (settings?.provider === 'xyz') {
    L.tileLayer(settings.url, { subdomains: settings.subdomains || 'abc', maxNativeZoom: 18, maxZoom: 20,
                                attribution: escapeHtml(settings.attribution || '') }).addTo(map);
  }
  return map;
}

// Our vector tiles are cut in WGS84. On a shifted map each tile is drawn moved by the shift at
// its centre: the shift changes by under 0.7% across a tile, so no vertex lands a pixel off, at
// any zoom, and the tiles asked for are those under the view moved back by the shift.
function shiftedClass() {
  if (L.VectorGrid.ShiftedProtobuf) return L.VectorGrid.ShiftedProtobuf;
  const grid = L.GridLayer.prototype;
  const plain = L.CRS.EPSG3857;
  L.VectorGrid.ShiftedProtobuf = L.VectorGrid.Protobuf.extend({
    _shift(wgsPixel, zoom) {
      if (!this._map.options.crs.shifted) return L.point(0, 0);
      return this._map.project(plain.pointToLatLng(wgsPixel, zoom), zoom).subtract(wgsPixel).round();
    },
    _getTilePos(coords) {
      const size = this.getTileSize();
      return grid._getTilePos.call(this, coords).add(this._shift(coords.add([0.5, 0.5]).scaleBy(size), coords.z));
    },
    _getTiledPixelBounds(center) {
      const bounds = grid._getTiledPixelBounds.call(this, center);
      const shift = this._shift(plain.latLngToPoint(center, this._tileZoom), this._tileZoom);
      return L.bounds(bounds.min.subtract(shift), bounds.max.subtract(shift));
    },
    // a tile's own place, for the `bounds` option (the city's extent, in WGS84)
    _tileCoordsToNwSe(coords) {
      const nw = coords.scaleBy(this.getTileSize());
      return [plain.pointToLatLng(nw, coords.z), plain.pointToLatLng(nw.add(this.getTileSize()), coords.z)];
    },
  });
  return L.VectorGrid.ShiftedProtobuf;
}

// Our own vector tiles, as L.vectorGrid.protobuf makes them, drawn in place on a shifted map too.
export function vectorTiles(url, options) {
  return new (shiftedClass())(url, options);
}

// The feature of `layer` under a mouse event: the tile of the zoom being drawn, measured on the
// screen (so a shifted basemap or a zoom animation changes nothing), then the shapes inside it.
// An outline drawn without fill (a community, a street) is found on its line, not inside it.
export function featureAt(layer, event) {
  const size = layer.getTileSize();
  for (const tile of Object.values(layer._vectorTiles || {})) {
    if (tile.getCoord().z !== layer._tileZoom) continue;
    const box = tile.getContainer().getBoundingClientRect();
    if (event.clientX < box.left || event.clientX >= box.right || event.clientY < box.top || event.clientY >= box.bottom) continue;
    const point = L.point((event.clientX - box.left) * (size.x / box.width), (event.clientY - box.top) * (size.y / box.height));
    for (const { feature } of Object.values(tile._features)) {
      if (feature._parts) feature._pxBounds = feature._pxBounds || feature._getPixelBounds();
      const hit = feature._parts && !feature.options.fill
        ? L.Polyline.prototype._containsPoint.call(feature, point, true)
        : feature._containsPoint(point);
      if (hit) return feature;
    }
    return null;
  }
  return null;
}
