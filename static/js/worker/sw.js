// The phone page's service worker: a worker whose tab is reloaded with no signal (Android does
// that after the camera app) still gets the page, their grid, the streets and the task list
// read last time, instead of the browser's "no internet" page. Network first, so what the
// server has now always wins; the cache answers only when the network does not, or is slower
// than a person waits.
const CACHE = 'gridmap-worker-1';
const WAIT_MS = 6000;

function kept(url) {
  return url.pathname === '/worker' || url.pathname.startsWith('/static/') || url.pathname.startsWith('/tiles/')
    || url.pathname.startsWith('/ogcapi/collections/') || url.pathname === '/api/v1/categories';
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || !kept(url)) return;
  event.respondWith(networkFirst(request));
});

// Vary is not heeded: the first visit's answers were fetched again by this worker (keep, below)
// with other headers than the page's (Accept: */*), and the cache is one signed-in user's, emptied
// at signing out, so an address has one answer here whatever the layers' Vary: Accept says.
const ANY_HEADERS = { ignoreVary: true };

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  const fromNetwork = fetch(request).then((response) => {
    // a redirect to the login page is not the page: never kept
    if (response.ok && !response.redirected && response.type === 'basic') cache.put(request, response.clone());
    return response;
  });
  const late = new Promise((resolve) => { setTimeout(resolve, WAIT_MS, null); });
  try {
    const first = await Promise.race([fromNetwork, late]);
    if (first) return first;
    return (await cache.match(request, ANY_HEADERS)) || await fromNetwork;
  } catch {
    const cached = await cache.match(request, ANY_HEADERS);
    if (cached) return cached;
    throw new Error('offline and not kept');
  }
}

// signing out: nothing of this worker stays on the phone. {keep: [urls]}: what the page loaded
// before this worker ran, fetched again into the cache.
self.addEventListener('message', (event) => {
  if (event.data === 'forget') event.waitUntil(caches.delete(CACHE));
  else if (Array.isArray(event.data?.keep)) {
    event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(event.data.keep
      .map((href) => new URL(href, self.location.origin)).filter(kept)
      .map((url) => fetch(url).then((r) => (r.ok && !r.redirected ? cache.put(url, r) : null)).catch(() => null)))));
  }
});
