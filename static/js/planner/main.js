// The planner's page: a plan's grids over buildings and roads, the planners' operations
// (Leaflet-Geoman draws the lines, with snapping), undo and redo, a new grid's names and worker,
// the problems as they draw (with a one-click fix for slivers and tiny grids), households and
// workers per grid, the diff against the current division, the workflow by role, and the
// division on any past date. The plan open is in the address (?plan=ID). With no plan open, the
// current division of one area (a street or a community), the rest of the city's grids faint
// around it.
import { translatePage, switchLanguage, t, tf, lang, when, setTimeZone } from '../i18n.js';
import { getJson, sendJson, HttpError } from '../http.js';
import { workflowButtons } from './workflow.js';
import { problemList, problemCount, onGround } from './problems.js';
import { gridForm } from './gridform.js';
import { listEvents, journalButtons } from './record.js';
import { createMap, vectorTiles } from '../basemap.js';
import { loadAreas, fillAreas, rememberedArea, remember, gridFilter } from './areas.js';
import { dateField, cityInstant, cityToday } from './datefield.js';

const body = document.body;
const can = { write: body.dataset.canWrite === 'true', review: body.dataset.canReview === 'true',
  file: body.dataset.canFile === 'true' };
translatePage('planner_title');
setTimeZone(body.dataset.timezone);
document.getElementById('lang').addEventListener('click', async () => {
  switchLanguage();
  // the server answers in this language too when a request does not say (an API client)
  await sendJson('PATCH', '/api/v1/users/me', { language: lang }).catch(() => null);
  window.location.reload();
});

const $ = (id) => document.getElementById(id);
// a special grid (专属网格: a school, a park…), on the map and in the legend
const SPECIAL_STYLE = { color: '#6a1b9a', weight: 2.5, dashArray: '6 4', fillColor: '#ce93d8', fillOpacity: 0.3 };
// the grids of the rest of the city, around the area shown: context, not to be read or clicked
const CITY_GRID_STYLE = { color: '#7986cb', weight: 1, opacity: 0.6, fill: false };
const map = createMap('map', { maxZoom: 20 }).setView([0, 0], 2);
L.control.scale({ imperial: false }).addTo(map);
map.pm.setGlobalOptions({ snappable: true, snapDistance: 15, finishOn: 'dblclick' });
map.pm.setLang(lang === 'zh' ? 'zh' : 'en');

const context = L.layerGroup().addTo(map);          // buildings and roads: snapping targets
const gridLayer = L.featureGroup().addTo(map);
const problemLayer = L.featureGroup().addTo(map);
const diffLayer = L.featureGroup();
const historyLayer = L.featureGroup().addTo(map);
// A city's 6,400 grids are too many to send as GeoJSON, label and list: the city's grids come as
// vector tiles, drawn under the area's own (in the tile pane, below every overlay). A server
// started before the planner's bundle carried VectorGrid serves the page without them.
const cityGrids = L.VectorGrid ? vectorTiles('/tiles/grids/{z}/{x}/{y}.mvt', {
  vectorTileLayerStyles: { grids: CITY_GRID_STYLE }, interactive: false, rendererFactory: L.canvas.tile,
  maxNativeZoom: 18, zIndex: 5, pmIgnore: true }) : L.layerGroup();
legend().addTo(map);

// area: the area whose current division is shown; view: counts the views asked for, so that
// only the last one asked for is drawn
const state = { plan: null, features: new Map(), problems: null, selected: [], tool: null, area: null, areas: [],
  view: 0, contextLoaded: false, contextBounds: null, contextAsked: 0, pending: 0, folded: new Set(), seen: new Set(),
  fresh: null, shapes: [], redrawHistory: null };
window.gridmapPlanner = {                              // read by the browser tests
  problemCount: () => (state.problems ? state.problems.features.length : -1),
  problemKinds: () => (state.problems ? state.problems.features.map((f) => f.properties.kind) : []),
  gridCount: () => state.features.size,
  busy: () => state.pending > 0,
  contextLoaded: () => state.contextLoaded,
  featureAt: (code) => [...state.features.values()].find((f) => f.feature.properties.code === code)?.feature.id,
  select: (id) => select(id),
  selected: () => [...state.selected],
  drawnStyle: (id) => { const o = state.features.get(id)?.options; return o ? { color: o.color, dashArray: o.dashArray, fillColor: o.fillColor } : null; },
  plan: () => state.plan?.id ?? null,
  area: () => state.area?.code ?? null,
  centre: (id) => { const c = state.features.get(id).getBounds().getCenter(); return map.latLngToContainerPoint(c); },
  // where a place is on the page (for a mouse), and the map's zoom
  pixel: (lon, lat) => {
    const point = map.latLngToContainerPoint([lat, lon]);
    const box = map.getContainer().getBoundingClientRect();
    return { x: point.x + box.left, y: point.y + box.top };
  },
  zoom: () => map.getZoom(),
  setZoom: (zoom) => { map.setZoom(zoom, { animate: false }); },
  view: (lon, lat, zoom) => { map.setView([lat, lon], zoom, { animate: false }); },
  // a grid's label as the reader sees it: its text, or null when it is not shown
  label: (id) => {
    const element = state.features.get(id)?.getTooltip()?.getElement();
    return element && getComputedStyle(element).visibility === 'visible' ? element.innerText : null;
  },
  drawing: () => map.pm.globalDrawModeEnabled(),
  boundsOf: (id) => {
    const b = state.features.get(id).getBounds();
    return [map.latLngToContainerPoint(b.getNorthWest()), map.latLngToContainerPoint(b.getSouthEast())];
  },
};

