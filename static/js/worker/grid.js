// My grid on the phone: its boundary (neighbours faint), the roads with their names under it,
// its buildings with their address, households and grid, whether I stand inside it, and how
// far and which way it is when I do not. No internet basemap: the roads are our own tiles.
import { t, tf, localName } from '../i18n.js';
import { escapeHtml, tileLayer } from '../wall/layers.js';

const LABEL_ZOOM = 16;          // street names from here in: further out they pile up
const AROUND_M = 400;           // street names this far beyond the grid

async function items(collection, query = '') {
  const response = await fetch(`/ogcapi/collections/${collection}/items?limit=10000${query}`);
  if (!response.ok) throw new Error(`${collection}: HTTP ${response.status}`);
  return response.json();
}

// even-odd ray casting over every ring of a (Multi)Polygon, in degrees: fine at grid scale
function inside(geometry, lon, lat) {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  let hit = false;
  for (const polygon of polygons) {
    for (const ring of polygon) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) hit = !hit;
      }
    }
  }
  return hit;
}

// metres east and north of (lon0, lat0): a flat plane is exact enough across a grid
function plane(lon0, lat0) {
  const kx = 111_320 * Math.cos((lat0 * Math.PI) / 180);
  return { x: (lon) => (lon - lon0) * kx, y: (lat) => (lat - lat0) * 111_320 };
}

// the nearest point of my grids' boundaries to where I stand: {metres, bearing (degrees from north)}
export function towards(geometries, lon, lat) {
  const p = plane(lon, lat);
  let best = null;
  for (const geometry of geometries) {
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    for (const ring of polygons.flat()) {
      for (let i = 1; i < ring.length; i++) {
        const ax = p.x(ring[i - 1][0]); const ay = p.y(ring[i - 1][1]);
        const bx = p.x(ring[i][0]); const by = p.y(ring[i][1]);
        const dx = bx - ax; const dy = by - ay;
        const along = dx || dy ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / (dx * dx + dy * dy))) : 0;
        const x = ax + along * dx; const y = ay + along * dy;
        const metres = Math.hypot(x, y);
        if (!best || metres < best.metres) best = { metres, bearing: ((Math.atan2(x, y) * 180) / Math.PI + 360) % 360 };
      }
    }
  }
  return best;
}

function buildingPopup(p, id, gridName = (code) => code) {
  const rows = [['address', p.address], ['households', p.households], ['grid', p.grid && gridName(p.grid)]]
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `<tr><th>${t(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  // the register is the worker's own grids' (the server answers the others with "not your grid")
  const open = id !== undefined ? `<button type="button" class="popup-register" data-register="${escapeHtml(String(id))}">${escapeHtml(t('reg_open'))}</button>` : '';
  return `<strong>${escapeHtml(localName(p) || p.address || tf('reg_building_n', { id }))}</strong><table>${rows}</table>${open}`;
}

// a point halfway along a line, and the line's length in metres
function middle(coordinates) {
  const p = plane(coordinates[0][0], coordinates[0][1]);
  const lengths = coordinates.slice(1).map((c, i) => Math.hypot(p.x(c[0]) - p.x(coordinates[i][0]), p.y(c[1]) - p.y(coordinates[i][1])));
  const total = lengths.reduce((a, b) => a + b, 0);
  let left = total / 2;
  for (let i = 0; i < lengths.length; i++) {
    if (left <= lengths[i]) {
      const f = lengths[i] ? left / lengths[i] : 0;
      const [a, b] = [coordinates[i], coordinates[i + 1]];
      return { at: [a[1] + f * (b[1] - a[1]), a[0] + f * (b[0] - a[0])], metres: total };
    }
    left -= lengths[i];
  }
  return { at: [coordinates[0][1], coordinates[0][0]], metres: total };
}

// each street's name once, on its longest piece near my grid
async function streetNames(map, bounds) {
  const around = bounds.pad(AROUND_M / Math.max(1, map.distance(bounds.getSouthWest(), bounds.getNorthEast())));
  const bbox = [around.getWest(), around.getSouth(), around.getEast(), around.getNorth()].map((v) => v.toFixed(6)).join(',');
  const roads = await items('roads', `&bbox=${bbox}`);
  const longest = new Map();
  for (const f of roads.features) {
    const name = f.properties.name;
    if (!name || !f.geometry) continue;
    const lines = f.geometry.type === 'LineString' ? [f.geometry.coordinates] : f.geometry.coordinates;
    for (const line of lines) {
      const m = middle(line);
      if (!longest.has(name) || longest.get(name).metres < m.metres) longest.set(name, m);
    }
  }
  const labels = L.layerGroup();
  for (const [name, m] of longest) {
    L.marker(m.at, { icon: L.divIcon({ className: 'street-name', html: `<span>${escapeHtml(name)}</span>`, iconSize: null }), interactive: false, keyboard: false })
      .addTo(labels);
  }
  const show = () => (map.getZoom() >= LABEL_ZOOM ? labels.addTo(map) : labels.remove());
  map.on('zoomend', show);
  show();
  return labels;
}

export async function myGrid(map, codes) {
  const mine = new Set(codes);
  // the streets and houses beyond my grid too: a task or a walk may lead there
  tileLayer('buildings', 15, undefined, { color: '#a1887f', weight: 0.5, fill: true, fillColor: '#d7ccc8', fillOpacity: 0.6 }).addTo(map);
  tileLayer('roads', 13, undefined, { color: '#546e7a', weight: 1.5 }).addTo(map);
  const grids = await items('grids');
  const own = grids.features.filter((f) => mine.has(f.properties.code));
  const names = new Map(grids.features.map((f) => [f.properties.code, localName(f.properties)]));
  const gridName = (code) => names.get(code) || code;
  L.geoJSON(grids, {
    style: (f) => (mine.has(f.properties.code)
      ? { color: '#1565c0', weight: 3, fillColor: '#64b5f6', fillOpacity: 0.12 }
      : { color: '#90a4ae', weight: 1, fill: false, dashArray: '4 4' }),
    interactive: false,
  }).addTo(map);
  const buildings = (await Promise.all(codes.map((code) => items('buildings', `&grid=${encodeURIComponent(code)}`))))
    .flatMap((fc) => fc.features);
  const layer = L.geoJSON({ type: 'FeatureCollection', features: buildings }, {
    style: { color: '#6d4c41', weight: 0.8, fillColor: '#bcaaa4', fillOpacity: 0.7 },
    onEachFeature: (f, sub) => { sub.feature = f; sub.bindPopup(() => buildingPopup(f.properties, f.id, gridName), { autoPanPaddingTopLeft: [60, 20] }); },
  }).addTo(map);
  const bounds = own.length ? L.geoJSON({ type: 'FeatureCollection', features: own }).getBounds() : null;
  if (bounds) map.fitBounds(bounds, { padding: [10, 10] });
  else if (grids.features.length) map.fitBounds(L.geoJSON(grids).getBounds());
  if (bounds) streetNames(map, bounds).catch((error) => console.warn('street names:', error.message));

  return {
    contains: (lon, lat) => own.some((f) => inside(f.geometry, lon, lat)),
    towards: (lon, lat) => towards(own.map((f) => f.geometry), lon, lat),
    buildingCount: buildings.length,
  };
}
