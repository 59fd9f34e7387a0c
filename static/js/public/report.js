// /report: a resident says where (a tap on the map, their location, or the city's own address
// search), what (the kind, words, up to three photos shrunk on the phone) and, if they wish,
// how to tell them. The answer is the case code and the private link, kept on this phone too.
// A send whose answer is lost is sent again with the same key, so it is never filed twice.
import { t, lang, when } from '../i18n.js';
import { shrink } from '../worker/photos.js';
import { startPage, ask, residentMap, fill, span, Refusal } from './page.js';

const WAIT_MS = 250;
const KEY_STORE = 'gridmap.report.key';
const MINE_STORE = 'gridmap.my_reports';
const MINE_KEPT = 10;

startPage('pub_report_title');

const form = document.getElementById('report-form');
const maxPhotos = Number(form.dataset.maxPhotos) || 3;
const placeLabel = document.getElementById('place-label');
const addressInput = document.getElementById('address');
const results = document.getElementById('address-results');
const thumbs = document.getElementById('photos');
const photoInput = document.getElementById('photo-input');
const message = document.getElementById('form-message');
const send = document.getElementById('send');

const map = residentMap(document.getElementById('map'));
const pin = L.divIcon({ className: '', html: '<div class="pin"></div>', iconSize: [22, 22], iconAnchor: [3, 27] });
let point = null;          // [lon, lat] chosen on the map or from the search
let marker = null;
let photos = [];

// -- where -------------------------------------------------------------------------------------

