// The grid worker's phone view: my grid, my tasks, reporting, address search — and an outbox
// so nothing done without network is lost or sent twice.
import { translatePage, switchLanguage, t } from '../i18n.js';
import { Outbox } from './outbox.js';
import { myGrid } from './grid.js';
import { taskList } from './tasks.js';
import { reportForm } from './report.js';
import { positionSender } from './positions.js';

const element = document.getElementById('map');
const codes = (element.dataset.grids || '').split(',').filter(Boolean);
translatePage('my_tasks');
document.getElementById('lang').addEventListener('click', () => { switchLanguage(); window.location.reload(); });

const map = L.map(element, { preferCanvas: true, maxZoom: 20 }).setView([0, 0], 2);
L.control.scale({ imperial: false }).addTo(map);
legend().addTo(map);

// what each mark on the phone's map means, drawn like the map draws it
function legend() {
  const control = L.control({ position: 'bottomright' });
  control.onAdd = () => {
    const div = L.DomUtil.create('div', 'legend');
    div.id = 'legend';
    for (const [key, fill, border, round] of [['my_grid', '#64b5f6', '#1565c0'], ['other_grids', 'transparent', '#90a4ae'],
      ['buildings', '#bcaaa4', '#6d4c41'], ['me', '#1e88e5', '#fff', true], ['report_mark', 'transparent', '#d32f2f', true]]) {
      const row = document.createElement('div');
      const swatch = document.createElement('span');
      swatch.className = `swatch${round ? ' dot' : ''}`;
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
let me = null;
let grid = null;

const badge = document.getElementById('outbox');
const outbox = new Outbox({
  onChange(items) {
    badge.hidden = items.length === 0;
    badge.dataset.count = String(items.length);
    badge.textContent = `${items.length} ${t('waiting_to_send')}`;
    tasks.setWaiting(items);
  },
  onDelivered(item, body) {
    if (item.url === '/api/v1/incidents') report.delivered(body);
    if (item.taskId) tasks.load();
  },
  onRefused(item, reason) {
    if (item.kind === 'positions') { console.warn('positions refused:', reason); return; }
    if (item.url === '/api/v1/incidents') report.refused(reason);
    else window.alert(`${item.label}: ${t('failed')} — ${reason}`);
    tasks.load();
  },
});

const tasks = taskList({
  element: document.getElementById('tasks'), empty: document.getElementById('tasks-empty'), outbox,
  onFocus: (task) => map.setView([...task.geometry.coordinates].reverse(), 18),
});
const report = reportForm({
  form: document.getElementById('report'), pointLabel: document.getElementById('report-point'),
  useLocation: document.getElementById('use-location'), map, outbox, here: () => position,
});

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
}

const sender = element.dataset.sendsPositions === 'true' ? positionSender(outbox, t('my_positions')) : null;

if (navigator.geolocation) {
  navigator.geolocation.watchPosition((p) => {
    position = { lon: p.coords.longitude, lat: p.coords.latitude };
    sender?.add(p);
    if (me) me.setLatLng([position.lat, position.lon]);
    else me = L.circleMarker([position.lat, position.lon], { radius: 7, color: '#fff', weight: 2, fillColor: '#1e88e5', fillOpacity: 1 }).addTo(map);
    showWhere();
  }, () => { document.getElementById('where').textContent = t('no_geolocation'); }, { enableHighAccuracy: true, maximumAge: 10_000 });
}

const search = document.getElementById('search');
search.addEventListener('input', () => {
  const list = document.getElementById('search-results');
  list.replaceChildren();
  for (const hit of grid?.search(search.value) || []) {
    const p = hit.feature.properties;
    const item = Object.assign(document.createElement('li'), { textContent: `${p.address || p.name || ''} · ${p.households ?? 0} · ${p.grid || ''}` });
    item.addEventListener('click', () => { map.fitBounds(hit.getBounds(), { maxZoom: 19 }); hit.openPopup(); });
    list.append(item);
  }
});

async function start() {
  grid = await myGrid(map, codes);
  showWhere();
  await Promise.all([tasks.load(), report.loadCategories()]);
  outbox.onChange(await outbox.items());
  await outbox.flush();
  element.dataset.ready = 'true';
}

window.gridmapWorker = { map, outbox, tasks, sender };
start();