// -- plans --------------------------------------------------------------------------------------

async function loadPlans(chosen) {
  const { plans } = await getJson('/api/v1/plans');
  const select = $('plan-select');
  select.replaceChildren(new Option(`— ${t('current_division')} —`, ''));
  for (const plan of plans) select.add(new Option(planLabel(plan), plan.id));
  select.value = chosen ? String(chosen) : '';
  select.onchange = () => choose(select.value);
  if (chosen && select.value !== String(chosen)) {           // not a plan this user may see
    history.replaceState(null, '', window.location.pathname);
    await showCurrent();
    say(tf('plan_not_found', { id: chosen }));
    return;
  }
  if (select.value) await openPlan(select.value); else await showCurrent();
}

// The plan chosen is kept in the address, so a reload (or a link) opens it again; Back goes
// to the plan open before.
async function choose(id) {
  if (window.location.search !== (id ? `?plan=${id}` : '')) {
    history.pushState({ plan: id || null }, '', id ? `?plan=${id}` : window.location.pathname);
  }
  if (id) await openPlan(id); else await showCurrent();
}

window.addEventListener('popstate', () => {
  const id = new URLSearchParams(window.location.search).get('plan') || '';
  $('plan-select').value = id;
  if (id) openPlan(id); else showCurrent();
});

// The current grids' full-time workers, the whole city's (a megabyte at 6,400 grids): read once,
// and again after a plan was open, as filing one changes them.
let staffing = null;

// No plan chosen: the area chosen as it is divided now, with households and workers per grid,
// over the rest of the city's grids.
async function showCurrent() {
  state.pending += 1;
  const view = ++state.view;
  try {
    state.plan = null;
    state.problems = null;
    state.selected = [];
    state.fresh = null;
    useTool(null);
    await areasReady;
    const filter = gridFilter(state.area);
    staffing ??= getJson('/api/v1/division').catch((error) => { staffing = null; throw error; });
    const [items, division] = await Promise.all([
      filter ? getJson(`/ogcapi/collections/grids/items?limit=10000&${filter}`) : { features: [] }, staffing]);
    if (view !== state.view) return;                 // another area or a plan was asked for since
    $('plan').hidden = false;
    for (const part of document.querySelectorAll('.plan-only')) part.hidden = true;
    for (const part of document.querySelectorAll('.current-only')) part.hidden = false;
    $('plan-name').textContent = t('current_division');
    $('plan-status').textContent = t('plan_filed');
    $('plan-grids').textContent = `${items.features.length} ${t('grids')}`;
    const staff = new Map(division.grids.map((g) => [g.id, g]));
    const grids = items.features.map((f) => ({ id: f.id, code: f.properties.code, kind: f.properties.kind,
      households: f.properties.households ?? 0,
      name_zh: f.properties.name_zh, name_en: f.properties.name_en, worker: staff.get(f.id)?.worker ?? null }));
    drawGrids(items, { grids, features: [] }, { interactive: false });
    listHouseholds({ grids, features: [] });
    declutter();
    diffLayer.remove();
    problemLayer.clearLayers();
    if (gridLayer.getLayers().length) map.fitBounds(gridLayer.getBounds());
    cityGrids.addTo(map);                             // after the fit: no tile of the world is asked for
    state.redrawHistory?.();
    await loadContext();
  } finally {
    state.pending -= 1;
  }
}

// The areas, in the current division's selector and the new plan's (which starts at the area
// shown); the area shown is the one chosen last, or the first street.
const areasReady = loadAreas().then((areas) => {
  state.areas = areas;
  state.area = rememberedArea(areas);
  const shown = $('area-select');
  fillAreas(shown, areas);
  shown.value = state.area?.code ?? '';
  shown.addEventListener('change', () => showArea(shown.value));
  if (can.write) {
    fillAreas($('new-plan').elements.area, areas);
    $('new-plan').elements.area.value = state.area?.code ?? '';
  }
});

async function showArea(code) {
  state.area = state.areas.find((a) => a.code === code) ?? state.area;
  remember(state.area);
  if (can.write) $('new-plan').elements.area.value = state.area.code;
  await showCurrent();
}

// "#12 赫尔辛基中心 网格调整（草稿）": the plan as the dropdown names it, with its status now
const planLabel = (plan) => `#${plan.id} ${planName(plan.name)}${paren(t(`plan_${plan.status}`))}`;

// Plan names are made in both languages ("中文 / English"): the reader's half.
function planName(name) {
  const halves = String(name).split(' / ');
  return halves.length === 2 ? halves[lang === 'zh' ? 0 : 1] : name;
}

function newPlanForm() {
  const form = $('new-plan');
  const areas = form.elements.area;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const request = { area: areas.value };
    if (form.elements.propose.checked) {
      request.propose = { min_households: Number(form.elements.min.value), max_households: Number(form.elements.max.value) };
    }
    const plan = await act(() => sendJson('POST', '/api/v1/plans', request));
    if (plan?.id) {
      history.pushState({ plan: plan.id }, '', `?plan=${plan.id}`);
      await loadPlans(plan.id);
    }
  });
}

async function openPlan(id) {
  if (!id) return;
  state.view += 1;
  state.selected = [];
  state.fresh = null;
  state.folded.clear();
  state.seen.clear();
  await refresh(Number(id), { fit: true });
  state.redrawHistory?.();
}

