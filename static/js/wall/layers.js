// The base of the wall: our own data, no internet. Whatever a city has by the thousand comes as
// vector tiles: buildings, roads, camera coverage, and the areas themselves — a city has 6,400
// grids and 1,200 communities, too many to send and draw as GeoJSON. The grids are shaded in the
// browser from the tiles' own shapes, by the figures the panel already has (load, register), and
// name themselves on hover; only the street chiefs' segments, asked for, come as GeoJSON.
import { tiles as tileStyles, outlines, gridStyle, segmentStyle } from './styles.js';
import { localName, t } from '../i18n.js';
import { vectorTiles, featureAt } from '../basemap.js';
import { getJson } from '../http.js';

// Grids and the outlines of their communities and streets sit above the ground's tiles and
// below everything drawn on the overlay pane (heat cells, routes, incidents).
export const AREAS_PANE = 'areas';
const ORDER = { grids: 1, register: 2, communities: 3, streets: 4 };

export function areasPane(map) {
  map.createPane(AREAS_PANE).style.zIndex = 350;
  map.getPane(AREAS_PANE).style.pointerEvents = 'none';
}

// `bounds`: the area the wall watches; no tile outside it is asked for (they would all be empty)
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

// Zoomed out on a whole city the lines are many and close: thinner and solid there, so that the
// grids' colours still show between them.
const CITY_ZOOM = 14;
function thinner(style, zoom) {
  return zoom >= CITY_ZOOM ? style : { ...style, weight: Math.max(0.5, style.weight / 2), dashArray: null };
}

// the outlines of streets or communities, in the areas pane above the grids
export function outlineTiles(collection, bounds) {
  return vectorTiles(`/tiles/${collection}/{z}/{x}/{y}.mvt`, {
    bounds, pane: AREAS_PANE, zIndex: ORDER[collection], interactive: false, rendererFactory: L.canvas.tile,
    maxNativeZoom: 18, vectorTileLayerStyles: { [collection]: (p, zoom) => thinner(outlines[collection], zoom) },
  });
}

// The grids from their tiles, each drawn in `style(properties)` (properties: the tile's — code,
// name_zh, name_en…). `restyle()` draws the grids already there again in the style of the moment
// (new counts, another measure) without asking for a tile; tiles that come later take it anyway.
// `tooltip(properties)`: what the grid under the pointer says (nothing: no tooltip), found in the
// tiles themselves.
export function gridTiles(bounds, { style, tooltip, order = 'grids' }) {
  const drawn = (properties, zoom) => {
    const own = style(properties);
    return { fill: true, ...own, weight: own.weight > 1 ? own.weight : thinner(own, zoom).weight };
  };
  const layer = vectorTiles('/tiles/grids/{z}/{x}/{y}.mvt', {
    bounds, pane: AREAS_PANE, zIndex: ORDER[order], interactive: false, rendererFactory: L.canvas.tile,
    maxNativeZoom: 18, vectorTileLayerStyles: { grids: drawn },
    getFeatureId: (feature) => feature.properties.code,      // keeps each tile's features for restyle
  });
  layer.restyle = () => {
    for (const tile of Object.values(layer._vectorTiles || {})) {
      for (const { feature } of Object.values(tile._features)) {
        feature.updateStyle(tile, L.extend({}, L.Path.prototype.options, drawn(feature.properties, tile.getCoord().z)));
      }
    }
  };
  // how a grid is drawn now (the first tile it is in), for a test or anyone at the console
  layer.drawnStyle = (code) => {
    for (const tile of Object.values(layer._vectorTiles || {})) {
      const found = tile._features[code];
      if (found) return { ...found.feature.options };
    }
    return null;
  };
  layer.count = () => new Set(Object.values(layer._vectorTiles || {}).flatMap((tile) => Object.keys(tile._features))).size;
  if (tooltip) hoverTooltips(layer, tooltip);
  return layer;
}

// One tooltip that follows the pointer over the grids, looked for once per frame at most.
function hoverTooltips(layer, say) {
  const tip = L.tooltip({ direction: 'top', offset: [0, -12], className: 'grid-tooltip' });
  let map = null;
  let pending = null;
  let frame = null;
  const show = () => {
    frame = null;
    const feature = map && featureAt(layer, pending.originalEvent);
    const words = feature && say(feature.properties);
    if (!words) { map?.closeTooltip(tip); return; }
    tip.setContent(words);
    if (map.hasLayer(tip)) tip.setLatLng(pending.latlng);
    else map.openTooltip(tip, pending.latlng);
  };
  const move = (e) => { pending = e; frame = frame || requestAnimationFrame(show); };
  const out = () => map?.closeTooltip(tip);
  layer.on('add', (e) => { map = e.target._map; map.on('mousemove', move).on('mouseout movestart', out); });
  layer.on('remove', () => { map?.off('mousemove', move).off('mouseout movestart', out); map?.closeTooltip(tip); map = null; });
}

// Grids shaded by today's load, in the classes the server cut (services/live/wall.py), with
// their overdue ones edged in red; `shade` takes new counts, `shadeOff` leaves outlines only
// (under the heat map or the register) and back.
export function gridLayer(bounds) {
  let loads = {};
  let breaks = [];
  let off = false;
  const layer = gridTiles(bounds, {
    style: (p) => ({ ...gridStyle(loads[p.code], breaks, p.kind), ...(off ? { fillOpacity: 0 } : {}) }),
    tooltip: (p) => {
      if (off) return null;            // the colour map on top names its own grids
      const load = loads[p.code] || { load: 0, open: 0, overdue: 0 };
      return `${escapeHtml(localName(p))} <small>${escapeHtml(p.code)}${p.kind === 'special' ? ` · ${t('grid_special')}` : ''}</small><br>`
        + `${t('period_today')} ${load.load} · ${t('open_now')} ${load.open} · ${t('overdue_now')} ${load.overdue}`;
    },
  });
  layer.shade = (newLoads, newBreaks) => {
    loads = newLoads;
    breaks = newBreaks;
    layer.restyle();
  };
  layer.shadeOff = (yes) => {
    off = yes;
    layer.restyle();
  };
  return layer;
}

// How many features a collection holds for this reader, without sending them
export async function countOf(collection) {
  return (await getJson(`/ogcapi/collections/${collection}/items?limit=1`)).numberMatched;
}

// street chiefs' road segments (街长路段), each with its chief on hover: asked for when the layer
// is first shown (4,200 segments in a city), not with the wall
export function segmentLayer() {
  let loaded = false;
  const layer = L.geoJSON(null, {
    style: () => segmentStyle,
    onEachFeature: (f, sub) => sub.bindTooltip(() => {
      const p = f.properties;
      const chief = p.chief ? `${escapeHtml(localName({ name_zh: p.chief_name_zh, name_en: p.chief_name_en }))} (${escapeHtml(p.chief)})` : t('none');
      return `${escapeHtml(p.code)} ${escapeHtml(localName(p))}<br>${t('street_chief')}: ${chief}`;
    }, { sticky: true }),
  });
  layer.on('add', async () => {
    if (loaded) return;
    loaded = true;
    try {
      layer.addData(await getJson('/ogcapi/collections/road-segments/items?limit=10000'));
    } catch (error) { loaded = false; console.warn('road-segments', error.message); }
  });
  return layer;
}

export function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
