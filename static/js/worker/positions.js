// The phone's own fixes for the command center: one every EVERY_S seconds at most, sent in
// batches through the outbox, so a patrol walked without network arrives when it returns.
// The server stores a (worker, time) once, so a batch sent twice costs nothing.
const EVERY_S = 10;
const BATCH_S = 30;
const MAX_BATCH = 100;

export function positionSender(outbox, label) {
  let pending = [];
  let lastAt = 0;

  function flush() {
    if (!pending.length) return null;
    const fixes = pending;
    pending = [];
    return outbox.add({ url: '/api/v1/positions', body: { fixes }, label, kind: 'positions' });
  }

  // `p`: a GeolocationPosition
  function add(p) {
    if (p.timestamp - lastAt < EVERY_S * 1000) return;
    lastAt = p.timestamp;
    const fix = { time: new Date(p.timestamp).toISOString(), lon: p.coords.longitude, lat: p.coords.latitude,
                  accuracy: p.coords.accuracy };
    if (Number.isFinite(p.coords.speed)) fix.speed = p.coords.speed;
    pending.push(fix);
    if (pending.length >= MAX_BATCH) flush();
  }

  setInterval(flush, BATCH_S * 1000);
  // leaving the page: what is gathered goes to the outbox (IndexedDB) rather than being lost
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flush(); });
  return { add, flush, pending: () => pending.length };
}