async function refresh(id = state.plan.id, { fit = false } = {}) {
  state.pending += 1;
  try {
    const [plan, items, problems] = await Promise.all([
      getJson(`/api/v1/plans/${id}`),
      getJson(`/ogcapi/collections/plan-${id}/items?limit=10000`),
      getJson(`/api/v1/plans/${id}/problems`),
    ]);
    state.plan = plan;
    state.problems = problems;
    staffing = null;
    $('plan').hidden = false;
    for (const part of document.querySelectorAll('.plan-only')) part.hidden = false;
    for (const part of document.querySelectorAll('.current-only')) part.hidden = true;
    cityGrids.remove();            // the plan's own lines, not the current ones under them
    $('plan-name').textContent = planName(plan.name);
    $('plan-status').textContent = t(`plan_${plan.status}`);
    $('plan-grids').textContent = `${plan.grids} ${t('grids')}`;
    // a workflow step (or another planner's) changes the status: the dropdown says it too
    const option = [...$('plan-select').options].find((o) => o.value === String(plan.id));
    if (option) option.text = planLabel(plan);
    const editing = can.write && plan.editable;
    $('tools').hidden = !editing;
    $('journal').hidden = !editing;
    journalButtons($('undo'), $('redo'), plan);
    $('print').href = `/api/v1/plans/${id}/map.html`;
    $('export').href = `/api/v1/plans/${id}/export?format=gpkg`;
    drawGrids(items, problems);
    state.selected = state.selected.filter((s) => state.features.has(s));
    drawProblems(problems);
    listHouseholds(problems);
    listEvents($('events'), plan.events, $('event-count'));
    workflowButtons($('workflow'), plan, can, { act, refresh: () => refresh(id) });
    restyle();
    if (fit && gridLayer.getLayers().length) map.fitBounds(gridLayer.getBounds());
    await loadContext();
    if ($('show-diff').checked) await showDiff();
  } finally {
    state.pending -= 1;
  }
}

// -- layers -------------------------------------------------------------------------------------

function gridStyle(feature) {
  const code = feature.properties.code;
  const off = state.problems?.features.some((p) => p.properties.kind === 'households' && p.properties.grids.includes(code));
  const chosen = state.selected.includes(feature.id);
  if (chosen) return { color: '#d81b60', weight: 5, dashArray: null, fillColor: '#f06292', fillOpacity: 0.45 };
  // a special grid (专属网格: a school, a park…) apart from the comprehensive ones: the household
  // standard is not its measure
  if (feature.properties.kind === 'special') return { ...SPECIAL_STYLE };
  return { color: '#1565c0', weight: 2, dashArray: null, fillColor: off ? '#ffb300' : '#64b5f6', fillOpacity: 0.15 };
}

function drawGrids(items, problems, { interactive = true } = {}) {
  gridLayer.clearLayers();
  state.features.clear();
  const held = new Map(problems.grids.map((g) => [g.id, g.households]));
  L.geoJSON(items, {
    style: gridStyle,
    onEachFeature(feature, layer) {
      state.features.set(feature.id, layer);
      layer.feature = feature;
      layer.bindTooltip(gridLabel(feature.properties, held.get(feature.id) ?? 0),
        { permanent: true, direction: 'center', className: 'grid-label' });
      // while a line is drawn, a click inside a grid is the line's vertex: it must reach the map
      if (interactive) layer.on('click', (event) => {
        if (drawing()) return;
        L.DomEvent.stop(event);
        // handing over: with the receiving grid chosen, a click on another grid's building
        // hands that building over (the grid lies above the buildings and takes the click)
        const building = state.tool === 'handover' && state.selected.length === 1 && state.selected[0] !== feature.id
          ? buildingAt(event.latlng) : null;
        if (building) handOver(building); else select(feature.id);
      });
      gridLayer.addLayer(layer);
    },
  });
}

// A grid's label on the map: its name, and its code and households under it (built as
// elements: a name is data, never markup).
function gridLabel(properties, households) {
  const label = document.createElement('span');
  const name = (lang === 'zh' ? properties.name_zh : properties.name_en) || properties.name_zh || properties.name_en;
  if (name) label.append(Object.assign(document.createElement('b'), { className: 'name', textContent: name }), document.createElement('br'));
  label.append(`${properties.code} · ${households} ${t('households_short')}`);
  return label;
}

// The chosen grids stand out: drawn over their neighbours in a strong colour, their labels
// and rows marked, and named in the selection line.
function restyle() {
  for (const [id, layer] of state.features) {
    const chosen = state.selected.includes(id);
    layer.setStyle(gridStyle(layer.feature));
    if (chosen) layer.bringToFront();
    layer.getTooltip()?.getElement()?.classList.toggle('selected', chosen);
  }
  problemLayer.bringToFront();                      // the problems stay over the chosen grids
  for (const row of $('households').tBodies[0].rows) row.classList.toggle('selected', state.selected.includes(Number(row.dataset.id)));
  declutter();
  showSelection();
  showGridForm();
}

// Grid labels that would cover one another: a chosen grid's is shown, then the larger grids'.
function declutter() {
  const labels = [...state.features.entries()].map(([id, layer]) => {
    const bounds = layer.getBounds();
    const size = (bounds.getEast() - bounds.getWest()) * (bounds.getNorth() - bounds.getSouth());
    return { element: layer.getTooltip()?.getElement(), rank: state.selected.includes(id) ? Infinity : size };
  }).filter((label) => label.element);
  for (const label of labels) label.element.classList.remove('crowded');
  for (const label of labels) label.box = label.element.getBoundingClientRect();   // one layout for all
  const shown = [];
  for (const label of labels.sort((a, b) => b.rank - a.rank)) {
    const { box } = label;
    const covered = shown.some((s) => box.left < s.right && box.right > s.left && box.top < s.bottom && box.bottom > s.top);
    if (covered) label.element.classList.add('crowded'); else shown.push(box);
  }
}

