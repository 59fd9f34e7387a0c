// A small map in a case: its point, its grid's outline and the roads and buildings around it,
// from our own layers — no tile server, the city's network may be closed. The city map (/)
// shows no single case, so the case carries its own.
import { fetchItems } from '../api.js';
import { t, localName } from '../i18n.js';
import { layerStyles } from '../layers/styles.js';
import { createMap } from '../basemap.js';

const AROUND = 0.003;              // degrees each side of the case: some 300 m, a grid and its streets
const seen = new Map();            // the layers around a case, kept: the list is redrawn every minute

function around(lon, lat) {
  const key = `${lon},${lat}`;
  if (!seen.has(key)) {
    const bbox = [lon - AROUND, lat - AROUND, lon + AROUND, lat + AROUND];
    seen.set(key, Promise.all(['roads', 'buildings', 'grids'].map((c) => fetchItems(c, { bbox, limit: 3000 })))
      .catch((error) => { seen.delete(key); throw error; }));
  }
  return seen.get(key);
}

export async function caseMap(element, feature) {
  const [lon, lat] = feature.geometry.coordinates;
  const p = feature.properties;
  const map = createMap(element, { zoomControl: true, scrollWheelZoom: false })
    .setView([lat, lon], 17);
  element.leaflet = map;
  L.control.scale({ imperial: false }).addTo(map);
  const here = L.circleMarker([lat, lon], { radius: 9, color: '#fff', weight: 3, fillColor: '#c62828', fillOpacity: 1 })
    .bindTooltip(t('dept_case_here'));
  here.addTo(map);
  let roads; let buildings; let grids;
  try {
    [roads, buildings, grids] = await around(lon, lat);
  } catch {
    element.dataset.failed = 'true';
    element.append(Object.assign(document.createElement('p'), { className: 'map-failed', textContent: t('dept_map_failed') }));
    return map;
  }
  L.geoJSON(roads, { style: () => layerStyles.roads, interactive: false }).addTo(map);
  L.geoJSON(buildings, { style: () => layerStyles.buildings, interactive: false }).addTo(map);
  // the case's own grid drawn strong, its neighbours faint, so the boundary reads; its name in
  // a corner (a label at the grid's middle may lie off the map)
  L.geoJSON(grids, {
    style: (g) => (g.properties.code === p.grid
      ? { ...layerStyles.grids, weight: 3, fillOpacity: 0.12 }
      : { ...layerStyles.grids, weight: 1, fillOpacity: 0, dashArray: '4 4' }),
    interactive: false,
  }).addTo(map);
  const own = grids.features.find((g) => g.properties.code === p.grid);
  if (own) {
    const label = L.control({ position: 'topright' });
    label.onAdd = () => Object.assign(document.createElement('div'), { className: 'grid-name', textContent: localName(own.properties) });
    label.addTo(map);
  }
  here.bringToFront();
  element.dataset.ready = 'true';
  return map;
}
