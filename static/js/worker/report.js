// Reporting an incident where I stand or where I tap, with up to three photos. The place reads
// as an address (the nearest building, else the street), not coordinates. The report and its
// photos go through the outbox, so without network they wait, and a retry never files twice.
import { t, pick } from '../i18n.js';
import { shrink } from './photos.js';

const MAX_PHOTOS = 3;

function placeName(found) {
  if (found.building) {
    const p = found.building.properties;
    const words = [p.address, p.name].filter(Boolean).join(' · ');
    return { text: found.distance_m > 5 ? `${words} ${t('near_mark')}` : words, address: p.address || p.name };
  }
  if (found.road) return { text: `${found.road} ${t('near_mark')}`, address: found.road };
  return null;
}

export function reportForm({ form, pointLabel, useLocation, map, outbox, here, notices }) {
  let point = null;
  let address = null;
  let marker = null;
  let photos = [];
  const message = form.querySelector('#report-message');
  const thumbs = form.querySelector('#report-photos');
  const photoInput = form.elements.photo;

  async function name(lon, lat) {
    try {
      const response = await fetch(`/api/v1/places/nearest?lon=${lon}&lat=${lat}`);
      if (!response.ok) throw new Error(String(response.status));
      return placeName(await response.json());
    } catch {
      return null;                     // offline: the coordinates will have to do
    }
  }

  async function place(lon, lat) {
    point = [lon, lat];
    address = null;
    const fallback = `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
    pointLabel.textContent = t('finding_address');
    pointLabel.dataset.state = 'looking';
    if (marker) marker.setLatLng([lat, lon]);
    else marker = L.circleMarker([lat, lon], { radius: 8, color: '#d32f2f', weight: 3, fillOpacity: 0.3 }).addTo(map);
    const named = await name(lon, lat);
    if (!point || point[0] !== lon || point[1] !== lat) return;      // another tap since, or sent and cleared
    address = named?.address || null;
    pointLabel.textContent = named?.text || fallback;
    pointLabel.dataset.state = named ? 'named' : 'coordinates';
  }

  async function loadCategories() {
    const select = form.elements.category;
    let categories;
    try {
      const response = await fetch('/api/v1/categories');
      if (!response.ok) throw new Error(String(response.status));
      ({ categories } = await response.json());
      localStorage.setItem('gridmap.categories', JSON.stringify(categories));
    } catch {
      categories = JSON.parse(localStorage.getItem('gridmap.categories') || '[]');
    }
    select.replaceChildren(...categories.map((c) => Object.assign(document.createElement('option'), { value: c.code, textContent: pick(c.name) })));
    return categories;
  }

  function showPhotos() {
    thumbs.replaceChildren(...photos.map((blob, index) => {
      const item = document.createElement('li');
      const image = Object.assign(document.createElement('img'), { src: URL.createObjectURL(blob), alt: `${t('photo')} ${index + 1}` });
      const drop = Object.assign(document.createElement('button'), { type: 'button', textContent: '×', className: 'drop' });
      drop.setAttribute('aria-label', t('remove_photo'));
      drop.addEventListener('click', () => { photos.splice(index, 1); showPhotos(); });
      item.append(image, drop);
      return item;
    }));
    photoInput.closest('label').hidden = photos.length >= MAX_PHOTOS;
  }

  photoInput.addEventListener('change', async () => {
    for (const file of photoInput.files || []) {
      if (photos.length < MAX_PHOTOS) photos.push(await shrink(file));
    }
    photoInput.value = '';
    showPhotos();
  });

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
    const photoKeys = [];
    for (const photo of photos) photoKeys.push(await outbox.add({ photo, label: t('photo') }));
    await outbox.add({ url: '/api/v1/incidents', label: t('report_incident'), photoKeys,
                       body: { category: form.elements.category.value, severity: form.elements.severity.value,
                               description, point, channel: 'worker', address: address || undefined } });
    message.textContent = `${t('report_incident')} · ${t('queued')}`;
    form.elements.description.value = '';
    marker?.remove();
    marker = null;
    point = null;
    address = null;
    pointLabel.textContent = t('tap_or_locate');
    delete pointLabel.dataset.state;
    photos = [];
    showPhotos();
  });
  return {
    loadCategories,
    async addressOf(lon, lat) { return (await name(lon, lat))?.address || null; },
    delivered(body) {
      message.classList.remove('error');
      message.textContent = `${body.properties.code} · ${t('sent')}`;
      notices.show(`${t('report_incident')} ${body.properties.code} · ${t('sent')}`, 'info');
    },
    refused(reason) {
      message.classList.add('error');
      message.textContent = `${t('failed')}${t('colon')}${reason}`;
      notices.show(`${t('report_incident')} · ${t('failed')}${t('colon')}${reason}`, 'error');
    },
  };
}
