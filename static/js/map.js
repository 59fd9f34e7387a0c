// Builds the city map: base layers from our own data (no internet tile server), a layer
// switcher and a legend.
import { t } from './i18n.js';
import { featureLayer } from './layers/features.js';
import { legendControl } from './layers/legend.js';
import { createMap } from './basemap.js';

// Bottom to top; grids and buildings start visible, city parts (dense) when asked for.
const COLLECTIONS = ['roads', 'buildings', 'grids', 'communities', 'streets', 'parts', 'cameras'];
const VISIBLE = new Set(['roads', 'buildings', 'grids', 'communities', 'cameras']);

export async function buildMap(element) {
  const map = createMap(element, { preferCanvas: true, zoomControl: true });
  map.setView([0, 0], 2);
  // The server says which layers this user's role may read; the others are not requested.
  const readable = new Set((element.dataset.collections || '').split(','));
  const shown = COLLECTIONS.filter((c) => readable.has(c));
  const layers = await Promise.all(shown.map(async (c) => [c, await featureLayer(c)]));
  const overlays = {};
  let bounds = null;
  for (const [collection, layer] of layers) {
    overlays[t(collection)] = layer;
    if (VISIBLE.has(collection)) layer.addTo(map);
    if (layer.featureCount && ['grids', 'buildings'].includes(collection)) {
      bounds = bounds ? bounds.extend(layer.getBounds()) : layer.getBounds();
    }
  }
  if (bounds) map.fitBounds(bounds);
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);
  const parts = layers.find(([c]) => c === 'parts');
  legendControl(shown, { parts: parts ? parts[1].groups : [] }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  window.gridmapMap = map;     // for the browser benchmark and for debugging
  element.dataset.ready = 'true';
  element.dataset.counts = JSON.stringify(Object.fromEntries(layers.map(([c, l]) => [c, l.featureCount])));
  return map;
}
