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

// Answers that will not change on a retry: the item is dropped and the worker told why.
const refused = (status) => status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);

export class Outbox {
  constructor({ onChange = () => {}, onDelivered = () => {}, onRefused = () => {} } = {}) {
    Object.assign(this, { onChange, onDelivered, onRefused });
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

  // {url, body, label, taskId} for JSON; {photo: Blob, label} for a photo. Returns the key.
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

  flush() {
    if (!this.flushing) this.flushing = this.sendAll().finally(() => { this.flushing = null; });
    return this.flushing;
  }

  async sendAll() {
    for (const item of await this.items()) {
      let response;
      try {
        response = await this.send(item);
      } catch {
        return;                         // no network: everything waits, in order
      }
      if (response.ok) {
        const body = await response.json().catch(() => null);
        if (item.photo) await this.store('readwrite', PHOTO_IDS, (s) => s.put(body.id, item.key));
        await this.store('readwrite', ITEMS, (s) => s.delete(item.key));
        this.onDelivered(item, body, response.headers.get('Idempotent-Replayed') === 'true');
      } else if (refused(response.status)) {
        const body = await response.json().catch(() => null);
        await this.store('readwrite', ITEMS, (s) => s.delete(item.key));
        this.onRefused(item, body?.description || `HTTP ${response.status}`, body);
      } else {
        return;                         // the server is down or busy: try again later
      }
      this.onChange(await this.items());
    }
  }

  async send(item) {
    const headers = { 'Idempotency-Key': item.key, 'X-CSRF-Token': csrf() };
    if (item.photo) {
      return fetch('/api/v1/photos', { method: 'POST', headers: { ...headers, 'Content-Type': item.photo.type || 'image/jpeg' }, body: item.photo });
    }
    const body = { ...item.body };
    if (item.photoKeys?.length) {
      const ids = await Promise.all(item.photoKeys.map((k) => this.store('readonly', PHOTO_IDS, (s) => s.get(k))));
      body.photos = ids.filter((id) => id !== undefined);
    }
    return fetch(item.url, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  }
}
