// The command-center wall: the charts, the map with the day's figures, the lists, and the live
// stream that keeps them all current, wired together.
import { translatePage, switchLanguage, t, tf, pick, setTimeZone } from '../i18n.js';
import { getJson } from '../http.js';
import { createMap } from '../basemap.js';
import { tileLayer, outlineTiles, gridLayer, segmentLayer, countOf, areasPane } from './layers.js';
import { cameraLayer } from './cameras.js';
import { incidentLayer, fromFeature } from './incidents.js';
import { workerLayer } from './workers.js';
import { renderSummary, addToTicker, tickClocks, renderAlerts, refit } from './panel.js';
import { wallLegend } from './legend.js';
import { detailPanel } from './detail.js';
import { drillPanel } from './drill.js';
import { wallCharts } from './charts.js';
import { heatLayer } from './heat.js';
import { registerLayer } from './register.js';
import { pulses as pulseLayer } from './pulse.js';
import { connect } from './live.js';
import { playbackControl } from './playback.js';

const PAGE = 1000;
const SUMMARY_EVERY_MS = 30_000;
const RECENT_EVENTS = 30;
const PERIODS = ['today', '7d', '30d', 'month'];

const element = document.getElementById('map');
const readable = new Set((element.dataset.collections || '').split(','));
const kiosk = element.dataset.kiosk === 'true';
const asked = new Set((element.dataset.layers || '').split(',').filter(Boolean));   // a kiosk's extra layers
setTimeZone(element.dataset.timezone);
translatePage('wall_title');
document.getElementById('lang')?.addEventListener('click', () => { switchLanguage(); window.location.reload(); });

// zoomSnap: the city fills the room beside the legend, not the next whole zoom level out
const map = createMap(element, { preferCanvas: true, zoomControl: !kiosk, maxZoom: 20, zoomSnap: 0.25 });
map.setView([0, 0], 2);
areasPane(map);

// a kiosk's period from its URL (?period=7d), else the one chosen last on this screen
const periodAsked = new URLSearchParams(window.location.search).get('period') || localStorage.getItem('gridmap.wall.period');
let period = PERIODS.includes(periodAsked) ? periodAsked : 'today';
const workers = workerLayer({ onSelect: (fix) => showRoute(fix) });
const playback = playbackControl(map);
playback.control.addTo(map);
const pulses = pulseLayer(map, { seconds: Number(element.dataset.pulseSeconds || 600), t, tf, pick,
                                 alarmButton: document.getElementById('alarm'), alarmDefault: element.dataset.alarm === 'true',
                                 strip: document.getElementById('urgent'), onSelect: (id) => select(id) });

async function showRoute(fix) {
  try {
    const day = await getJson(`/api/v1/workers/${encodeURIComponent(fix.worker)}/track`);
    const drawn = workers.showRoute(day);
    playback.show(day.properties, workers.nameOf(fix.worker_id) || fix.worker);
    element.dataset.route = fix.worker;
    if (day.features.length) map.fitBounds(drawn.getBounds(), { maxZoom: 18 });
  } catch (error) { console.warn('route', fix.worker, error.message); }
}

async function refreshWorkers() {
  if (!readable.has('incidents')) return;
  try {
    renderAlerts(workers.load(await getJson('/api/v1/workers/live')), showRoute);
  } catch (error) { if (error.status !== 403) console.warn('workers', error.message); }
}
const detail = detailPanel({ element: document.getElementById('detail'),
                             dispatcher: element.dataset.dispatcher === 'true', workers,
                             onChanged: () => refreshSummary(),
                             onLooked: (id) => pulses.look(id),
                             onRoute: (line) => { if (line) workers.showRoute(line); },
                             onShown: keepInSight });
const select = (id) => detail.show(id).catch((e) => console.warn('incident', id, e.message));

// the case a card is about stays in sight beside the card, not under it
function keepInSight(feature) {
  const [lon, lat] = feature.geometry.coordinates;
  const point = map.latLngToContainerPoint([lat, lon]);
  const card = document.getElementById('detail').getBoundingClientRect();
  const box = element.getBoundingClientRect();
  const covered = point.x > card.left - box.left - 20;
  if (covered) map.panBy([point.x - (card.left - box.left) / 2, 0], { animate: true });
}
const drill = drillPanel({ element: document.getElementById('drill'),
                           onSelect: (id, [lon, lat]) => { select(id); map.panTo([lat, lon]); } });