// Far out, a label covers more than its grid: below LABEL_ZOOM only the chosen grids' show.
const LABEL_ZOOM = 14;
const labelsByZoom = () => map.getContainer().classList.toggle('labels-far', map.getZoom() < LABEL_ZOOM);
map.on('zoomend', () => { labelsByZoom(); declutter(); });
labelsByZoom();

function codeOf(id) {
  return state.features.get(id)?.feature.properties.code ?? String(id);
}

function showSelection() {
  const bar = $('selection');
  bar.replaceChildren();
  bar.hidden = !state.plan || !state.selected.length;
  if (bar.hidden) return;
  bar.append(Object.assign(document.createElement('span'), {
    textContent: tf('selected_n', { n: state.selected.length, codes: state.selected.map(codeOf).join(lang === 'zh' ? '、' : ', ') }) }));
  const button = (key, action, id) => {
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: t(key), id });
    b.addEventListener('click', action);
    bar.append(' ', b);
  };
  if (state.tool === 'merge' && state.selected.length >= 2) button('merge_selected', merge, 'merge-selected');
  if (state.tool === 'delete' && state.selected.length) button('delete_selected', remove, 'delete-selected');
  button('clear_selection', () => { state.selected = []; state.fresh = null; restyle(); }, 'clear-selection');
}

// One grid chosen in a draft, and no line being drawn: its names and worker can be set.
function showGridForm() {
  const form = $('grid-form');
  const [id] = state.selected;
  const editing = can.write && state.plan?.editable && state.selected.length === 1 && [null, 'edit'].includes(state.tool);
  if (!editing || !state.features.has(id)) {
    form.hidden = true;
    form.replaceChildren();
    return;
  }
  if (!form.hidden && form.dataset.feature === String(id) && form.dataset.version === String(state.features.get(id).feature.properties.version)) return;
  const feature = state.features.get(id).feature;
  gridForm(form, {
    feature, grid: state.problems?.grids.find((g) => g.id === id), workers: state.plan.workers || [],
    siteKinds: state.plan.site_kinds || [],
    fresh: state.fresh === id,
    save: async (body) => {
      state.fresh = null;
      document.activeElement?.blur();
      await act(() => sendJson('POST', `/api/v1/plans/${state.plan.id}/name`, body));
    },
  });
  form.dataset.version = String(feature.properties.version);
}

function drawProblems(problems) {
  problemLayer.clearLayers();
  state.shapes = problems.features.map((problem) => {
    if (!problem.geometry) return null;
    const shape = L.geoJSON(problem, {
      pmIgnore: true, snapIgnore: true,
      style: { color: problem.properties.blocking ? '#d50000' : '#ff8f00', weight: 3, fillOpacity: 0.45 },
      pointToLayer: (_, latlng) => L.circleMarker(latlng, { radius: 7, pmIgnore: true, snapIgnore: true }),
    }).bindTooltip(problemText(problem));
    problemLayer.addLayer(shape);
    return shape;
  });
  $('problem-count').textContent = problemCount(problems);
  $('on-ground').textContent = onGround(problems);
  problemList($('problems'), problems, {
    folded: state.folded, seen: state.seen, message: problemText, show: showProblem,
    fix: can.write && state.plan?.editable ? fixProblem : null,
  });
}

function problemText(problem) {
  return punctuated(lang === 'zh' ? problem.properties.message_zh : problem.properties.message_en);
}

// The map goes to the problem's place: around it with a margin, never wider than it needs,
// closer for a point or a sliver; the problem flashes.
function showProblem(n) {
  const shape = state.shapes[n];
  if (!shape) return;
  const bounds = shape.getBounds();
  if (!bounds.isValid()) return;
  const zoom = Math.min(map.getBoundsZoom(bounds, false, L.point(160, 160)), 18);
  map.setView(bounds.getCenter(), zoom);
  shape.openTooltip(bounds.getCenter());
  shape.setStyle({ weight: 7 });
  setTimeout(() => shape.setStyle({ weight: 3 }), 1200);
  for (const item of document.querySelectorAll('#problems li.shown')) item.classList.remove('shown');
  document.querySelector(`#problems li[data-n="${n}"]`)?.classList.add('shown');
}

// A sliver or a tiny grid merged into the neighbour it shares most boundary with (the server
// finds it); a sliver sends where it is, so only that part of its grid moves. A cut building
// goes wholly into the grid holding most of it.
async function fixProblem(problem) {
  if (problem.properties.kind === 'cut_building') {
    state.selected = [];
    await act(() => sendJson('POST', `/api/v1/plans/${state.plan.id}/keep-building-whole`,
      { building: problem.properties.building, versions: versions([...state.features.keys()]) }));
    return;
  }
  const [code] = problem.properties.grids;
  const id = [...state.features.values()].find((l) => l.feature.properties.code === code)?.feature.id;
  if (id === undefined) return;
  const body = { feature: id, versions: versions([...state.features.keys()]) };
  const shape = state.shapes[state.problems.features.indexOf(problem)];
  if (problem.properties.kind === 'sliver' && shape) {
    const piece = shape.getLayers()[0];
    const at = piece?.getCenter ? piece.getCenter() : shape.getBounds().getCenter();
    body.at = [at.lng, at.lat];
  }
  state.selected = [];
  await act(() => sendJson('POST', `/api/v1/plans/${state.plan.id}/merge-into-neighbour`, body));
}

