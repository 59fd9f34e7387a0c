// Cameras on the wall: each one's figures on a click and, for operators, a form to turn it,
// widen or shorten its view, take it offline, or remove it. The server recomputes what it sees
// and the coverage and blind-spot layers are redrawn.
import { cameraStyle } from './styles.js';
import { escapeHtml } from './layers.js';
import { sendJson } from '../http.js';
import { t, lang } from '../i18n.js';

const EDITABLE = [['bearing', 'number', 0, 359], ['fov', 'number', 1, 360], ['range_m', 'number', 1, 500]];
const STATUSES = ['online', 'offline', 'maintenance'];

function field(name, input) {
  const label = document.createElement('label');
  label.append(`${t(`camera_${name}`)} `, input);
  return label;
}

function describe(p, id) {
  const guessed = new Set(String(p.estimated || '').split(',').filter(Boolean));
  const aside = (text) => (lang === 'zh' ? `（${text}）` : ` (${text})`);
  const mark = (k) => (guessed.has(k) ? aside(t('estimated')) : '');
  // how the bearing was found: from the source, the wall it is on, the road it watches, a person
  const bearingMark = p.bearing_from && p.bearing_from !== 'source' ? aside(t(`bearing_from_${p.bearing_from}`)) : mark('bearing');
  return `<b>${t('camera')} ${id}${p.name ? ` · ${escapeHtml(p.name)}` : ''}</b><br>${t(`camera_kind_${p.kind}`)} · ${t(`camera_status_${p.status}`)}<br>`
    + `${t('camera_bearing')} ${p.bearing ?? '—'}°${bearingMark} · ${t('camera_fov')} ${p.fov}°${mark('fov')}`
    + ` · ${t('camera_range_m')} ${p.range_m} m${mark('range_m')}`;
}

function editor(feature, marker, about, onChanged) {
  const form = document.createElement('form');
  form.className = 'camera-form';
  const p = feature.properties;
  for (const [name, type, min, max] of EDITABLE) {
    const input = Object.assign(document.createElement('input'), { name, type, min, max, step: 'any', value: p[name] ?? '' });
    form.append(field(name, input));
  }
  const status = Object.assign(document.createElement('select'), { name: 'status' });
  for (const s of STATUSES) status.append(Object.assign(document.createElement('option'), { value: s, textContent: t(`camera_status_${s}`), selected: s === p.status }));
  form.append(field('status', status));
  const message = Object.assign(document.createElement('p'), { className: 'form-message' });
  const save = Object.assign(document.createElement('button'), { type: 'submit', textContent: t('save') });
  const remove = Object.assign(document.createElement('button'), { type: 'button', textContent: t('remove'), className: 'danger' });
  form.append(save, remove, message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const changes = { status: status.value };
    for (const [name] of EDITABLE) {
      const value = form.elements[name].value;
      if (value !== '' && String(value) !== String(p[name] ?? '')) changes[name] = Number(value);
    }
    try {
      const updated = await sendJson('PATCH', `/api/v1/cameras/${feature.id}`, changes);
      Object.assign(p, updated.properties, { estimated: (updated.properties.estimated || []).join(',') });
      message.textContent = `${t('done')} · ${t('camera_seen')} ${Math.round(updated.properties.seen_m2 || 0)} m²`;
      about.innerHTML = describe(p, feature.id);
      onChanged();
    } catch (error) { message.textContent = error.message; }
  });
  remove.addEventListener('click', async () => {
    try {
      await sendJson('DELETE', `/api/v1/cameras/${feature.id}`);
      marker.remove();
      onChanged();
    } catch (error) { message.textContent = error.message; }
  });
  return form;
}

export function cameraLayer(data, { editable = false, onChanged = () => {} } = {}) {
  return L.geoJSON(data, {
    pointToLayer: (feature, latlng) => {
      const marker = L.circleMarker(latlng, cameraStyle);
      marker.bindPopup(() => {
        const div = document.createElement('div');
        div.className = 'camera-popup';
        div.dataset.camera = feature.id;
        const about = document.createElement('div');
        about.innerHTML = describe(feature.properties, feature.id);
        div.append(about);
        if (editable) div.append(editor(feature, marker, about, onChanged));
        return div;
      });
      return marker;
    },
  });
}
