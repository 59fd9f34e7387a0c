// The grid worker's phone: my grid and the streets around it, my tasks as they are dispatched,
// reporting, patrols, address search — and an outbox so nothing done without network is lost
// or sent twice.
import { translatePage, switchLanguage, t, lang, pick } from '../i18n.js';
import { connect } from '../wall/live.js';
import { Outbox } from './outbox.js';
import { myGrid } from './grid.js';
import { taskList } from './tasks.js';
import { reportForm } from './report.js';
import { positionSender } from './positions.js';
import { notices as makeNotices } from './notice.js';
import { alerts as makeAlerts } from './alerts.js';
import { wayfinding } from './wayfinding.js';
import { patrol as makePatrol } from './patrol.js';
import { addressSearch } from './search.js';
import { registerView } from './register.js';
import { createMap } from '../basemap.js';

const element = document.getElementById('map');
const codes = (element.dataset.grids || '').split(',').filter(Boolean);
const me = { workerId: Number(element.dataset.worker) || null, user: element.dataset.user };
translatePage('my_tasks');
nameMyGrids();
document.getElementById('lang').addEventListener('click', async () => {
  switchLanguage();
  // the server answers in this language too when a request does not say (an API client)
  await fetch('/api/v1/users/me', { method: 'PATCH', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content }, body: JSON.stringify({ language: lang }) }).catch(() => null);
  window.location.reload();
});

// 和平社区第1网格, the code small beside it
function nameMyGrids() {
  const heading = document.getElementById('my-grid');
  const grids = JSON.parse(heading.dataset.grids || '[]');
  if (grids.length) heading.textContent = grids.map((g) => pick(g.name)).join(lang === 'zh' ? '、' : ', ');
}

const map = createMap(element, { preferCanvas: true, maxZoom: 20, zoomControl: false }).setView([0, 0], 2);
L.control.zoom({ zoomInTitle: t('zoom_in'), zoomOutTitle: t('zoom_out') }).addTo(map);
L.control.scale({ imperial: false }).addTo(map);
legend().addTo(map);
// where I am and my tasks, above the grid's shading
map.createPane('marks').style.zIndex = 620;
// SVG, not canvas: a canvas over the map would take every tap meant for the buildings below
const marks = L.svg({ pane: 'marks' });

// what each mark on the phone's map means, drawn like the map draws it; folded by default,
// the map is small
function legend() {
  const control = L.control({ position: 'bottomright' });
  control.onAdd = () => {
    const div = L.DomUtil.create('details', 'legend');
    div.id = 'legend';
    L.DomEvent.disableClickPropagation(div);
    div.append(Object.assign(document.createElement('summary'), { textContent: t('legend') }));
    for (const [key, fill, border, round] of [['my_grid', '#64b5f6', '#1565c0'], ['other_grids', 'transparent', '#90a4ae'],
      ['buildings', '#bcaaa4', '#6d4c41'], ['roads', '#46536d', '#46536d'], ['me', '#1e88e5', '#fff', true],
      ['my_tasks', '#ef6c00', '#fff', true], ['patrol_route', '#ef6c00', '#ef6c00'], ['report_mark', 'transparent', '#d32f2f', true]]) {
      const row = document.createElement('div');
      const swatch = document.createElement('span');
      swatch.className = `swatch${round ? ' dot' : ''}${key === 'roads' || key === 'patrol_route' ? ' line' : ''}`;
      swatch.style.background = fill;
      swatch.style.border = `2px solid ${border}`;
      row.append(swatch, t(key));
      div.append(row);
    }
    return div;
  };
  return control;
}

let position = null;
let marker = null;
let grid = null;

