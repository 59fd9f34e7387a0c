// Each collection as our own vector tiles, with popups that speak the user's language. A city
// has 6,400 grids, 66,600 buildings and 38,552 cameras: no collection is asked for whole, each is
// drawn from the zoom where it can be read, and a click finds its feature in the tiles under it
// (the tiles carry the same properties as the items: services/layers/tiles.py).
import { t, localName } from '../i18n.js';
import { vectorTiles, featureAt } from '../basemap.js';
import { featureStyle } from './styles.js';

// The zoom a collection is drawn from: below it a city's buildings, cameras and parts are specks,
// and megabytes of tiles at its zoom (the wall draws buildings from 14 too). Each tile is the
// server's of one zoom out (TILE_PX), so this is at least one more than the server's own minzoom
// (services/layers/features.py), under which its tiles are empty.
export const FROM_ZOOM = { roads: 12, buildings: 14, cameras: 14, parts: 15 };
// Tiles drawn 512 px across, each the server's 256-px tile of one zoom out (its 4,096 units are
// still 8 to the pixel): a quarter as many requests, 50 for a desk's first view of a district
// instead of 120, with the same features in them.
const TILE_PX = 512;

// Bottom to top; a click asks the most particular first (a camera on a building in a grid).
export const DRAWN = ['roads', 'buildings', 'grids', 'communities', 'streets', 'parts', 'cameras'];
const PICKED = ['cameras', 'parts', 'buildings', 'roads', 'grids', 'communities', 'streets'];
const TOLERANCE_PX = 4;      // a point of 3 px, a road of 1 px: clickable without aiming

// field → the prefix of its values' words in the catalogue ('' : the value itself is a key)
const popupFields = {
  streets: { code: null, households: null, population: null },
  communities: { code: null, households: null, population: null },
  grids: { code: null, kind: '', community: null, households: null, population: null },
  buildings: { address: null, kind: '', levels: null, households: null, grid: null },
  roads: { kind: '' },
  cameras: { kind: 'camera_kind_' },
  parts: { part_name: null, standard_code: null, status: 'part_', grid: null },
};

export function popup(collection, props) {
  // a part's own name (a lamp's number) sits under its kind's name, the popup's title
  const values = collection === 'parts' ? { ...props, part_name: props.name } : props;
  const rows = Object.entries(popupFields[collection])
    .filter(([key]) => values[key] !== null && values[key] !== undefined)
    .map(([key, prefix]) => {
      const word = prefix === null ? null : t(`${prefix}${values[key]}`);
      const value = word !== null && word !== `${prefix}${values[key]}` ? word : values[key];
      return `<tr><th>${t(key)}</th><td>${escapeHtml(String(value))}</td></tr>`;
    }).join('');
  return `<strong>${escapeHtml(localName(props))}</strong><table>${rows}</table>`;
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// `bounds`: the reader's area; no tile beyond it is asked for (they would all be empty).
export function featureTiles(collection, bounds) {
  const layer = vectorTiles(`/tiles/${collection}/{z}/{x}/{y}.mvt`, {
    bounds,
    minZoom: FROM_ZOOM[collection] || 1,
    maxNativeZoom: 18,
    tileSize: TILE_PX,
    zIndex: DRAWN.indexOf(collection) + 1,
    vectorTileLayerStyles: { [collection]: (props) => featureStyle(collection, props) },
    // VectorGrid 1.3's own click handling predates Leaflet 1.9: the map's click finds the
    // feature instead (pick below), in the features each tile keeps by their id
    interactive: false,
    getFeatureId: (feature) => feature.id,
    rendererFactory: L.canvas.tile,
    tolerance: TOLERANCE_PX,
  });
  // Leaflet.VectorGrid 1.3 has no zoomOffset: the tile one zoom out is asked for here
  const ask = layer._getVectorTilePromise;
  layer._getVectorTilePromise = function (coords) {
    const zoomedOut = L.point(coords.x, coords.y);
    zoomedOut.z = coords.z - Math.log2(TILE_PX / 256);
    return ask.call(this, zoomedOut);
  };
  return layer;
}

// What is under a mouse event among the layers on `map` ({collection: layer}): the collection
// and the feature's properties, or null.
export function pick(map, layers, event) {
  for (const collection of PICKED) {
    const layer = layers[collection];
    if (!layer || !map.hasLayer(layer)) continue;
    const feature = featureAt(layer, event);
    if (feature) return { collection, properties: feature.properties };
  }
  return null;
}

// A click opens the popup of what is under it; the pointer says where there is something to
// click, looked for once a frame at most.
export function popups(map, layers) {
  map.on('click', (e) => {
    const found = pick(map, layers, e.originalEvent);
    if (found) L.popup().setLatLng(e.latlng).setContent(popup(found.collection, found.properties)).openOn(map);
  });
  const container = map.getContainer();
  let pending = null;
  let frame = null;
  const hover = () => {
    frame = null;
    container.classList.toggle('over-feature', Boolean(pending && pick(map, layers, pending)));
  };
  map.on('mousemove', (e) => { pending = e.originalEvent; frame = frame || requestAnimationFrame(hover); });
  map.on('mouseout movestart', () => { pending = null; container.classList.remove('over-feature'); });
}
