// Reporting an incident where I stand or where I tap. The report goes through the outbox,
// so without network it waits, and a retry never files it twice.
import { t, pick } from '../i18n.js';

export function reportForm({ form, pointLabel, useLocation, map, outbox, here }) {
  let point = null;
  let marker = null;
  const message = form.querySelector('#report-message');

  function place(lon, lat) {
    point = [lon, lat];
    pointLabel.textContent = `${lon.toFixed(6)}, ${lat.toFixed(6)}`;
    if (marker) marker.setLatLng([lat, lon]);
    else marker = L.circleMarker([lat, lon], { radius: 8, color: '#d32f2f', weight: 3, fillOpacity: 0.3 }).addTo(map);
  }

  async function loadCategories() {
    const select = form.elements.category;
    try {
      const response = await fetch('/api/v1/categories');
      if (!response.ok) return;
      const { categories } = await response.json();
      localStorage.setItem('gridmap.categories', JSON.stringify(categories));
      fill(select, categories);
    } catch {
      fill(select, JSON.parse(localStorage.getItem('gridmap.categories') || '[]'));
    }
  }

  function fill(select, categories) {
    select.replaceChildren(...categories.map((c) => Object.assign(document.createElement('option'), { value: c.code, textContent: pick(c.name) })));
  }

  map.on('click', (e) => { if (!form.closest('[hidden]')) place(e.latlng.lng, e.latlng.lat); });
  useLocation.addEventListener('click', () => {
    const position = here();
    if (position) place(position.lon, position.lat);
    else message.textContent = t('no_geolocation');
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const description = form.elements.description.value.trim();
    if (!point) { message.textContent = t('need_point'); return; }
    if (!description) { message.textContent = t('need_description'); return; }
    await outbox.add({ url: '/api/v1/incidents', label: t('report_incident'),
                       body: { category: form.elements.category.value, severity: form.elements.severity.value,
                               description, point, channel: 'worker' } });
    message.textContent = `${t('report_incident')} · ${t('queued')}`;
    form.elements.description.value = '';
  });
  return {
    loadCategories,
    delivered(body) { message.textContent = `${body.properties.code} · ${t('sent')}`; },
    refused(reason) { message.textContent = `${t('failed')}: ${reason}`; },
  };
}
