// /public: the cases anyone may see (services/public/view.py decides which, and what of them),
// on the map and in a list, by kind and by status, like FixMyStreet's: the kind, a place no
// finer than about 100 m, the status in words and the city's note — never a reporter's words.
import { t, when } from '../i18n.js';
import { startPage, ask, residentMap, fill, pickName, badge } from './page.js';

startPage('pub_public_title');

const map = residentMap(document.getElementById('map'));
const list = document.getElementById('cases');
const count = document.getElementById('count');
const category = document.getElementById('filter-category');
const status = document.getElementById('filter-status');
const more = document.getElementById('more');
const marks = L.featureGroup().addTo(map);
const byCode = new Map();
// a city has hundreds of public cases in 90 days: the map shows them all, the list a page at a
// time, so a phone does not lay out a list twenty screens long before anyone scrolls
const PAGE = 20;
let pending = [];

function showMore() {
  list.append(...pending.splice(0, PAGE));
  more.hidden = pending.length === 0;
  if (pending.length) more.textContent = fill('pub_more', { n: Math.min(PAGE, pending.length), left: pending.length });
}

// the map's key (public.html): orange, being handled; green, ended
function colour(p) {
  return p.open ? '#ef6c00' : '#2e7d32';
}
const HIT_RADIUS = 16;     // px: a finger's target around the 8 px dot

function choose(code, fromMap) {
  for (const item of list.querySelectorAll('li[data-chosen]')) delete item.dataset.chosen;
  const entry = byCode.get(code);
  if (!entry) return;
  while (!entry.item.isConnected && pending.length) showMore();       // chosen on the map, further down the list
  entry.item.dataset.chosen = 'true';
  if (fromMap) entry.item.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  else if (entry.mark) { map.setView(entry.mark.getLatLng(), Math.max(map.getZoom(), 16)); entry.mark.openPopup(); }
}

function item(feature) {
  const p = feature.properties;
  const li = document.createElement('li');
  li.dataset.code = p.code;
  li.dataset.category = p.category;
  const head = document.createElement('div');
  head.className = 'head';
  head.append(Object.assign(document.createElement('span'), { className: 'what', textContent: pickName(p.category_name) }));
  const state = Object.assign(document.createElement('span'), { className: 'state', textContent: badge(p.status_words) });
  state.dataset.open = String(p.open);
  head.append(state);
  li.append(head);
  const where = [pickName(p.community) || pickName(p.street), p.agency && pickName(p.agency) !== pickName(p.community)
    ? `${t('pub_in_charge')} ${pickName(p.agency)}` : null].filter(Boolean).join(' · ');
  li.append(Object.assign(document.createElement('p'), { className: 'where', textContent: where }));
  const times = [`${when(p.reported_at, 'short')}`, p.open && p.expected_at ? `${t('pub_expected')} ${when(p.expected_at, 'short')}` : null];
  li.append(Object.assign(document.createElement('p'), { className: 'when', textContent: `${p.code} · ${times.filter(Boolean).join(' · ')}` }));
  if (p.note) li.append(Object.assign(document.createElement('p'), { className: 'note', textContent: p.note }));
  else if (p.visibility === 'restricted') li.append(Object.assign(document.createElement('p'), { className: 'where', textContent: t('pub_restricted') }));
  for (const [index, url] of p.photos.entries()) {
    li.append(Object.assign(document.createElement('img'), { src: url, alt: `${t('pub_photo')} ${index + 1}`, loading: 'lazy' }));
  }
  li.addEventListener('click', () => choose(p.code, false));
  return li;
}

async function load() {
  const params = new URLSearchParams();
  if (category.value) params.set('category', category.value);
  if (status.value) params.set('status', status.value);
  let body;
  try {
    ({ body } = await ask(`/api/v1/public/cases?${params}`));
  } catch (error) {
    count.textContent = error.message || t('pub_load_failed');
    return;
  }
  marks.clearLayers();
  byCode.clear();
  const items = body.features.map((feature) => {
    const li = item(feature);
    let mark = null;
    if (feature.geometry) {
      const [lon, lat] = feature.geometry.coordinates;
      const p = feature.properties;
      L.circleMarker([lat, lon], { radius: 8, color: '#fff', weight: 2, fillColor: colour(p), fillOpacity: 0.9, interactive: false })
        .addTo(marks);
      mark = L.circleMarker([lat, lon], { radius: HIT_RADIUS, stroke: false, fillColor: '#000', fillOpacity: 0, className: 'hit' })
        .bindPopup(() => {
          const div = document.createElement('div');
          div.append(Object.assign(document.createElement('strong'), { textContent: pickName(p.category_name) }),
            document.createElement('br'), `${badge(p.status_words)} · ${p.code}`);
          return div;
        })
        .on('click', () => choose(p.code, true))
        .addTo(marks);
    }
    byCode.set(feature.properties.code, { item: li, mark });
    return li;
  });
  // counted before the list is paged: showMore takes the pages off `pending`
  count.textContent = items.length ? fill('pub_count', { n: items.length }) : t('pub_none');
  count.dataset.n = String(items.length);
  list.replaceChildren();
  pending = [...items];
  showMore();
  list.dataset.ready = 'true';
}

more.addEventListener('click', showMore);
category.addEventListener('change', load);
status.addEventListener('change', load);
load();
window.gridmapCases = { map };
