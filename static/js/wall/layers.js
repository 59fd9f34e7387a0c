// The base of the wall: our own data, no internet. Buildings, roads and camera coverage come as
// vector tiles (too big as GeoJSON for a whole city); grids, communities and streets as GeoJSON
// (a few hundred features, and grids are shaded by load and clickable).
import { tiles as tileStyles, outlines, gridStyle, segmentStyle } from './styles.js';
import { localName, t } from '../i18n.js';
import { vectorTiles } from '../basemap.js';

// `bounds`: the city's extent; no tile outside it is asked for (they would all be empty)
// `style`: the phone's light map draws the same tiles in its own colours
export function tileLayer(collection, minZoom, bounds, style = tileStyles[collection]) {
  return vectorTiles(`/tiles/${collection}/{z}/{x}/{y}.mvt`, {
    bounds,
    vectorTileLayerStyles: { [collection]: style },
    interactive: false,      // VectorGrid 1.3's click handling predates Leaflet 1.9
    rendererFactory: L.canvas.tile,
    minZoom,
    maxNativeZoom: 18,
  });
}

export async function geojson(collection) {
  const response = await fetch(`/ogcapi/collections/${collection}/items?limit=10000`);
  if (!response.ok) throw new Error(`${collection}: HTTP ${response.status}`);
  return response.json();
}

export function outlineLayer(data, collection) {
  return L.geoJSON(data, { style: () => outlines[collection], interactive: false });
}

export function gridLayer(data) {
  const layer = L.geoJSON(data, { style: () => gridStyle(null) });
  layer.eachLayer((sub) => sub.bindTooltip(() => {
    const p = sub.feature.properties;
    const load = sub.load || { load: 0, open: 0, overdue: 0 };
    return `${escapeHtml(localName(p))} <small>${escapeHtml(p.code)}</small><br>`
      + `${t('period_today')} ${load.load} · ${t('open_now')} ${load.open} · ${t('overdue_now')} ${load.overdue}`;
  }, { sticky: true }));
  // today's load per grid and the quantile breaks its classes are cut at (services/live/wall.py)
  let off = false;
  let last = [{}, []];
  layer.shade = (loads, breaks) => {
    last = [loads, breaks];
    layer.eachLayer((sub) => {
      sub.load = loads[sub.feature.properties.code];
      sub.setStyle({ ...gridStyle(sub.load, breaks), ...(off ? { fillOpacity: 0 } : {}) });
    });
  };
  // outlines only (under the heat map), and back
  layer.shadeOff = (yes) => { off = yes; layer.shade(...last); };
  return layer;
}

// street chiefs' road segments (街长路段), each with its chief on hover
export function segmentLayer(data) {
  return L.geoJSON(data, {
    style: () => segmentStyle,
    onEachFeature: (f, sub) => sub.bindTooltip(() => {
      const p = f.properties;
      const chief = p.chief ? `${escapeHtml(localName({ name_zh: p.chief_name_zh, name_en: p.chief_name_en }))} (${escapeHtml(p.chief)})` : t('none');
      return `${escapeHtml(p.code)} ${escapeHtml(localName(p))}<br>${t('street_chief')}: ${chief}`;
    }, { sticky: true }),
  });
}

export function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
