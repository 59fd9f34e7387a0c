// The outbox: every write a grid worker makes goes here first, in IndexedDB, so it survives a
// dead network and a page reload, and is sent in order when the network returns. Each item
// keeps one Idempotency-Key for all its attempts: when an answer is lost on the way back and
// the item is sent again, the server returns the first answer instead of acting twice.
const DB_NAME = 'gridmap-outbox';
const ITEMS = 'items';
const PHOTO_IDS = 'photo-ids';     // a queued photo's key → the id the server gave it
const RETRY_MS = 15_000;

function request(r) {
  return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
}

function openDb() {
  const opening = indexedDB.open(DB_NAME, 1);
  opening.onupgradeneeded = () => {
    opening.result.createObjectStore(ITEMS, { keyPath: 'key' });
    opening.result.createObjectStore(PHOTO_IDS);
  };
  return request(opening);
}

// crypto.randomUUID needs a secure context; a command center's LAN address may not be one.
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x, i) => ([4, 6, 8, 10].includes(i) ? '-' : '') + x.toString(16).padStart(2, '0')).join('');
}

const csrf = () => document.querySelector('meta[name=csrf-token]')?.content || '';

// Answers that will not change on a retry: the item is dropped and the worker told why. A 401,
// or a 403 for a missing CSRF token, means the sign-in has lapsed: everything waits for the
// worker to sign in again. 408 and 429 are the server asking for patience.
function verdict(status, body) {
  if (status === 401 || (status === 403 && body?.code === 'CSRFTokenMissing')) return 'signed-out';
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return 'refused';
  return 'later';
}
const REFUSED_PHOTO = 'refused';      // kept under a photo's key when the server refused it

export class Outbox {
  // prepare(item, body): a last look at a JSON body just before it is sent (online by then)
  constructor({ onChange = () => {}, onDelivered = () => {}, onRefused = () => {}, onSignedOut = () => {},
                prepare = async (item, body) => body } = {}) {
    Object.assign(this, { onChange, onDelivered, onRefused, onSignedOut, prepare });
    this.db = openDb();
    this.flushing = null;
    this.counter = 0;
    window.addEventListener('online', () => this.flush());
    setInterval(() => this.flush(), RETRY_MS);
  }

  async store(mode, name, work) {
    const db = await this.db;
    const transaction = db.transaction(name, mode);
    const result = await request(work(transaction.objectStore(name)));
    await new Promise((resolve, reject) => { transaction.oncomplete = resolve; transaction.onerror = () => reject(transaction.error); });
    return result;
  }

  // {url, body, label, taskId, method, headers} for JSON; {photo: Blob, label} for a photo. Returns the key.
  async add(item) {
    const key = newKey();
    await this.store('readwrite', ITEMS, (s) => s.put({ ...item, key, queuedAt: Date.now(), order: Date.now() * 1000 + (this.counter++ % 1000) }));
    this.onChange(await this.items());
    this.flush();
    return key;
  }

  async items() {
    const all = await this.store('readonly', ITEMS, (s) => s.getAll());
    return all.sort((a, b) => a.order - b.order);
  }

  // One sending round at a time. An item added while a round runs (a step queued just after
  // its photo) gets a round of its own at once, not at the next retry.
  flush() {
    if (this.flushing) {
      this.again = true;
      return this.flushing;           // settles after the extra round too
    }
    this.again = false;
    this.flushing = this.sendAll().then((delivered) => {
      this.flushing = null;
      if (this.again && delivered) return this.flush();
      return undefined;
    }, () => { this.flushing = null; });
    return this.flushing;
  }

  async sendAll() {
    for (const item of await this.items()) {
      const photos = await this.photoIds(item);
      if (photos.refused) {
        // a step whose photo was refused is not taken without it: the worker takes it again
        await this.store('readwrite', ITEMS, (s) => s.delete(item.key));
        this.onRefused(item, photos.refused, null);
        this.onChange(await this.items());
        continue;
      }
      let response;
      try {
        response = await this.send(item, photos.ids);
      } catch {
        return false;                   // no network: everything waits, in order
      }
      const body = await response.json().catch(() => null);
      if (response.ok) {
        if (item.photo) await this.store('readwrite', PHOTO_IDS, (s) => s.put(body.id, item.key));
        await this.store('readwrite', ITEMS, (s) => s.delete(item.key));
        this.onDelivered(item, body, response.headers.get('Idempotent-Replayed') === 'true');
      } else {
        const said = verdict(response.status, body);
        if (said === 'signed-out') { this.onSignedOut(); return false; }
        if (said === 'later') return false;           // the server is down or busy: try again later
        if (item.photo) await this.store('readwrite', PHOTO_IDS, (s) => s.put(`${REFUSED_PHOTO}:${body?.description || response.status}`, item.key));
        await this.store('readwrite', ITEMS, (s) => s.delete(item.key));
        this.onRefused(item, body?.description || `HTTP ${response.status}`, body);
      }
      this.onChange(await this.items());
    }
    return true;
  }

  // the server's ids of an item's photos, or why one of them was refused
  async photoIds(item) {
    if (!item.photoKeys?.length) return { ids: [] };
    const ids = await Promise.all(item.photoKeys.map((k) => this.store('readonly', PHOTO_IDS, (s) => s.get(k))));
    const refusal = ids.find((id) => typeof id === 'string' && id.startsWith(`${REFUSED_PHOTO}:`));
    if (refusal) return { refused: refusal.slice(REFUSED_PHOTO.length + 1) };
    return { ids: ids.filter((id) => typeof id === 'number') };
  }

  async send(item, photoIds) {
    // the server answers a refusal in the language the page is in
    const headers = { 'Idempotency-Key': item.key, 'X-CSRF-Token': csrf(), 'Accept-Language': document.documentElement.lang };
    if (item.photo) {
      return fetch('/api/v1/photos', { method: 'POST', headers: { ...headers, 'Content-Type': item.photo.type || 'image/jpeg' }, body: item.photo });
    }
    // a correction is a PATCH and a removal a DELETE (with its If-Match); the rest are POSTs
    const method = item.method || 'POST';
    if (method === 'DELETE') return fetch(item.url, { method, headers: { ...headers, ...item.headers } });
    const body = await this.prepare(item, { ...item.body });
    if (photoIds.length) body.photos = photoIds;
    // the item's key doubles as the record's own where the server keeps one (a visit)
    if (item.clientKey) body.client_key = item.key;
    return fetch(item.url, { method, headers: { ...headers, ...item.headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  }
}
