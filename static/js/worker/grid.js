// My grid on the phone: its boundary (neighbours faint), its buildings with their address,
// households and grid, and whether I am standing inside it.
import { t, localName } from '../i18n.js';
import { escapeHtml } from '../wall/layers.js';

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

function buildingPopup(p) {
  const rows = [['address', p.address], ['households', p.households], ['grid', p.grid]]
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `<tr><th>${t(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  return `<strong>${escapeHtml(localName(p) || p.address || '')}</strong><table>${rows}</table>`;
}

export async function myGrid(map, codes) {
  const mine = new Set(codes);
  const grids = await items('grids');
  const own = grids.features.filter((f) => mine.has(f.properties.code));
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
    onEachFeature: (f, sub) => { sub.feature = f; sub.bindPopup(() => buildingPopup(f.properties)); },
  }).addTo(map);
  const bounds = own.length ? L.geoJSON({ type: 'FeatureCollection', features: own }).getBounds() : null;
  if (bounds) map.fitBounds(bounds, { padding: [10, 10] });
  else if (grids.features.length) map.fitBounds(L.geoJSON(grids).getBounds());

  return {
    contains: (lon, lat) => own.some((f) => inside(f.geometry, lon, lat)),
    search(text) {
      const q = text.trim().toLowerCase();
      if (!q) return [];
      const hits = [];
      layer.eachLayer((sub) => {
        const p = sub.feature.properties;
        const words = `${p.address || ''} ${p.name || ''} ${p.name_zh || ''} ${p.name_en || ''}`.toLowerCase();
        if (words.includes(q)) hits.push(sub);
      });
      return hits.slice(0, 30);
    },
    buildingCount: buildings.length,
  };
}