function listHouseholds(problems) {
  const rows = $('households').tBodies[0];
  rows.replaceChildren();
  for (const grid of problems.grids) {
    const layer = state.features.get(grid.id);
    const row = rows.insertRow();
    row.dataset.id = grid.id;
    row.title = (lang === 'zh' ? grid.name_zh : grid.name_en) || '';
    row.classList.toggle('out', problems.features.some((p) => p.properties.kind === 'households' && p.properties.grids.includes(grid.code)));
    const code = row.insertCell();
    code.textContent = grid.code;
    // a special grid's households are no measure of it: said, so a low count is not read as a fault
    if (grid.kind === 'special') {
      row.classList.add('special');
      code.append(' ', Object.assign(document.createElement('small'), { className: 'special-tag', textContent: t('special_short') }));
    }
    row.insertCell().textContent = grid.households;
    const worker = grid.worker ? ((lang === 'zh' ? grid.worker.zh : grid.worker.en) || grid.worker.code) : t('none');
    const cell = row.insertCell();
    cell.textContent = worker;
    if (grid.worker) cell.title = grid.worker.code;
    else cell.classList.add('none');
    row.addEventListener('click', () => { if (layer) map.fitBounds(layer.getBounds()); if (state.plan) select(grid.id); });
  }
}

// The buildings and roads around the grids shown, loaded again when the grids shown (another
// area, another plan) reach beyond those loaded.
async function loadContext() {
  if (!gridLayer.getLayers().length || state.contextBounds?.contains(gridLayer.getBounds())) return;
  const asked = ++state.contextAsked;
  const bounds = gridLayer.getBounds().pad(0.1);
  const bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map((v) => v.toFixed(6)).join(',');
  const [buildings, roads] = await Promise.all([
    getJson(`/ogcapi/collections/buildings/items?bbox=${bbox}&limit=10000`),
    getJson(`/ogcapi/collections/roads/items?bbox=${bbox}&limit=10000`),
  ]);
  if (asked !== state.contextAsked) return;          // grids elsewhere were shown meanwhile
  context.clearLayers();
  L.geoJSON(roads, { pmIgnore: true, snapIgnore: false, interactive: false, style: { color: '#9e9e9e', weight: 2 } }).addTo(context);
  // not editable here, but lines snap to them (snapIgnore: false overrides pmIgnore for snapping)
  L.geoJSON(buildings, {
    pmIgnore: true, snapIgnore: false,
    style: { color: '#6d4c41', weight: 1, fillColor: '#bcaaa4', fillOpacity: 0.7 },
    onEachFeature(feature, layer) {
      layer.on('click', (event) => { if (state.tool === 'handover') { L.DomEvent.stop(event); handOver(feature); } });
      layer.bindTooltip(`${feature.properties.address || ''} ${feature.properties.households} ${t('households_short')}`);
    },
  }).addTo(context);
  context.eachLayer((group) => group.bringToBack?.());
  state.contextBounds = bounds;
  state.contextLoaded = true;
}

// -- tools --------------------------------------------------------------------------------------

const hints = { split: 'hint_split', merge: 'hint_merge', move: 'hint_move', handover: 'hint_handover',
  edit: 'hint_edit', draw: 'hint_draw', delete: 'hint_delete' };

// A tool's button toggles it; pressed again with its grids chosen, merge and delete act.
for (const button of document.querySelectorAll('#tools button')) {
  button.addEventListener('click', () => {
    const tool = button.dataset.tool;
    if (state.tool === tool && tool === 'merge' && state.selected.length >= 2) merge();
    else if (state.tool === tool && tool === 'delete' && state.selected.length) remove();
    else useTool(state.tool === tool ? null : tool);
  });
}

function useTool(tool) {
  stopDrawing();
  for (const layer of state.features.values()) layer.pm.disable();
  state.tool = tool;
  for (const button of document.querySelectorAll('#tools button')) button.setAttribute('aria-pressed', String(button.dataset.tool === tool));
  $('hint').textContent = tool ? t(hints[tool]) : '';
  if (tool && tool !== 'edit') state.fresh = null;
  if (tool === 'draw') startDrawing('Polygon');
  if ((tool === 'split' || tool === 'move') && enoughSelected()) startDrawing('Line');
  if (tool === 'edit' && state.selected.length === 1) editShape(state.selected[0]);
  if (state.plan) restyle();
}

function enoughSelected() {
  return (state.tool === 'split' && state.selected.length === 1) || (state.tool === 'move' && state.selected.length === 2);
}

function select(id) {
  const multi = ['merge', 'move', 'delete'].includes(state.tool);
  if (multi) {
    state.selected = state.selected.includes(id) ? state.selected.filter((s) => s !== id) : [...state.selected, id];
    if (state.tool === 'move') state.selected = state.selected.slice(-2);
  } else {
    state.selected = [id];
  }
  if (state.fresh !== id) state.fresh = null;
  restyle();
  if ((state.tool === 'split' || state.tool === 'move') && enoughSelected()) startDrawing('Line');
  if (state.tool === 'edit') editShape(id);
}

const drawing = () => map.pm.globalDrawModeEnabled();

