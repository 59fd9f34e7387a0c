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
      sub.on('click', () => onDrill({ title: `${t('heat')} · ${tf('heat_cell', { n: feature.properties.count })}`,
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
    const ramp = L.DomUtil.create('div', 'ramp', div);
    ramp.append(t('heat_fewer'));
    for (const colour of HEAT_RAMP) {
      const step = L.DomUtil.create('span', 'step', ramp);
      step.style.background = colour;
    }
    ramp.append(t('heat_more'));
    L.DomEvent.disableClickPropagation(div);
    return div;
  };

  async function refresh() {
    if (!shown) return;
    const query = new URLSearchParams({ period: period() });
    if (category) query.set('category', category);
    const data = await getJson(`/api/v1/wall/heat?${query}`);
    max = Math.max(0, ...data.features.map((f) => f.properties.count));
    layer.clearLayers();
    layer.addData(data);
    layer.eachLayer((sub) => sub.setStyle({ fillColor: shade(sub.feature.properties.count, max) }));
    map.getContainer().dataset.heatCells = String(data.features.length);
  }

  layer.on('add', () => { shown = true; control.addTo(map); refresh(); });
  layer.on('remove', () => { shown = false; control.remove(); });
  return { layer, refresh };
}
