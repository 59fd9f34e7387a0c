// The command-center wall: the map, the side panel and the live stream, wired together.
import { translatePage, switchLanguage, t } from '../i18n.js';
import { getJson } from '../http.js';
import { tileLayer, geojson, outlineLayer, gridLayer, segmentLayer } from './layers.js';
import { cameraLayer } from './cameras.js';
import { incidentLayer, fromFeature } from './incidents.js';
import { workerLayer } from './workers.js';
import { renderSummary, addToTicker, tickClocks, renderAlerts } from './panel.js';
import { wallLegend } from './legend.js';
import { detailPanel } from './detail.js';
import { connect } from './live.js';
import { playbackControl } from './playback.js';

const PAGE = 1000;
const SUMMARY_EVERY_MS = 30_000;

const element = document.getElementById('map');
const readable = new Set((element.dataset.collections || '').split(','));
const kiosk = element.dataset.kiosk === 'true';
translatePage('wall_title');
document.getElementById('lang')?.addEventListener('click', () => { switchLanguage(); window.location.reload(); });

const map = L.map(element, { preferCanvas: true, zoomControl: !kiosk, attributionControl: false, maxZoom: 20 });
map.setView([0, 0], 2);
if (element.dataset.basemap) L.tileLayer(element.dataset.basemap, { maxZoom: 19 }).addTo(map);

const workers = workerLayer({ onSelect: (fix) => showRoute(fix) });
const playback = playbackControl(map);
playback.control.addTo(map);

async function showRoute(fix) {
  try {
    const day = await getJson(`/api/v1/workers/${encodeURIComponent(fix.worker)}/track`);
    const drawn = workers.showRoute(day);
    playback.show(day.properties, fix.worker);
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
                             onRoute: (line) => { if (line) workers.showRoute(line); } });
const select = (id) => detail.show(id).catch((e) => console.warn('incident', id, e.message));
const incidents = incidentLayer(select);
let grids = null;
let cameras = null;

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
}

// The loads are kept: the counts often come before the grids' shapes, which then take them
// when they arrive (else the grids stayed unshaded until the next refresh, half a minute on).
let gridLoads = null;
function shadeGrids() {
  if (!grids || !gridLoads) return;
  grids.shade(gridLoads);
  element.dataset.gridsShaded = 'true';
}

let summaryTimer = null;
async function refreshSummary() {
  clearTimeout(summaryTimer);
  const summary = await patiently(() => getJson('/api/v1/wall'));
  renderSummary(summary, select);
  gridLoads = summary.grid_load;
  shadeGrids();
  element.dataset.summaryAt = summary.now;
  summaryTimer = setTimeout(refreshSummary, SUMMARY_EVERY_MS);
}

// Events come in bursts: the counts follow a moment later, once per burst.
let pending = null;
function refreshSoon() {
  if (pending) return;
  pending = setTimeout(() => { pending = null; refreshSummary(); }, 1500);
}

function onEvent(event) {
  if (event.type === 'position') { workers.move(event); return; }
  if (event.type !== 'incident') return;
  incidents.upsert(event.incident, event.action === 'report');
  addToTicker(event, select);
  if (detail.currentId() === event.incident.id) select(event.incident.id);
  refreshSoon();
}

// A tiled layer is only worth its tile requests when its collection holds something.
async function hasFeatures(collection) {
  const page = await getJson(`/ogcapi/collections/${collection}/items?limit=1`);
  return page.features.length > 0;
}

async function start() {
  // Everything the panel and the vector layers need is asked for at once; the base tiles
  // come after, so the browser's six connections are not queued behind a hundred tiles.
  const summaryReady = refreshSummary();
  const incidentsReady = patiently(loadIncidents);
  const workersReady = refreshWorkers();
  const [gridData, communityData, streetData, cameraData, coverage, segmentData, blindSpots] = await patiently(() => Promise.all([
    geojson('grids'),
    readable.has('communities') ? geojson('communities') : null,
    readable.has('streets') ? geojson('streets') : null,
    readable.has('cameras') ? geojson('cameras') : null,
    readable.has('camera-coverage') ? hasFeatures('camera-coverage') : false,
    readable.has('road-segments') ? geojson('road-segments') : null,
    readable.has('camera-blind-spots') ? hasFeatures('camera-blind-spots') : false,
  ]));
  grids = gridLayer(gridData);
  shadeGrids();
  const overlays = {};
  overlays[t('grids')] = grids.addTo(map);
  if (communityData) overlays[t('communities')] = outlineLayer(communityData, 'communities').addTo(map);
  if (streetData) overlays[t('streets')] = outlineLayer(streetData, 'streets').addTo(map);
  const redrawn = [];      // the tiled layers a camera edit changes
  if (cameraData) {
    cameras = cameraLayer(cameraData, {
      editable: element.dataset.cameraEditor === 'true',
      onChanged: () => redrawn.forEach((layer) => layer.redraw()),
    });
    overlays[t('cameras')] = cameras;
  }
  if (segmentData?.features.length) overlays[t('chief_segments')] = segmentLayer(segmentData).addTo(map);
  overlays[t('workers')] = workers.layer.addTo(map);
  overlays[t('incidents')] = incidents.layer.addTo(map);
  const extent = gridData.features.length ? grids.getBounds().pad(0.02) : undefined;
  if (extent) map.fitBounds(grids.getBounds());
  await Promise.all([summaryReady, incidentsReady]);
  const tiled = [['roads', 11, true, 'roads'], ['buildings', 13, true, 'buildings'],
    ['camera-coverage', 12, coverage, 'coverage'], ['camera-blind-spots', 12, blindSpots, 'blind_spots']];
  for (const [collection, minZoom, shown, label] of tiled) {
    if (!readable.has(collection) || !shown) continue;
    const layer = tileLayer(collection, minZoom, extent).addTo(map);
    if (collection !== 'camera-blind-spots') layer.bringToBack();
    if (collection.startsWith('camera-')) redrawn.push(layer);
    overlays[t(label)] = layer;
  }
  if (!kiosk) L.control.layers(null, overlays, { collapsed: false, position: 'topright' }).addTo(map);
  wallLegend(readable).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  connect({
    onEvent,
    onState: setConnection,
    onResync: () => patiently(loadIncidents).then(refreshSummary),
    onReconnected: refreshSummary,
  });
  await workersReady;
  setInterval(refreshWorkers, 60_000);
  setInterval(() => { tickClocks(); workers.markStale(); }, 1000);
  element.dataset.ready = 'true';
}

// for the browser tests and for anyone debugging a wall: what is on it
window.gridmapWall = { map, incidents, workers, playback, cameras: () => cameras };
start();