// Drawing: the grids let clicks through to the map (each is a vertex, inside a grid or not)
// and the finishing double-click does not zoom.
function startDrawing(shape) {
  map.doubleClickZoom.disable();
  map.pm.enableDraw(shape);
  for (const layer of state.features.values()) layer.getElement?.()?.classList.add('drawing');
}

function stopDrawing() {
  map.pm.disableDraw();
  for (const layer of state.features.values()) layer.getElement?.()?.classList.remove('drawing');
  // after the double-click that finished the line has been handled everywhere
  setTimeout(() => { if (!drawing()) map.doubleClickZoom.enable(); }, 400);
}

function versions(ids) {
  return Object.fromEntries(ids.map((id) => [id, state.features.get(id).feature.properties.version]));
}

// A line may start and end anywhere: an end inside the chosen grids is carried on, the way it
// was heading, until it is out of them, so the server gets a line from edge to edge.
function inside([x, y], geometry) {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polygons.some((rings) => rings.reduce((odd, ring) => {
    let crossing = odd;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) crossing = !crossing;
    }
    return crossing;
  }, false));
}

function reachingOut(line, ids) {
  const shapes = ids.map((id) => state.features.get(id).feature.geometry);
  const within = (point) => shapes.some((g) => inside(point, g));
  const bounds = L.latLngBounds(ids.map((id) => state.features.get(id).getBounds()));
  const reach = Math.hypot(bounds.getEast() - bounds.getWest(), bounds.getNorth() - bounds.getSouth());
  const coords = line.coordinates.map((c) => [...c]);
  if (coords.length < 2) return line;
  const onward = (from, to) => {
    const [dx, dy] = [to[0] - from[0], to[1] - from[1]];
    const length = Math.hypot(dx, dy) || 1;
    return [to[0] + (dx / length) * reach, to[1] + (dy / length) * reach];
  };
  if (within(coords[coords.length - 1])) coords.push(onward(coords[coords.length - 2], coords[coords.length - 1]));
  if (within(coords[0])) coords.unshift(onward(coords[1], coords[0]));
  return { type: 'LineString', coordinates: coords };
}

map.on('pm:create', async ({ shape, layer }) => {
  map.removeLayer(layer);
  let geometry = layer.toGeoJSON().geometry;
  if (shape === 'Line' && ['split', 'move'].includes(state.tool)) geometry = reachingOut(geometry, state.selected);
  const tool = state.tool;
  let done = null;
  if (shape === 'Line' && tool === 'split') {
    const [feature] = state.selected;
    done = await act(() => sendJson('POST', `/api/v1/plans/${state.plan.id}/split`, { feature, line: geometry, versions: versions([feature]) }),
      { saved: savedWithNote });
  } else if (shape === 'Line' && tool === 'move') {
    done = await act(() => sendJson('POST', `/api/v1/plans/${state.plan.id}/move-boundary`,
      { features: state.selected, line: geometry, versions: versions(state.selected) }));
  } else if (shape === 'Polygon') {
    const made = await act(() => sendJson('POST', `/ogcapi/collections/plan-${state.plan.id}/items`, { type: 'Feature', geometry, properties: {} }));
    if (made?.id !== undefined) done = { created: [made.id] };
  }
  useTool(null);
  // a new grid is chosen at once, with the form for its names and its worker open
  const [created] = done?.created ?? [];
  if (created !== undefined && state.features.has(created)) {
    state.selected = [created];
    state.fresh = created;
    restyle();
  }
});

async function merge() {
  const ids = state.selected;
  await act(() => sendJson('POST', `/api/v1/plans/${state.plan.id}/merge`, { features: ids, versions: versions(ids) }));
  state.selected = state.selected.filter((s) => state.features.has(s)).slice(0, 1);
  useTool(null);
}

async function remove() {
  const ids = state.selected;
  await act(async () => {
    for (const id of ids) {
      await sendJson('DELETE', `/ogcapi/collections/plan-${state.plan.id}/items/${id}`, undefined,
        { 'If-Match': `"pf${id}-${versions([id])[id]}"` });
    }
  });
  state.selected = [];
  useTool(null);
}

// The building under a point, among those loaded around the area.
function buildingAt(latlng) {
  let found = null;
  context.eachLayer((group) => group.eachLayer?.((layer) => {
    const geometry = layer.feature?.geometry;
    if (found || !['Polygon', 'MultiPolygon'].includes(geometry?.type) || !layer.getBounds().contains(latlng)) return;
    if (inside([latlng.lng, latlng.lat], geometry)) found = layer.feature;
  }));
  return found;
}

async function handOver(building) {
  const [to] = state.selected;
  if (to === undefined) { $('hint').textContent = t('hint_handover'); return; }
  const giver = [...state.features.keys()].filter((id) => id !== to);
  await act(() => sendJson('POST', `/api/v1/plans/${state.plan.id}/hand-over`,
    { building: building.id, to, versions: versions([to, ...giver]) }));
}

function editShape(id) {
  const layer = state.features.get(id);
  layer.pm.enable({ snappable: true, allowSelfIntersection: true });
  layer.off('pm:update');
  layer.on('pm:update', async () => {
    const version = layer.feature.properties.version;
    await act(() => sendJson('PATCH', `/ogcapi/collections/plan-${state.plan.id}/items/${id}`,
      { geometry: layer.toGeoJSON().geometry }, { 'If-Match': `"pf${id}-${version}"` }));
    if (state.tool === 'edit' && state.features.has(id)) editShape(id);
  });
}

// -- undo and redo: the server keeps every edit of a draft, so they restore it exactly -------