function choose(lon, lat, words) {
  point = [lon, lat];
  if (marker) marker.setLatLng([lat, lon]);
  else marker = L.marker([lat, lon], { icon: pin, keyboard: false, interactive: false }).addTo(map);
  placeLabel.textContent = words || `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
  placeLabel.dataset.state = 'chosen';
  clearError('point');
}

function placeWords(found) {
  if (found.address || found.name) {
    const words = [found.address, found.name].filter(Boolean).join(' · ');
    return { words: found.distance_m > 5 ? `${words}（${t('pub_near')}）` : words, address: found.address || found.name };
  }
  if (found.road) return { words: `${found.road}（${t('pub_near')}）`, address: found.road };
  return null;
}

async function tapped(lon, lat) {
  choose(lon, lat, t('pub_finding'));
  try {
    const { body } = await ask(`/api/v1/public/addresses/nearest?lon=${lon.toFixed(7)}&lat=${lat.toFixed(7)}`);
    if (!point || point[0] !== lon || point[1] !== lat) return;      // tapped again since
    const named = placeWords(body);
    placeLabel.textContent = named ? named.words : `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
    addressInput.value = named ? named.address : '';
  } catch {
    placeLabel.textContent = `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
  }
}

map.on('click', (e) => tapped(e.latlng.lng, e.latlng.lat));

document.getElementById('locate').addEventListener('click', () => {
  if (!navigator.geolocation) { placeLabel.textContent = t('pub_no_location'); return; }
  placeLabel.textContent = t('pub_locating');
  navigator.geolocation.getCurrentPosition((p) => {
    map.setView([p.coords.latitude, p.coords.longitude], 18);
    tapped(p.coords.longitude, p.coords.latitude);
  }, () => { placeLabel.textContent = t('pub_no_location'); }, { enableHighAccuracy: true, timeout: 15_000, maximumAge: 30_000 });
});

let timer = null;
let asked = 0;
function listResults(places) {
  if (!places.length) {
    results.replaceChildren(Object.assign(document.createElement('li'), { className: 'empty', textContent: t('pub_no_address') }));
    results.hidden = false;
    return;
  }
  results.replaceChildren(...places.map((p) => {
    const item = document.createElement('li');
    item.tabIndex = 0;
    item.dataset.kind = 'building';
    item.append(p.address || p.name || '');
    const detail = document.createElement('small');
    detail.textContent = [p.address && p.name ? p.name : null, p.community ? (p.community[lang] || p.community.zh) : null].filter(Boolean).join(' · ');
    if (detail.textContent) item.append(detail);
    const pick = () => {
      addressInput.value = p.address || p.name;
      results.hidden = true;
      map.setView([p.point[1], p.point[0]], 18);
      choose(p.point[0], p.point[1], [p.address, p.name].filter(Boolean).join(' · '));
    };
    item.addEventListener('click', pick);
    item.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); pick(); } });
    return item;
  }));
  results.hidden = false;
}

addressInput.addEventListener('input', () => {
  clearTimeout(timer);
  // typing a new address forgets the place chosen for the old one
  point = null;
  marker?.remove();
  marker = null;
  delete placeLabel.dataset.state;
  placeLabel.textContent = t('pub_tap_map');
  const words = addressInput.value.trim();
  if (!words) { results.hidden = true; return; }
  timer = setTimeout(async () => {
    const ticket = ++asked;
    try {
      const { body } = await ask(`/api/v1/public/addresses?q=${encodeURIComponent(words)}`);
      if (ticket === asked) listResults(body.places);
    } catch { results.hidden = true; }
  }, WAIT_MS);
});
addressInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') { e.preventDefault(); results.querySelector('li[data-kind]')?.click(); }
});
document.addEventListener('click', (e) => { if (!e.target.closest('.search')) results.hidden = true; });

// -- what --------------------------------------------------------------------------------------

const category = form.elements.category;
category.addEventListener('change', () => {
  const chosen = category.selectedOptions[0];
  document.getElementById('category-promise').textContent = chosen?.value
    ? fill('pub_category_promise', { respond: span(Number(chosen.dataset.respond)), resolve: span(Number(chosen.dataset.resolve)) }) : '';
  clearError('category');
});

function showPhotos() {
  thumbs.replaceChildren(...photos.map((blob, index) => {
    const item = document.createElement('li');
    const image = Object.assign(document.createElement('img'), { src: URL.createObjectURL(blob), alt: `${t('pub_photo')} ${index + 1}` });
    const drop = Object.assign(document.createElement('button'), { type: 'button', textContent: '×', className: 'drop' });
    drop.setAttribute('aria-label', t('pub_remove_photo'));
    drop.addEventListener('click', () => { photos.splice(index, 1); showPhotos(); });
    item.append(image, drop);
    return item;
  }));
  photoInput.closest('label').hidden = photos.length >= maxPhotos;
}

photoInput.addEventListener('change', async () => {
  for (const file of photoInput.files || []) {
    if (photos.length < maxPhotos) photos.push(await shrink(file));
  }
  photoInput.value = '';
  clearError('photos');
  showPhotos();
});

// -- sending -----------------------------------------------------------------------------------

function fieldError(name, words) {
  const slot = form.querySelector(`.field-error[data-for="${name}"]`);
  const input = form.elements[name];
  if (input && input.setAttribute) input.setAttribute('aria-invalid', 'true');
  if (slot) { slot.textContent = words; slot.hidden = false; return true; }
  return false;
}

function clearError(name) {
  const slot = form.querySelector(`.field-error[data-for="${name}"]`);
  if (slot) slot.hidden = true;
  form.elements[name]?.removeAttribute?.('aria-invalid');
}

function clearErrors() {
  for (const slot of form.querySelectorAll('.field-error')) slot.hidden = true;
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  message.hidden = true;
}

function say(words) {
  message.textContent = words;
  message.hidden = false;
  message.scrollIntoView({ block: 'center', behavior: 'smooth' });
}

for (const name of ['description', 'phone', 'email', 'consent']) {
  form.elements[name].addEventListener('input', () => clearError(name));
}

// one key per report, kept until it is answered: a retry after a lost answer gets that answer
function submissionKey() {
  let key = sessionStorage.getItem(KEY_STORE);
  if (!key) {
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    key = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    sessionStorage.setItem(KEY_STORE, key);
  }
  return key;
}

function checkedHere() {
  const problems = [];
  const typed = addressInput.value.trim();
  if (!point && !typed) problems.push(['point', t('pub_need_place')]);
  if (!category.value) problems.push(['category', t('pub_need_category')]);
  if (!form.elements.description.value.trim()) problems.push(['description', t('pub_need_description')]);
  const contact = form.elements.phone.value.trim() || form.elements.email.value.trim();
  if (contact && !form.elements.consent.checked) problems.push(['consent', t('pub_need_consent')]);
  return problems;
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearErrors();
  const problems = checkedHere();
  if (problems.length) {
    for (const [name, words] of problems) fieldError(name, words);
    form.querySelector('.field-error:not([hidden])')?.scrollIntoView({ block: 'center', behavior: 'smooth' });
    return;
  }
  const data = new FormData();
  data.set('submission', submissionKey());
  data.set('category', category.value);
  data.set('description', form.elements.description.value.trim());
  if (point) { data.set('lon', point[0].toFixed(7)); data.set('lat', point[1].toFixed(7)); }
  if (addressInput.value.trim()) data.set('address', addressInput.value.trim());
  for (const name of ['phone', 'email', 'website']) if (form.elements[name].value) data.set(name, form.elements[name].value);
  if (form.elements.consent.checked) data.set('consent', '1');
  photos.forEach((photo, index) => data.append('photos', photo, `photo-${index + 1}.jpg`));
  send.disabled = true;
  send.textContent = t('pub_sending');
  try {
    const { body } = await ask('/api/v1/public/reports', { method: 'POST', body: data });
    sessionStorage.removeItem(KEY_STORE);
    received(body);
  } catch (error) {
    if (!(error instanceof Refusal)) { say(t('pub_offline')); return; }
    const fields = error.body.errors || {};
    let placed = false;
    for (const [name, words] of Object.entries(fields)) {
      const slot = { lon: 'point', lat: 'point', address: 'point', submission: null }[name] ?? name;
      if (slot && fieldError(slot, words)) placed = true;
    }
    if (!placed || error.status === 429) say(error.message);
    else form.querySelector('.field-error:not([hidden])')?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  } finally {
    send.disabled = false;
    send.textContent = t('pub_send');
  }
});

// -- the answer --------------------------------------------------------------------------------

function received(body) {
  form.hidden = true;
  const done = document.getElementById('done');
  document.getElementById('done-code').textContent = body.code;
  document.getElementById('done-notice').textContent = body.notice || '';
  const link = document.getElementById('done-link');
  link.href = body.link;
  link.textContent = body.link;
  document.getElementById('open-link').href = body.link;
  done.hidden = false;
  done.scrollIntoView({ block: 'start' });
  const mine = JSON.parse(localStorage.getItem(MINE_STORE) || '[]').filter((r) => r.code !== body.code);
  mine.unshift({ code: body.code, link: body.link, at: new Date().toISOString(), what: category.selectedOptions[0]?.dataset[lang] || '' });
  localStorage.setItem(MINE_STORE, JSON.stringify(mine.slice(0, MINE_KEPT)));
  showMine();
}

document.getElementById('copy-link').addEventListener('click', async (e) => {
  const button = e.currentTarget;
  try {
    await navigator.clipboard.writeText(document.getElementById('done-link').href);
    button.textContent = t('pub_copied');
  } catch {
    // no clipboard (plain HTTP): the link is selected for the phone's own copy
    const range = document.createRange();
    range.selectNodeContents(document.getElementById('done-link'));
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
  }
});

document.getElementById('another').addEventListener('click', () => {
  form.reset();
  photos = [];
  showPhotos();
  point = null;
  marker?.remove();
  marker = null;
  delete placeLabel.dataset.state;
  placeLabel.textContent = t('pub_tap_map');
  document.getElementById('category-promise').textContent = '';
  document.getElementById('done').hidden = true;
  form.hidden = false;
  window.scrollTo(0, 0);
});

function showMine() {
  const mine = JSON.parse(localStorage.getItem(MINE_STORE) || '[]');
  const list = document.getElementById('my-reports');
  list.replaceChildren(...mine.map((r) => {
    const item = document.createElement('li');
    const a = Object.assign(document.createElement('a'), { href: r.link, textContent: r.code });
    item.append(a, ` ${r.what || ''} · ${when(r.at, 'short')}`);
    return item;
  }));
  document.getElementById('mine').hidden = mine.length === 0;
}
showMine();

window.gridmapReport = { map, choose };
document.body.dataset.ready = 'true';