const notices = makeNotices(document.getElementById('notice'));
const alerts = makeAlerts({ askButton: document.getElementById('allow-notifications') });
const badge = document.getElementById('outbox');
const outbox = new Outbox({
  // a report made offline gets its address once the network is back
  async prepare(item, body) {
    if (item.url === '/api/v1/incidents' && !body.address && Array.isArray(body.point)) {
      body.address = await report.addressOf(body.point[0], body.point[1]) || undefined;
    }
    return body;
  },
  onSignedOut() { notices.show(t('signed_out'), 'error', '/login?next=/worker'); },
  onChange(items) {
    badge.hidden = items.length === 0;
    badge.dataset.count = String(items.length);
    badge.textContent = `${items.length} ${t('waiting_to_send')}`;
    tasks.setWaiting(items);
    register?.changed();
  },
  onDelivered(item, body) {
    if (item.register) { register.delivered(item); return; }
    if (item.url === '/api/v1/incidents') report.delivered(body);
    if (item.taskId && !item.photo) tasks.load();
  },
  onRefused(item, reason, body) {
    if (item.kind === 'positions') { console.warn('positions refused:', reason); return; }
    if (item.register) { register.refused(item, reason, body); return; }
    if (item.url === '/api/v1/incidents') report.refused(reason);
    else tasks.refused(item, reason);
  },
});

const newCount = document.getElementById('new-count');
const tasks = taskList({
  element: document.getElementById('tasks'), empty: document.getElementById('tasks-empty'), outbox, notices, alerts, me,
  onFocus: (task) => { map.setView([...task.geometry.coordinates].reverse(), 18); drawPins(tasks.tasks(), task.id); },
  onFresh: (count) => { newCount.hidden = count === 0; newCount.textContent = String(count); },
  onRender: (list) => drawPins(list),
});

// my tasks on the map, numbered as in the list; a tap on a pin brings its card into view
const pins = L.layerGroup().addTo(map);
function drawPins(list, chosen = null) {
  pins.clearLayers();
  list.forEach((task, index) => {
    const [lon, lat] = task.geometry.coordinates;
    const icon = L.divIcon({ className: '', html: `<div class="task-pin${task.id === chosen ? ' chosen' : ''}"><span>${index + 1}</span></div>`,
                             iconSize: [26, 26], iconAnchor: [4, 30] });
    L.marker([lat, lon], { icon, pane: 'marks', title: task.properties.code, keyboard: false })
      .on('click', () => {
        document.querySelector('[data-tab=tasks]').click();
        document.querySelector(`#tasks li[data-id="${task.id}"]`)?.scrollIntoView({ block: 'nearest' });
      }).addTo(pins);
  });
}
const report = reportForm({
  form: document.getElementById('report'), pointLabel: document.getElementById('report-point'),
  useLocation: document.getElementById('use-location'), map, outbox, here: () => position, notices,
});
const patrol = makePatrol({ map, element: document.getElementById('patrol'), notices, onChange: (active) => { if (!active) sender?.flush(); } });
const sender = element.dataset.sendsPositions === 'true'
  ? positionSender(outbox, t('my_positions'), { patrolling: () => patrol.active() }) : null;
const way = wayfinding(map, { here: () => position, notices });
addressSearch({ input: document.getElementById('search'), list: document.getElementById('search-results'), map });
let categories = [];
const register = registerView({
  root: document.getElementById('tab-register'), outbox, notices, here: () => position, categories: () => categories,
});
// a building's popup opens its register; so does a door plate's code (/q/… leads to #register/building/ID)
function openRegister(id) {
  document.querySelector('[data-tab=register]').click();
  register.open(id);
}
map.on('popupopen', (e) => {
  const button = e.popup.getElement()?.querySelector('[data-register]');
  button?.addEventListener('click', () => { map.closePopup(); openRegister(button.dataset.register); });
});
window.addEventListener('hashchange', () => { if (register.fromAddress()) document.querySelector('[data-tab=register]').click(); });

for (const tab of document.querySelectorAll('[role=tab]')) {
  tab.addEventListener('click', () => {
    for (const other of document.querySelectorAll('[role=tab]')) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      document.getElementById(`tab-${other.dataset.tab}`).hidden = !selected;
    }
  });
}

function showWhere() {
  const where = document.getElementById('where');
  if (!position || !grid) return;
  const inGrid = grid.contains(position.lon, position.lat);
  where.dataset.state = inGrid ? 'inside' : 'outside';
  where.textContent = t(inGrid ? 'inside_grid' : 'outside_grid');
  way.show(inGrid ? null : grid.towards(position.lon, position.lat));
}