async function travel(direction) {
  if (!state.plan?.editable || !can.write || state.pending || drawing()) return;
  const step = state.plan[direction];
  if (!step) { say(t(direction === 'undo' ? 'nothing_to_undo' : 'nothing_to_redo')); return; }
  state.fresh = null;
  await act(() => sendJson('POST', `/api/v1/plans/${state.plan.id}/${direction}`), {
    saved: tf(direction === 'undo' ? 'undone_what' : 'redone_what', { what: editDoneText(step) }) });
}

const editDoneText = (step) => `${t(`edit_${step.op}`)} ${(step.grids || []).join(lang === 'zh' ? '、' : ', ')}`.trim();

$('undo').addEventListener('click', () => travel('undo'));
$('redo').addEventListener('click', () => travel('redo'));

// Ctrl+Z undoes, Ctrl+Shift+Z (or Ctrl+Y) redoes; in a text field typed in they stay the
// field's own. Escape puts the tool down and lets the grids go.
document.addEventListener('keydown', (event) => {
  const field = event.target.closest?.('input, textarea, [contenteditable]');
  const typing = field && (field.isContentEditable || field.value !== field.defaultValue);
  if ((event.ctrlKey || event.metaKey) && !event.altKey && !typing) {
    const key = event.key.toLowerCase();
    if (key === 'z' || key === 'y') {
      event.preventDefault();
      travel(key === 'y' || event.shiftKey ? 'redo' : 'undo');
    }
  } else if (event.key === 'Escape' && !typing && state.plan) {
    state.selected = [];
    state.fresh = null;
    useTool(null);
  }
});

// "已保存。拆分线贴近网格边界……": what the server did besides what was asked, after the word
function savedWithNote(answer) {
  const note = (lang === 'zh' && answer.note_zh) || answer.note;
  return note ? `${t('saved')}${lang === 'zh' ? '。' : '. '}${punctuated(note)}` : t('saved');
}

// Every change goes through here: the message line says what went wrong (a stale version
// names who changed it first), and the plan, its problems and households are read again.
// `saved`: what the message line says when it is done (or a function of the answer).
// Returns the server's answer, or null when the change was refused.
async function act(change, { saved = t('saved') } = {}) {
  const message = $('message');
  message.textContent = '';
  message.classList.remove('ok');
  state.pending += 1;
  let answer = null;
  try {
    answer = (await change()) ?? {};
    message.textContent = typeof saved === 'function' ? saved(answer) : saved;
    message.classList.add('ok');
  } catch (error) {
    const zh = error instanceof HttpError && error.body?.description_zh;
    message.classList.remove('ok');
    message.textContent = punctuated((lang === 'zh' && zh) || error.message);
  } finally {
    state.pending -= 1;
  }
  if (state.plan) await refresh(state.plan.id);
  return answer;
}

function say(text) {
  const message = $('message');
  message.classList.remove('ok');
  message.textContent = text;
}

// -- diff and history ----------------------------------------------------------------------------

// Chinese punctuation in Chinese: one comma (，), the full-width colon and brackets.
// Chinese text from the server in Chinese punctuation: ",:;" after Chinese words become "，：；"
// and brackets round Chinese words "（）".
function punctuated(text) {
  if (lang !== 'zh' || !text) return text;
  const full = { ',': '，', ':': '：', ';': '；' };
  return text.replace(/([\u3000-\u9fff\uff00-\uffef）」”])\s*([,:;])\s*/gu, (_, before, mark) => before + full[mark])
    .replace(/\(([^()]*[\u4e00-\u9fff][^()]*)\)/gu, '（$1）');
}

const comma = () => (lang === 'zh' ? '，' : ', ');
const colon = () => (lang === 'zh' ? '：' : ': ');
const paren = (text) => (lang === 'zh' ? `（${text}）` : ` (${text})`);

$('show-diff').addEventListener('change', async (event) => {
  $('diff').hidden = !event.target.checked;
  if (event.target.checked) await showDiff(); else map.removeLayer(diffLayer);
});

async function showDiff() {
  const diff = await getJson(`/api/v1/plans/${state.plan.id}/diff`);
  diffLayer.clearLayers();
  L.geoJSON(diff.lines, { pmIgnore: true, snapIgnore: true,
    style: (f) => (f.properties.kind === 'new' ? { color: '#2e7d32', weight: 4 } : { color: '#616161', weight: 3, dashArray: '6 4' }) })
    .addTo(diffLayer);
  diffLayer.addTo(map);
  const codes = (list) => list.map((g) => g.code).join(comma()) || t('none');
  const line = (key, text) => Object.assign(document.createElement('p'), { textContent: `${t(key)}${colon()}${text}` });
  $('diff').replaceChildren(line('diff_added', codes(diff.added)), line('diff_removed', codes(diff.removed)),
    line('diff_changed', codes(diff.changed)), line('diff_unchanged', diff.unchanged),
    line('diff_buildings', `${diff.buildings.length}${paren(`${diff.households_moving} ${t('households_short')}`)}`));
  $('diff').dataset.changed = diff.changed.map((g) => g.code).join(' ');
  $('diff').dataset.added = diff.added.map((g) => g.code).join(' ');
  $('diff').dataset.moving = String(diff.households_moving);
}

