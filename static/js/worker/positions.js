// The phone's own fixes for the command center, sent in batches through the outbox, so a patrol
// walked without network arrives when it returns. One fix every EVERY_S seconds at most; while
// patrolling, also one each PATROL_STEP_M walked (a route, not a few dots). The server stores a
// (worker, time) once, so a batch sent twice costs nothing.
const EVERY_S = 10;
const PATROL_STEP_M = 15;
const PATROL_MIN_S = 1;
const BATCH_S = 30;
const MAX_BATCH = 100;

function metresBetween(a, b) {
  const rad = Math.PI / 180;
  const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  return Math.hypot(x, (b.lat - a.lat) * rad) * 6_371_000;
}

export function positionSender(outbox, label, { patrolling = () => false } = {}) {
  let pending = [];
  let last = null;

  function flush() {
    if (!pending.length) return null;
    const fixes = pending;
    pending = [];
    return outbox.add({ url: '/api/v1/positions', body: { fixes }, label, kind: 'positions' });
  }

  // `p`: a GeolocationPosition
  function add(p) {
    const here = { at: p.timestamp, lon: p.coords.longitude, lat: p.coords.latitude };
    if (last) {
      const seconds = (here.at - last.at) / 1000;
      const walked = patrolling() && seconds >= PATROL_MIN_S && metresBetween(last, here) >= PATROL_STEP_M;
      if (seconds < EVERY_S && !walked) return;
    }
    last = here;
    const fix = { time: new Date(p.timestamp).toISOString(), lon: here.lon, lat: here.lat, accuracy: p.coords.accuracy };
    if (Number.isFinite(p.coords.speed)) fix.speed = p.coords.speed;
    pending.push(fix);
    if (pending.length >= MAX_BATCH) flush();
  }

  setInterval(flush, BATCH_S * 1000);
  // leaving the page: what is gathered goes to the outbox (IndexedDB) rather than being lost
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flush(); });
  return { add, flush, pending: () => pending.length };
}
