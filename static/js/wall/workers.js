// Grid workers' live positions, as they arrive on the stream. A position older than
// STALE_MINUTES greys out: the phone stopped reporting.
import { escapeHtml } from './layers.js';
import { t } from '../i18n.js';

const STALE_MINUTES = 10;

export function workerLayer() {
  const layer = L.layerGroup();
  const workers = new Map();      // worker id → {marker, fix}

  function icon(stale) {
    return L.divIcon({ className: `worker-icon${stale ? ' stale' : ''}`, iconSize: [12, 12] });
  }

  function move(fix) {
    const known = workers.get(fix.worker_id);
    if (known && Date.parse(known.fix.at) > Date.parse(fix.at)) return;   // an older fix, late
    if (known) {
      known.marker.setLatLng([fix.lat, fix.lon]).setIcon(icon(false));
      known.fix = fix;
    } else {
      const marker = L.marker([fix.lat, fix.lon], { icon: icon(false), keyboard: false })
        .bindTooltip(() => `${escapeHtml(fix.worker)} · ${new Date(workers.get(fix.worker_id).fix.at).toLocaleTimeString()}`);
      workers.set(fix.worker_id, { marker, fix });
      layer.addLayer(marker);
    }
  }

  function markStale() {
    const limit = Date.now() - STALE_MINUTES * 60_000;
    for (const w of workers.values()) w.marker.setIcon(icon(Date.parse(w.fix.at) < limit));
  }

  // straight-line distance in metres; road distances come with routing (issue 9)
  function nearest(lon, lat, n = 5) {
    const rad = Math.PI / 180;
    return [...workers.values()].map(({ fix }) => {
      const x = (fix.lon - lon) * rad * Math.cos(lat * rad);
      const y = (fix.lat - lat) * rad;
      return { fix, metres: Math.round(Math.hypot(x, y) * 6_371_000) };
    }).sort((a, b) => a.metres - b.metres).slice(0, n);
  }

  return { layer, move, markStale, nearest, label: t('workers') };
}
