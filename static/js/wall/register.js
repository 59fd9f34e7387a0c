// The grids' register in figures (GET /api/v1/register/figures): one measure at a time —
// registered residents, households, the share rented or vacant, elderly living alone,
// organisations, key persons (only for those who may), the share of houses visited — shaded
// by quantile class, with its own ramp as the legend. Figures only: no person is read.
import { getJson } from '../http.js';
import { t, tf, pick } from '../i18n.js';
import { HEAT_RAMP } from './styles.js';
import { escapeHtml, gridTiles } from './layers.js';

const MEASURES = ['residents', 'households', 'rented_share', 'vacant_share', 'elderly_alone', 'organisations',
  'key_persons', 'visited_share'];
const SHARES = new Set(['rented_share', 'vacant_share', 'visited_share']);

function said(measure, value) {
  if (value === null || value === undefined) return t('reg_no_data');
  return SHARES.has(measure) ? `${Math.round(value * 100)}%` : value.toLocaleString();
}

// class breaks at the quantiles of the values above zero: a few crowded grids do not wash
// the rest into one colour
function breaks(values) {
  const sorted = values.filter((v) => v > 0).sort((a, b) => a - b);
  if (!sorted.length) return [];
  const steps = HEAT_RAMP.length;
  const found = [];
  for (let i = 0; i < steps; i++) {
    const at = sorted[Math.floor((i * sorted.length) / steps)];
    if (!found.length || at > found[found.length - 1]) found.push(at);
  }
  return found;
}

export function registerLayer({ map, bounds }) {
  let measure = 'residents';
  let figures = new Map();
  let classes = [];
  let shown = false;
  // the grids' own tiles, painted by figure: a city's 6,400 grids are never sent as GeoJSON
  const layer = gridTiles(bounds, {
    order: 'register',
    style: (p) => ({ weight: 0.6, color: '#90caf9', fillOpacity: 0.6, fillColor: fill(figures.get(p.code)?.[measure]) }),
    tooltip: (p) => `${escapeHtml(pick({ zh: p.name_zh, en: p.name_en }))}<br>${escapeHtml(t(`reg_measure_${measure}`))}${t('colon')}${escapeHtml(said(measure, figures.get(p.code)?.[measure]))}`,
  });

  function fill(value) {
    if (value === null || value === undefined) return 'transparent';
    if (!value) return '#263238';
    let step = 0;
    classes.forEach((from, i) => { if (value >= from) step = i; });
    return HEAT_RAMP[Math.min(HEAT_RAMP.length - 1, step + (HEAT_RAMP.length - classes.length))];
  }

  const control = L.control({ position: 'topright' });
  control.onAdd = () => {
    const div = L.DomUtil.create('div', 'heat-control register-control');
    div.id = 'register-control';
    div.append(Object.assign(document.createElement('h3'), { textContent: t('reg_layer') }));
    const select = L.DomUtil.create('select', '', div);
    select.name = 'register-measure';
    select.setAttribute('aria-label', t('reg_layer'));
    L.DomUtil.create('div', 'ramp', div);
    select.addEventListener('change', () => { measure = select.value; paint(); });
    L.DomEvent.disableClickPropagation(div);
    return div;
  };

  function paint() {
    const select = document.querySelector('#register-control select');
    if (select) {
      // key persons only come for a reader who may see them
      const offered = MEASURES.filter((m) => [...figures.values()].some((f) => m in f));
      if (select.options.length !== offered.length) {
        select.replaceChildren(...offered.map((m) => Object.assign(document.createElement('option'), { value: m, textContent: t(`reg_measure_${m}`) })));
      }
      select.value = measure;
    }
    const values = [...figures.values()].map((f) => f[measure]).filter((v) => v !== null && v !== undefined);
    classes = breaks(values);
    layer.restyle();
    const ramp = document.querySelector('#register-control .ramp');
    if (!ramp) return;
    const rows = [['#263238', t('reg_none_yet')]];
    classes.forEach((from, i) => {
      const next = classes[i + 1];
      rows.push([fill(from), next === undefined ? tf('reg_from', { from: said(measure, from) })
        : tf('reg_range', { from: said(measure, from), to: said(measure, next) })]);
    });
    ramp.replaceChildren(...rows.flatMap(([colour, label]) => [
      Object.assign(document.createElement('span'), { className: 'step', style: `background:${colour}` }),
      Object.assign(document.createElement('small'), { textContent: label })]));
    map.getContainer().dataset.registerGrids = String(figures.size);
  }

  async function refresh() {
    if (!shown) return;
    const answer = await getJson('/api/v1/register/figures');
    figures = new Map(answer.grids.map((g) => [g.grid, g]));
    paint();
  }

  layer.on('add', () => { shown = true; control.addTo(map); refresh().catch((e) => console.warn('register', e.message)); });
  layer.on('remove', () => { shown = false; control.remove(); });
  return { layer, refresh };
}
