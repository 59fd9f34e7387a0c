// Builds the city map: our own layers as vector tiles (no internet tile server), over the
// reader's area only, a layer switcher and a legend. Whole at any scale: no layer is asked for
// whole, as a city's 66,600 buildings would be; each is counted instead.
import { t } from './i18n.js';
import { getJson } from './http.js';
import { DRAWN, FROM_ZOOM, featureTiles, popups } from './layers/features.js';
import { legendControl } from './layers/legend.js';
import { createMap } from './basemap.js';
import { countOf } from './wall/layers.js';

// grids and buildings start visible, city parts (dense) when asked for
const VISIBLE = new Set(['roads', 'buildings', 'grids', 'communities', 'cameras']);
// seen beyond the reader's own area, as far as the city: the ground's roads, and the outlines
// of the grids around a grid worker's own (services/accounts/scope.py)
const AROUND = new Set(['roads', 'grids', 'communities', 'streets']);

// "west,south,east,north" as Leaflet bounds (none: empty)
function bounds(text) {
  const bbox = (text || '').split(',').filter(Boolean).map(Number);
  return bbox.length === 4 ? L.latLngBounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]]) : null;
}

// the city parts' major classes for the legend, from the collection's queryables, not its parts
async function partGroups() {
  const queryables = await getJson('/ogcapi/collections/parts/queryables');
  return queryables.properties?.group?.enum || [];
}

// Resolves when a tiled layer has drawn every tile of the view, or at once when it has none to draw.
function drawn(map, layer) {
  if (!map.hasLayer(layer) || !layer.isLoading()) return Promise.resolve();
  return new Promise((resolve) => layer.once('load', resolve));
}

export async function buildMap(element) {
  const map = createMap(element, { preferCanvas: true, zoomControl: true });
  // The server says which layers this user's role may read, the others are not requested, the
  // area they read (data-extent; empty when they read nothing) and the city's (data-city).
  const readable = new Set((element.dataset.collections || '').split(','));
  const shown = DRAWN.filter((c) => readable.has(c));
  const area = bounds(element.dataset.extent);
  const city = bounds(element.dataset.city) || area;
  if (area) map.fitBounds(area);
  else map.setView([0, 0], 2);
  const layers = {};
  const overlays = {};
  for (const collection of shown) {
    layers[collection] = featureTiles(collection, (AROUND.has(collection) ? city : area)?.pad(0.02));
    overlays[t(collection)] = layers[collection];
    if (VISIBLE.has(collection)) layers[collection].addTo(map);
  }
  // asked for after the first tiles, which the browser's six connections serve first; a legend
  // without the parts' classes is better than no map
  const counted = Promise.all(shown.map(async (c) => [c, await countOf(c)]));
  const groups = shown.includes('parts')
    ? partGroups().catch((error) => { console.warn('parts', error.message); return []; }) : [];
  popups(map, layers);
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);
  const legend = legendControl(shown, { parts: await groups }, FROM_ZOOM).addTo(map);
  legend.atZoom(map.getZoom());
  map.on('zoomend', () => legend.atZoom(map.getZoom()));
  L.control.scale({ imperial: false }).addTo(map);
  window.gridmapMap = map;     // for the browser benchmark and for debugging
  // how many features each layer holds for this reader (numberMatched), none of them sent
  element.dataset.counts = JSON.stringify(Object.fromEntries(await counted));
  await Promise.all(Object.values(layers).map((layer) => drawn(map, layer)));
  element.dataset.ready = 'true';
  return map;
}