// The division on a date: a slider whose stops are the moments the division changed (loaded,
// or a plan filed), each labelled with its date, with one before the first and "now" last; or
// any day from the picker. Drawn over the plan in dashed orange; the line beside it says how
// many grids there were, or that there was no division yet.
async function loadHistory() {
  const { changes } = await getJson('/api/v1/division/changes');
  const moments = changes.map((c) => ({ at: new Date(c.at), plan: c.plan }));
  const first = moments[0]?.at ?? null;
  // a day's date, or with the time when the division changed more than once that day
  const days = moments.map(({ at }) => when(at, 'day'));
  const dated = (at, n) => (days.filter((d) => d === days[n]).length > 1 ? when(at, 'short') : days[n]);
  const stops = [
    ...(first ? [{ at: new Date(first.getTime() - 1000), label: tf('history_before', { date: days[0] }) }] : []),
    // a second on: a time from the database has microseconds, a Date only milliseconds
    ...moments.map(({ at, plan }, n) => ({ at: new Date(at.getTime() + 1000), label: dated(at, n),
      title: `${when(at)}${plan ? ` #${plan.id} ${planName(plan.name)}` : ''}` })),
    { at: null, label: t('history_now') },
  ];
  const slider = $('history-slider');
  slider.max = String(stops.length - 1);
  slider.value = slider.max;
  labelStops($('history-stops'), stops, (n) => { slider.value = String(n); show(); });
  const note = $('history-note');
  let asked = 0;                       // the last drawing asked for is the one shown
  let shown = null;
  // the division of the area shown: the plan's, or the one chosen for the current division
  const draw = async (at) => {
    const mine = ++asked;
    shown = at;
    $('history-date').textContent = at ? when(at) : t('history_now');
    historyLayer.clearLayers();
    note.textContent = '';
    if (!at) return;                                              // now: the plan is what is drawn
    const filter = gridFilter(state.plan ? state.plan.area : state.area);
    const grids = await getJson(`/ogcapi/collections/grids/items?limit=10000&datetime=${at.toISOString()}${filter ? `&${filter}` : ''}`);
    if (mine !== asked) return;
    L.geoJSON(grids, { pmIgnore: true, snapIgnore: true, interactive: false,
      style: { color: '#e65100', weight: 2, dashArray: '4 4', fill: false } }).addTo(historyLayer);
    note.textContent = grids.features.length
      ? tf('history_count', { n: grids.features.length })
      : t('history_none') + (first && at < first ? tf('history_first', { date: when(first, 'day') }) : '');
    note.classList.toggle('none', !grids.features.length);
  };
  const mark = (n) => {
    for (const stop of $('history-stops').children) stop.classList.toggle('current', stop.dataset.n === String(n));
  };
  const show = () => { picker.value = ''; mark(slider.value); return draw(stops[Number(slider.value)].at); };
  slider.addEventListener('input', show);
  // or any date from the picker (in the page's language): the division at the end of that day
  const picker = dateField($('history-picker'), { max: cityToday(), onChange: (day) => {
    if (!day) { show(); return; }
    const at = cityInstant(`${day}T23:59:59`);                    // the end of the city's day
    mark(null);                                    // a day of its own, not one of the stops
    draw(at > new Date() ? null : at);
  } });
  mark(slider.value);
  state.redrawHistory = () => (shown ? draw(shown) : null);     // another area: its division then
  await draw(null);
}

// Under the slider, each stop's date where its thumb stops: the first and the last always,
// those between where there is room (the others keep their tick, and their date as a title).
function labelStops(container, stops, go) {
  container.replaceChildren();
  const last = Math.max(stops.length - 1, 1);
  const ROOM = 16;                               // a label's width, in % of the slider's
  let free = -Infinity;
  stops.forEach((stop, n) => {
    const place = (n / last) * 100;
    const tick = Object.assign(document.createElement('button'), { type: 'button', className: 'stop', title: stop.title || stop.label });
    tick.style.left = `${place}%`;
    tick.dataset.n = String(n);
    const text = Object.assign(document.createElement('span'), { textContent: stop.label });
    const end = n === stops.length - 1;
    text.hidden = !end && n > 0 && (place - free < ROOM || 100 - place < ROOM);
    if (!text.hidden) free = place;
    tick.append(text);
    tick.addEventListener('click', () => go(n));
    container.append(tick);
  });
}

function legend() {
  const control = L.control({ position: 'bottomright' });
  control.onAdd = () => {
    const div = L.DomUtil.create('div', 'legend');
    div.id = 'legend';
    for (const [key, fill, border, dash] of [['grids', '#64b5f6', '#1565c0'], ['households_out', '#ffb300', '#1565c0'],
      ['special_grids', SPECIAL_STYLE.fillColor, SPECIAL_STYLE.color, true], ['other_grids', 'transparent', CITY_GRID_STYLE.color],
      ['selected', '#f06292', '#d81b60'], ['problem_blocking', '#d50000', '#d50000'], ['problem_warning', '#ff8f00', '#ff8f00'],
      ['buildings', '#bcaaa4', '#6d4c41'], ['roads', 'transparent', '#9e9e9e'], ['diff_new_line', 'transparent', '#2e7d32'],
      ['diff_old_line', 'transparent', '#616161', true], ['division_on_date', 'transparent', '#e65100', true]]) {
      const row = document.createElement('div');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = fill;
      swatch.style.border = `2px ${dash ? 'dashed' : 'solid'} ${border}`;
      row.append(swatch, t(key));
      div.append(row);
    }
    return div;
  };
  return control;
}

if (can.write) newPlanForm();
await Promise.all([loadPlans(body.dataset.plan), areasReady, loadHistory()]);
document.body.dataset.ready = 'true';
