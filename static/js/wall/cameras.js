// Cameras on the wall: each one's figures on a click and, for operators, a form to turn it,
// widen or shorten its view, take it offline, or remove it. The server recomputes what it sees
// and the coverage and blind-spot layers are redrawn. A city has tens of thousands of cameras:
// those in view are asked for when the layer is shown and the view moves, up to CAP of them
// (past that the legend asks to zoom in).
import { cameraStyle } from './styles.js';
import { escapeHtml } from './layers.js';
import { getJson, sendJson } from '../http.js';
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

const CAP = 5000;

export function cameraLayer({ editable = false, onChanged = () => {}, onCrowded = () => {} } = {}) {
  const layer = L.geoJSON(null, {
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
  let map = null;
  // the bounds asked for last, a fifth of a view wider each way: a short pan asks nothing, and
  // at a street's zoom (16) a dense centre's cameras still fit under CAP (a half view wider
  // each way held 15,000 of a city's 38,000 there, and the layer asked to zoom in)
  let loaded = null;
  let asking = 0;
  async function load() {
    const view = map.getBounds();
    if (loaded && loaded.contains(view)) return;
    const wanted = view.pad(0.2);
    const asked = ++asking;
    const bbox = [wanted.getWest(), wanted.getSouth(), wanted.getEast(), wanted.getNorth()].map((v) => v.toFixed(6)).join(',');
    const answer = await getJson(`/ogcapi/collections/cameras/items?bbox=${bbox}&limit=${CAP}`);
    if (asked !== asking || !map) return;        // a later view asked meanwhile, or the layer left
    layer.clearLayers();
    const crowded = answer.numberMatched > answer.features.length;
    if (!crowded) layer.addData(answer);
    loaded = crowded ? null : wanted;
    onCrowded(crowded);
    map.getContainer().dataset.cameras = String(layer.getLayers().length);
  }
  const moved = () => load().catch((error) => console.warn('cameras', error.message));
  layer.on('add', (e) => { map = e.target._map; map.on('moveend', moved); moved(); });
  layer.on('remove', () => { map?.off('moveend', moved); map = null; loaded = null; layer.clearLayers(); onCrowded(false); });
  return layer;
}