if (navigator.geolocation) {
  navigator.geolocation.watchPosition((p) => {
    position = { lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy };
    sender?.add(p);
    patrol.heard(position);
    if (marker) marker.setLatLng([position.lat, position.lon]);
    else marker = L.circleMarker([position.lat, position.lon], { radius: 7, color: '#fff', weight: 2, fillColor: '#1e88e5', fillOpacity: 1, pane: 'marks', renderer: marks, interactive: false }).addTo(map);
    // on patrol the map keeps me in view
    if (patrol.active() && !map.getBounds().pad(-0.15).contains([position.lat, position.lon])) map.panTo([position.lat, position.lon]);
    showWhere();
  }, () => { document.getElementById('where').textContent = t('no_geolocation'); }, { enableHighAccuracy: true, maximumAge: 10_000 });
}

// 离线 / Offline in the header while the phone has no network; the stream's state beside the list
const network = document.getElementById('network');
const liveState = document.getElementById('live-state');
function showNetwork() {
  network.hidden = navigator.onLine;
  network.textContent = t('offline');
  network.dataset.state = navigator.onLine ? 'online' : 'offline';
}
window.addEventListener('online', () => { showNetwork(); tasks.load(); });
window.addEventListener('offline', showNetwork);
showNetwork();

function setLive(state) {
  liveState.dataset.state = state;
  liveState.textContent = t(state === 'live' ? 'live_on' : navigator.onLine ? 'connecting' : 'offline');
}

// pulling the list down past its top, or the refresh button, reads it again
const sheet = document.getElementById('tab-tasks');
const pullHint = document.getElementById('pull-hint');
async function refresh() {
  const button = document.getElementById('refresh');
  button.disabled = true;
  const ok = await tasks.load();
  button.disabled = false;
  if (!ok) notices.show(t('offline_list'), 'error');
}
document.getElementById('refresh').addEventListener('click', refresh);
let pullFrom = null;
sheet.addEventListener('touchstart', (e) => { pullFrom = sheet.scrollTop === 0 ? e.touches[0].clientY : null; }, { passive: true });
sheet.addEventListener('touchmove', (e) => { if (pullFrom !== null) pullHint.hidden = e.touches[0].clientY - pullFrom < 60; }, { passive: true });
sheet.addEventListener('touchend', () => {
  if (pullFrom !== null && !pullHint.hidden) refresh();
  pullFrom = null;
  pullHint.hidden = true;
});

async function start() {
  categories = await report.loadCategories();
  tasks.setCategories(categories);
  if (register.fromAddress()) document.querySelector('[data-tab=register]').click();
  connect({
    onEvent: (event) => tasks.heard(event),
    onState: setLive,
    onResync: () => tasks.load(),
    onReconnected: () => tasks.load(),
  });
  grid = await myGrid(map, codes);
  showWhere();
  await tasks.load();
  outbox.onChange(await outbox.items());
  await outbox.flush();
  element.dataset.ready = 'true';
  keepForOffline();
}

// the page opens again without network (a secure context only: https, or localhost)
const registered = 'serviceWorker' in navigator
  ? navigator.serviceWorker.register('/worker-sw.js', { scope: '/worker' }).then(() => navigator.serviceWorker.ready).catch(() => null)
  : Promise.resolve(null);
// The first visit's page, scripts and layers were fetched before the worker ran: once the page
// is ready it hands the worker their addresses.
async function keepForOffline() {
  const ready = await registered;
  const mine = performance.getEntriesByType('resource').map((e) => e.name).filter((url) => url.startsWith(window.location.origin));
  ready?.active?.postMessage({ keep: [window.location.pathname, ...mine] });
}
document.querySelector('.bar .account').addEventListener('submit', (e) => {
  // signing out needs the network, and a patrol is finished first (its route goes out)
  if (!navigator.onLine) { e.preventDefault(); notices.show(t('logout_offline'), 'error'); return; }
  if (patrol.active()) { e.preventDefault(); notices.show(t('logout_patrol'), 'error'); return; }
  navigator.serviceWorker?.controller?.postMessage('forget');
  for (const key of ['gridmap.tasks.v2', 'gridmap.patrol']) localStorage.removeItem(key);
});

window.gridmapWorker = { map, outbox, tasks, sender, patrol, register };
start();
