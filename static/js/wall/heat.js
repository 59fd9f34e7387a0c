// The heat map: incidents of the chosen period counted in hexagons by PostGIS (ST_HexagonGrid,
// GET /api/v1/wall/heat), a few hundred cells instead of thousands of points; by category from
// its control, which also holds the colour ramp. A click on a hexagon lists its incidents.
import { getJson } from '../http.js';
import { t, tf, pick } from '../i18n.js';
import { HEAT_RAMP } from './styles.js';

function shade(count, max) {
  if (!max) return HEAT_RAMP[0];
  const step = Math.min(HEAT_RAMP.length - 1, Math.floor((count / max) * HEAT_RAMP.length));
  return HEAT_RAMP[step];
}

export function heatLayer({ map, categories, period, onDrill }) {
  const layer = L.geoJSON(null, {
    style: () => ({ weight: 0.5, color: '#ffccbc', fillOpacity: 0.55 }),
    onEachFeature: (feature, sub) => {
      sub.bindTooltip(() => tf('heat_cell', { n: feature.properties.count }), { sticky: true });
      sub.on('click', () => onDrill({
        title: [t('heat'), category ? pick(categories.find((c) => c.code === category)?.name) : t('heat_all'),
                t(`period_${period()}`), tf('heat_cell', { n: feature.properties.count })].join(' · '),
        filter: feature.properties.filter }));
    },
  });
  let category = '';
  let shown = false;
  let max = 0;

  const control = L.control({ position: 'topright' });
  control.onAdd = () => {
    const div = L.DomUtil.create('div', 'heat-control');
    div.id = 'heat-control';
    const select = L.DomUtil.create('select', '', div);
    select.name = 'heat-category';
    select.setAttribute('aria-label', t('category'));
    select.append(Object.assign(document.createElement('option'), { value: '', textContent: t('heat_all') }));
    for (const c of categories) select.append(Object.assign(document.createElement('option'), { value: c.code, textContent: pick(c.name) }));
    select.addEventListener('change', () => { category = select.value; refresh(); });
    L.DomUtil.create('div', 'ramp', div);
    L.DomEvent.disableClickPropagation(div);
    return div;
  };

  // the ramp with the counts each colour stands for, at this max
  function drawRamp() {
    const ramp = document.querySelector('#heat-control .ramp');
    if (!ramp) return;
    ramp.replaceChildren();
    HEAT_RAMP.forEach((colour, i) => {
      const from = Math.floor((i * max) / HEAT_RAMP.length) + 1;
      const to = Math.max(from, Math.floor(((i + 1) * max) / HEAT_RAMP.length));
      if (from > max) return;
      const step = document.createElement('span');
      step.className = 'step';
      step.style.background = colour;
      const label = document.createElement('small');
      label.textContent = tf('heat_count', { from, to });
      ramp.append(step, label);
    });
  }

  async function refresh() {
    if (!shown) return;
    const query = new URLSearchParams({ period: period() });
    if (category) query.set('category', category);
    const data = await getJson(`/api/v1/wall/heat?${query}`);
    max = Math.max(0, ...data.features.map((f) => f.properties.count));
    layer.clearLayers();
    layer.addData(data);
    layer.eachLayer((sub) => sub.setStyle({ fillColor: shade(sub.feature.properties.count, max) }));
    drawRamp();
    map.getContainer().dataset.heatCells = String(data.features.length);
  }

  layer.on('add', () => { shown = true; control.addTo(map); refresh(); });
  layer.on('remove', () => { shown = false; control.remove(); });
  return { layer, refresh };
}