const showDrill = (asking) => drill.show(asking).catch((e) => console.warn('drill', e.message));
const charts = wallCharts({ onDrill: showDrill });
const incidents = incidentLayer(select);
let grids = null;
let cameras = null;
let heat = null;

// Everything the page loads is retried until it comes: a wall left alone through a server
// restart recovers by itself.
async function patiently(load) {
  for (let wait = 1000; ; wait = Math.min(wait * 2, 30_000)) {
    try { return await load(); } catch (error) {
      if (error.status === 401) { window.location.reload(); throw error; }   // signed out: the login page
      setConnection('lost');
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

function setConnection(state) {
  const badge = document.getElementById('connection');
  badge.dataset.state = state;
  badge.textContent = t(state === 'live' ? 'live' : state === 'lost' ? 'lost' : 'connecting');
}

async function loadIncidents() {
  const all = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await getJson(`/api/v1/incidents?open=true&limit=${PAGE}&offset=${offset}`);
    all.push(...page.features.map(fromFeature));
    if (page.features.length < PAGE) break;
  }
  incidents.load(all);
  // new ones the operator has not looked at yet pulse, silently: the alarm is for what arrives
  for (const incident of all) pulses.start(incident, { ring: false });
}

// The loads are kept: the counts often come before the grids' layer is made, which then takes
// them (else the grids stayed unshaded until the next refresh, half a minute on); tiles that
// come later are drawn in the loads of their moment.
let gridLoads = null;
let legend = null;
function shadeGrids() {
  if (!grids || !gridLoads) return;
  grids.shade(gridLoads.grids, gridLoads.breaks);
  legend?.shading(gridLoads.breaks);
  element.dataset.gridsShaded = 'true';
}

let summaryTimer = null;
let tickerFilled = false;
async function refreshSummary() {
  clearTimeout(summaryTimer);
  const recent = tickerFilled ? '' : `&recent=${RECENT_EVENTS}`;
  const summary = await patiently(() => getJson(`/api/v1/wall?period=${period}${recent}`));
  if (!tickerFilled) {
    // the ticker opens with the last events, as the stream sent them, oldest first in
    for (const event of [...summary.recent].reverse()) addToTicker(event, select, { fresh: false });
    tickerFilled = true;
  }
  renderSummary(summary, select, showDrill);
  gridLoads = summary.grid_load;
  shadeGrids();
  element.dataset.summaryAt = summary.now;
  summaryTimer = setTimeout(refreshSummary, SUMMARY_EVERY_MS);
}

// Events come in bursts: the counts follow a moment later, once per burst; the charts a little
// later still (their aggregates read more).
let pending = null;
let chartsPending = null;
function refreshSoon() {
  if (!pending) pending = setTimeout(() => { pending = null; refreshSummary(); }, 1500);
  if (!chartsPending) {
    chartsPending = setTimeout(() => {
      chartsPending = null;
      charts.refresh().catch((e) => console.warn('charts', e.message));
      heat?.refresh().catch((e) => console.warn('heat', e.message));
    }, 4000);
  }
}

function onEvent(event) {
  if (event.type === 'position') { workers.move(event); return; }
  if (event.type !== 'incident') return;
  const incident = { ...event.incident, reported_at: event.incident.reported_at };
  incidents.upsert(incident);
  if (event.action === 'report') pulses.start(incident);
  addToTicker(event, select);
  if (detail.currentId() === event.incident.id) select(event.incident.id);
  refreshSoon();
}

function choosePeriod(name) {
  period = name;
  localStorage.setItem('gridmap.wall.period', name);
  for (const button of document.querySelectorAll('#period button')) button.setAttribute('aria-pressed', String(button.dataset.period === name));
  return Promise.all([charts.setPeriod(name), refreshSummary(), heat?.refresh()]);
}
// The whole area beside the legend, not under it: to its right or above it, whichever shows
// the area larger (a tall city beside it, a wide one above).
let area = null;          // the bounds of what the wall watches (GET /api/v1/wall/extent)
function showWholeArea() {
  if (!area) return;
  const legendBox = document.getElementById('legend');
  const beside = [(legendBox?.offsetWidth || 0) + 12, 0];
  const above = [0, (legendBox?.offsetHeight || 0) + 12];
  const zoom = (pad) => map.getBoundsZoom(area, false, L.point(pad));
  if (zoom(beside) >= zoom(above)) map.fitBounds(area, { paddingTopLeft: beside });
  else map.fitBounds(area, { paddingBottomRight: above });
}

// find a case by its code, an address or words of its description: the list, then its card
document.getElementById('find')?.addEventListener('submit', (e) => {
  e.preventDefault();
  const q = e.target.elements.q.value.trim();
  if (q) showDrill({ title: tf('search_result', { q }), filter: { q } });
});

for (const button of document.querySelectorAll('#period button')) {
  button.setAttribute('aria-pressed', String(button.dataset.period === period));
  button.addEventListener('click', () => choosePeriod(button.dataset.period).catch((e) => console.warn('period', e.message)));
}

// Resolves when a tiled layer has drawn every tile of the view, or at once when it is not shown.
function drawn(layer) {
  if (!map.hasLayer(layer) || !layer.isLoading?.()) return Promise.resolve();
  return new Promise((resolve) => layer.once('load', resolve));
}

async function start() {
  // Everything the panel needs is asked for at once, with where the map opens; the map's layers
  // follow, the areas first and the ground's tiles last, so the browser's six connections are
  // not queued behind a hundred tiles. A city's thousands of grids, communities and cameras are
  // never asked for whole: the grids and outlines come as tiles, cameras by view when shown.
  const chartsReady = patiently(() => charts.setPeriod(period));
  const summaryReady = refreshSummary();
  const incidentsReady = patiently(loadIncidents);
  const workersReady = refreshWorkers();
  const counted = patiently(() => Promise.all([
    getJson('/api/v1/categories').then((answer) => answer.categories),
    readable.has('cameras') ? countOf('cameras') : 0,
    readable.has('road-segments') ? countOf('road-segments') : 0,
  ]));
  const bbox = await patiently(() => getJson('/api/v1/wall/extent').then((answer) => answer.bbox));
  area = bbox ? L.latLngBounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]]) : null;
  const extent = area?.pad(0.02);
  legend = wallLegend(readable, { cameras: readable.has('cameras') });
  legend.addTo(map);
  grids = gridLayer(extent);
  shadeGrids();
  const overlays = {};
  const legendKeys = new Map();        // layer → the legend rows it has
  const opening = [];                  // the layers shown from the start, added once the map is in place
  const later = [];                    // …and those added once the panel's figures are in
  let placed = false;
  const show = (label, layer, on, key = label, waits = false) => {
    overlays[t(label)] = layer;
    legendKeys.set(layer, key);
    if (on && waits) later.push(layer);
    else if (on && placed) layer.addTo(map);
    else if (on) opening.push(layer);
    return layer;
  };
  show('grids', grids, true);
  // the outlines' tiles wait for the figures: a city's first view asks for a few dozen tiles,
  // and the figures should not queue behind them
  if (readable.has('communities')) show('communities', outlineTiles('communities', extent), true, 'communities', true);
  if (readable.has('streets')) show('streets', outlineTiles('streets', extent), true, 'streets', true);
  // the map opens on the whole area, beside the legend as it will stand (outlines, workers,
  // incidents and the ground's roads and buildings come with it), and only then asks for tiles:
  // none for the world view it starts at
  legend.showing(new Set([...[...opening, ...later].map((layer) => legendKeys.get(layer)), 'workers', 'incidents', 'roads', 'buildings']));
  showWholeArea();
  placed = true;
  opening.forEach((layer) => layer.addTo(map));
  const [categories, cameraCount, segmentCount] = await counted;
  // Camera coverage and blind spots are there when asked for; with no camera at all there is
  // nothing to cover and no road is "blind" for it.
  const redrawn = [];      // the tiled layers a camera edit changes
  if (cameraCount) {
    cameras = cameraLayer({
      editable: element.dataset.cameraEditor === 'true',
      onChanged: () => redrawn.forEach((layer) => layer.redraw()),
      onCrowded: (yes) => legend.crowded(yes),
    });
    show('cameras', cameras, asked.has('cameras'));
  }
  if (segmentCount) show('chief_segments', segmentLayer(), asked.has('chief_segments'), 'road-segments');
  heat = heatLayer({ map, categories, period: () => period, onDrill: showDrill });
  show('heat', heat.layer, asked.has('heat'));
  // the register's figures per grid, for those who may read the register
  const register = element.dataset.register === 'true' ? registerLayer({ map, bounds: extent }) : null;
  if (register) show('reg_layer', register.layer, asked.has('register'));
  show('workers', workers.layer, true);
  show('incidents', incidents.layer, true);
  await Promise.all([summaryReady, incidentsReady, chartsReady]);
  later.forEach((layer) => layer.addTo(map));
  // the quiet ground first, then what cameras see when asked for; buildings from a street's
  // zoom (14) on: a whole city's 66,600 are specks and 2 MB of tiles at its zoom
  const tiled = [['roads', 11, true, 'roads'], ['buildings', 14, true, 'buildings'],
    ['camera-coverage', 12, asked.has('coverage'), 'coverage'], ['camera-blind-spots', 12, asked.has('blind_spots'), 'blind_spots']];
  for (const [collection, minZoom, on, label] of tiled) {
    if (!readable.has(collection) || (collection.startsWith('camera-') && !cameraCount)) continue;
    const layer = tileLayer(collection, minZoom, extent);
    show(label, layer, on, collection);
    if (on && collection !== 'camera-blind-spots') layer.bringToBack();
    layer.on('add', () => { if (collection !== 'camera-blind-spots') layer.bringToBack(); });
    if (collection.startsWith('camera-')) redrawn.push(layer);
  }
  if (!kiosk) L.control.layers(map.basemapChoices, overlays, { collapsed: false, position: 'topleft' }).addTo(map);
  // back to the whole area after zooming in on a worker or a case
  const home = L.control({ position: 'topleft' });
  home.onAdd = () => {
    const button = L.DomUtil.create('button', 'home-control');
    button.type = 'button';
    button.textContent = t('whole_area');
    L.DomEvent.on(button, 'click', (e) => {
      L.DomEvent.stop(e);
      workers.showRoute(null);
      playback.hide?.();
      showWholeArea();
    });
    return button;
  };
  if (!kiosk) home.addTo(map);
  // two colour maps at once read as neither: the heat map takes the grids' fill away
  const colourMaps = [heat.layer, register?.layer].filter(Boolean);
  const anyColourMap = () => colourMaps.some((layer) => map.hasLayer(layer));
  map.on('overlayadd overlayremove', (e) => { if (colourMaps.includes(e.layer)) grids.shadeOff(anyColourMap()); });
  if (anyColourMap()) grids.shadeOff(true);
  const legendFollows = () => legend.showing(new Set([...legendKeys].filter(([layer]) => map.hasLayer(layer)).map(([, key]) => key)));
  map.on('overlayadd overlayremove', legendFollows);
  legendFollows();
  L.control.scale({ imperial: false }).addTo(map);
  connect({
    onEvent,
    onState: setConnection,
    onResync: () => patiently(loadIncidents).then(refreshSummary),
    onReconnected: () => { refreshSummary(); charts.refresh(); },
  });
  // ready when the grids are drawn, not only asked for
  await Promise.all([workersReady, drawn(grids)]);
  setInterval(refreshWorkers, 60_000);
  setInterval(() => { tickClocks(); workers.markStale(); }, 1000);
  window.addEventListener('resize', refit);
  element.dataset.ready = 'true';
}

// for the browser tests and for anyone debugging a wall: what is on it
window.gridmapWall = { map, incidents, workers, playback, pulses, charts, drill, heat: () => heat, cameras: () => cameras,
                       grids: () => grids,
                       choosePeriod, open: select };
start();
