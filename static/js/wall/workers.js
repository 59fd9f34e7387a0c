// Grid workers' live positions, as they arrive on the stream. A position older than
// STALE_MINUTES greys out: the phone stopped reporting. A city has 6,400 grid workers: zoomed
// out they gather into counts (one out of their grid reddens theirs), one by one from a street's
// zoom on.
import { escapeHtml } from './layers.js';
import { t, tf, pick, when } from '../i18n.js';

const STALE_MINUTES = 10;

export function workerLayer({ onSelect = () => {} } = {}) {
  const markers = L.markerClusterGroup({
    maxClusterRadius: 80,           // a city's 6,400 in a few dozen counts, not a carpet of them
    disableClusteringAtZoom: 16,
    chunkedLoading: true,
    showCoverageOnHover: false,
    iconCreateFunction: (c) => {
      const alert = c.getAllChildMarkers().some((m) => m.alert);
      return L.divIcon({ html: `<div><span>${c.getChildCount()}</span></div>`, iconSize: [30, 30],
                         className: `worker-cluster${alert ? ' alert' : ''}` });
    },
  });
  const layer = L.layerGroup([markers]);      // the markers, and the route shown
  const workers = new Map();      // worker id → {marker, fix}
  let route = null;

  // the worker's code in a class: a test (or a person with the inspector) finds their marker.
  // A marker's icon is made again only when what it shows changes: markStale runs every second.
  function setIcon(marker, stale, alert = false, code = '') {
    const look = `${stale}|${alert}|${code}`;
    if (marker.look === look) return;
    marker.look = look;
    marker.alert = alert;
    marker.setIcon(L.divIcon({ className: `worker-icon${stale ? ' stale' : ''}${alert ? ' alert' : ''} w-${code}`, iconSize: [12, 12] }));
  }

  // `fresh`: new markers are gathered there, for the cluster to take at once
  function move(fix, fresh = null) {
    const known = workers.get(fix.worker_id);
    if (known && Date.parse(known.fix.at) > Date.parse(fix.at)) return;   // an older fix, late
    if (known) {
      known.marker.setLatLng([fix.lat, fix.lon]);
      setIcon(known.marker, false, false, fix.worker);
      known.fix = fix;
    } else {
      const marker = L.marker([fix.lat, fix.lon], { keyboard: false })
        .bindTooltip(() => { const known = workers.get(fix.worker_id); return `${escapeHtml(pick(known.name) || known.fix.worker)} · ${when(known.fix.at, 'time')}`; });
      setIcon(marker, false, false, fix.worker);
      marker.on('click', () => onSelect(workers.get(fix.worker_id).fix));
      workers.set(fix.worker_id, { marker, fix });
      if (fresh) fresh.push(marker);
      else markers.addLayer(marker);
    }
  }

  function markStale() {
    const limit = Date.now() - STALE_MINUTES * 60_000;
    for (const w of workers.values()) setIcon(w.marker, Date.parse(w.fix.at) < limit, w.marker.alert, w.fix.worker);
  }

  // straight-line distance in metres; road distances come with routing (issue 9)
  function nearest(lon, lat, n = 5) {
    const rad = Math.PI / 180;
    return [...workers.values()].map(({ fix, name }) => {
      const x = (fix.lon - lon) * rad * Math.cos(lat * rad);
      const y = (fix.lat - lat) * rad;
      return { fix, name, metres: Math.round(Math.hypot(x, y) * 6_371_000) };
    }).sort((a, b) => a.metres - b.metres).slice(0, n);
  }

  // the server's view on load and every minute: stale and out-of-grid come from it
  function load(collection) {
    const fresh = [];
    for (const f of collection.features) {
      const p = f.properties;
      move({ worker_id: p.worker_id, worker: p.worker, at: p.at, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] }, fresh);
      const known = workers.get(p.worker_id);
      known.name = p.name;              // the stream's fixes carry the code only
      setIcon(known.marker, p.stale, p.out_of_grid_alert, p.worker);
    }
    markers.addLayers(fresh);
    if (markers._map) markers.refreshClusters();    // a count reddens with one out of their grid (off the map: none drawn yet)
    return collection.features.filter((f) => f.properties.out_of_grid_alert);
  }

  // a worker's route today, with the stops where they stayed
  function showRoute(geojson) {
    if (route) layer.removeLayer(route);
    route = L.geoJSON(geojson, {
      style: { color: '#00e676', weight: 3, opacity: 0.9 },
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 6, color: '#00e676', fillOpacity: 0.4 })
        .bindTooltip(tf('stay_minutes', { n: f.properties.minutes })),
    }).addTo(layer);
    return route;
  }

  return { layer, move, markStale, nearest, load, showRoute, count: () => workers.size, label: t('workers'),
           nameOf: (id) => pick(workers.get(id)?.name),
           latLngOf: (code) => [...workers.values()].find((w) => w.fix.worker === code)?.marker.getLatLng() };
}
