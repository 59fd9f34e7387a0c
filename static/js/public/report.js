// /report: a resident says where (a tap on the map, their location, or the city's own address
// search), what (the kind, words, up to three photos shrunk on the phone) and, if they wish,
// how to tell them. The answer is the case code and the private link, kept on this phone too.
// A send whose answer is lost is sent again with the same key, so it is never filed twice.
import { t, lang, when } from '../i18n.js';
import { shrink } from '../worker/photos.js';
import { startPage, ask, residentMap, fill, span, pickName, Refusal } from './page.js';

const WAIT_MS = 250;
const KEY_STORE = 'gridmap.report.key';
const MINE_STORE = 'gridmap.my_reports';
const MINE_KEPT = 10;

startPage('pub_report_title');

const form = document.getElementById('report-form');
const maxPhotos = Number(form.dataset.maxPhotos) || 3;
const placeLabel = document.getElementById('place-label');
const outside = document.getElementById('outside');
const addressInput = document.getElementById('address');
const results = document.getElementById('address-results');
const thumbs = document.getElementById('photos');
const photoInput = document.getElementById('photo-input');
const message = document.getElementById('form-message');
const send = document.getElementById('send');

const map = residentMap(document.getElementById('map'), { outline: true });
const pin = L.divIcon({ className: '', html: '<div class="pin"></div>', iconSize: [22, 22], iconAnchor: [3, 27] });
// a tap on a map zoomed out further than this picks no spot: it zooms in there, to PICK_ZOOM
const MIN_PICK_ZOOM = 16;
const PICK_ZOOM = 18;
let point = null;          // [lon, lat] chosen on the map or from the search
let marker = null;
let areaChosen = null;     // a community, street or place found by name: the map went there, the spot is still to tap
let photos = [];

// -- where -------------------------------------------------------------------------------------

// the city's box (the page's data-bounds): a point outside it is outside the city without asking
const box = JSON.parse(document.body.dataset.bounds || 'null');
function inBox(lon, lat) {
  return !box || (lon >= box[0] && lon <= box[2] && lat >= box[1] && lat <= box[3]);
}

function coordinates(lon, lat) {
  return `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
}

function forget() {
  point = null;
  marker?.remove();
  marker = null;
  delete placeLabel.dataset.state;
}

// a place the city does not serve is said at once, beside the map, and not kept
function refuse() {
  forget();
  areaChosen = null;
  addressInput.value = '';
  placeLabel.textContent = t('pub_tap_map');
  outside.hidden = false;
}

function choose(lon, lat, words, state = 'chosen') {
  point = [lon, lat];
  areaChosen = null;
  outside.hidden = true;
  if (marker) marker.setLatLng([lat, lon]);
  else marker = L.marker([lat, lon], { icon: pin, keyboard: false, interactive: false }).addTo(map);
  placeLabel.textContent = words || coordinates(lon, lat);
  placeLabel.dataset.state = state;
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

// a spot: outside the city's box it is refused at once; inside, the server says whether the
// city serves it and what it is called. `moved` runs once it is known to be in the city.
async function tapped(lon, lat, moved = null) {
  if (!inBox(lon, lat)) { refuse(); return; }
  moved?.();
  choose(lon, lat, t('pub_finding'), 'checking');
  let body;
  try {
    ({ body } = await ask(`/api/v1/public/addresses/nearest?lon=${lon.toFixed(7)}&lat=${lat.toFixed(7)}`));
  } catch {
    // no answer (a slow or lost network): the spot stays; the server checks it when it is sent
    if (point && point[0] === lon && point[1] === lat) { placeLabel.textContent = coordinates(lon, lat); placeLabel.dataset.state = 'chosen'; }
    return;
  }
  if (!point || point[0] !== lon || point[1] !== lat) return;      // tapped again since
  if (body.in_city === false) { refuse(); return; }
  const named = placeWords(body);
  placeLabel.textContent = named ? named.words : coordinates(lon, lat);
  placeLabel.dataset.state = 'chosen';
  addressInput.value = named ? named.address : '';
}

map.on('click', (e) => {
  const { lat, lng } = e.latlng;
  if (map.getZoom() >= MIN_PICK_ZOOM) { tapped(lng, lat); return; }
  // zoomed out, a finger covers a street: go there, then the exact spot is tapped
  if (!inBox(lng, lat)) { refuse(); return; }
  forget();
  outside.hidden = true;
  map.setView(e.latlng, PICK_ZOOM);
  placeLabel.textContent = t('pub_zoom_closer');
  placeLabel.dataset.state = 'ask';
});

document.getElementById('locate').addEventListener('click', () => {
  if (!navigator.geolocation) { placeLabel.textContent = t('pub_no_location'); return; }
  placeLabel.textContent = t('pub_locating');
  navigator.geolocation.getCurrentPosition((p) => {
    const { latitude, longitude } = p.coords;
    tapped(longitude, latitude, () => map.setView([latitude, longitude], PICK_ZOOM));
  }, () => { placeLabel.textContent = t('pub_no_location'); }, { enableHighAccuracy: true, timeout: 15_000, maximumAge: 30_000 });
});

// a community, street or named place: the map goes there, and asks for the spot
function goTo(found) {
  forget();
  outside.hidden = true;
  areaChosen = found;
  const [west, south, east, north] = found.bounds || [];
  if (found.bounds && east > west && north > south) map.fitBounds([[south, west], [north, east]], { maxZoom: 17 });
  else map.setView([found.point[1], found.point[0]], MIN_PICK_ZOOM);
  placeLabel.textContent = fill('pub_area_chosen', { name: pickName(found.name) });
  placeLabel.dataset.state = 'ask';
  clearError('point');
}

let timer = null;
let asked = 0;
function resultItem(p) {
  const item = document.createElement('li');
  item.tabIndex = 0;
  item.dataset.kind = p.kind || 'building';
  const detail = document.createElement('small');
  let pick;
  if (item.dataset.kind === 'building') {
    item.append(p.address || p.name || '');
    detail.textContent = [p.address && p.name ? p.name : null, pickName(p.community) || null].filter(Boolean).join(' · ');
    pick = () => {
      addressInput.value = p.address || p.name;
      map.setView([p.point[1], p.point[0]], PICK_ZOOM);
      choose(p.point[0], p.point[1], [p.address, p.name].filter(Boolean).join(' · '));
    };
  } else {
    item.append(pickName(p.name));
    detail.textContent = [t(`pub_kind_${p.kind}`), pickName(p.within) || null].filter(Boolean).join(' · ');
    pick = () => {
      addressInput.value = pickName(p.name);
      goTo(p);
    };
  }
  if (detail.textContent) item.append(detail);
  const picked = () => { results.hidden = true; pick(); };
  item.addEventListener('click', picked);
  item.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); picked(); } });
  return item;
}

function listResults(places) {
  if (!places.length) {
    results.replaceChildren(Object.assign(document.createElement('li'), { className: 'empty', textContent: t('pub_no_address') }));
    results.hidden = false;
    return;
  }
  results.replaceChildren(...places.map(resultItem));
  results.hidden = false;
}

addressInput.addEventListener('input', () => {
  clearTimeout(timer);
  // typing a new address forgets the place chosen for the old one
  forget();
  areaChosen = null;
  outside.hidden = true;
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

// a door plate's building (/report?plate=…, from /q/<token>): chosen already, the spot still movable
const plated = JSON.parse(form.dataset.place || 'null');
if (plated) {
  map.setView([plated.lat, plated.lon], PICK_ZOOM);
  choose(plated.lon, plated.lat, pickName(plated.address));
  addressInput.value = pickName(plated.address);
}

// -- what --------------------------------------------------------------------------------------

const category = form.elements.category;
category.addEventListener('change', () => {
  const chosen = category.selectedOptions[0];
  document.getElementById('category-promise').textContent = chosen?.value
    ? fill('pub_category_promise', { respond: span(Number(chosen.dataset.respond), chosen.dataset.unit),
      resolve: span(Number(chosen.dataset.resolve), chosen.dataset.unit) }) : '';
  clearError('category');
});

// the words: counted as the server counts them (characters, not UTF-16 units), refused here when too long
const description = form.elements.description;
const descriptionMax = Number(description.dataset.max) || 2000;
const counter = document.getElementById('description-count');
function overLimit() {
  return [...description.value.trim()].length - descriptionMax;
}
function count() {
  const over = overLimit();
  counter.textContent = over > 0 ? fill('pub_chars_over', { n: over }) : fill('pub_chars_left', { n: -over });
  counter.dataset.over = String(over > 0);
  if (over > 0) description.setAttribute('aria-invalid', 'true');
}
count();

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
description.addEventListener('input', count);      // after the error is cleared: too long is said again

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
  // a community or street found by name is where to look, not the spot: that is still to tap
  if (!point && areaChosen) problems.push(['point', t('pub_need_spot')]);
  else if (!point && !typed) problems.push(['point', t('pub_need_place')]);
  if (!category.value) problems.push(['category', t('pub_need_category')]);
  if (!description.value.trim()) problems.push(['description', t('pub_need_description')]);
  else if (overLimit() > 0) problems.push(['description', fill('pub_too_long', { most: descriptionMax, n: overLimit() })]);
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
  data.set('description', description.value.trim());
  if (point) { data.set('lon', point[0].toFixed(7)); data.set('lat', point[1].toFixed(7)); }
  if (addressInput.value.trim()) data.set('address', addressInput.value.trim());
  for (const name of ['phone', 'email', 'website']) if (form.elements[name].value) data.set(name, form.elements[name].value);
  if (form.elements.consent.checked) data.set('consent', '1');
  photos.forEach((photo, index) => data.append('photos', photo, `photo-${index + 1}.jpg`));
  const contact = { phone: Boolean(data.get('phone')), email: Boolean(data.get('email')) };
  send.disabled = true;
  send.textContent = t('pub_sending');
  try {
    const { body } = await ask('/api/v1/public/reports', { method: 'POST', body: data });
    sessionStorage.removeItem(KEY_STORE);
    received(body, contact);
  } catch (error) {
    if (!(error instanceof Refusal)) { say(t('pub_offline')); return; }
    const fields = error.body.errors || {};
    let placed = false;
    for (const [name, words] of Object.entries(fields)) {
      const slot = { lon: 'point', lat: 'point', address: 'point', submission: null }[name] ?? name;
      // the page sends only well-formed coordinates: refused, they are outside the city
      if (name === 'lon' || name === 'lat') { refuse(); placed = fieldError('point', t('pub_outside_city')) || placed; continue; }
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

// the notice, with its time on one line ("11月25日 14:30" is not broken)
function showNotice(notice, due) {
  const element = document.getElementById('done-notice');
  const at = notice && due ? notice.indexOf(due) : -1;
  if (at < 0) { element.textContent = notice || ''; return; }
  element.replaceChildren(notice.slice(0, at), Object.assign(document.createElement('span'), { className: 'nowrap', textContent: due }),
    notice.slice(at + due.length));
}

function received(body, contact) {
  form.hidden = true;
  const done = document.getElementById('done');
  document.getElementById('done-code').textContent = body.code;
  showNotice(body.notice, body.notice_due);
  const told = document.getElementById('done-told');
  told.hidden = !body.contact_kept;
  told.textContent = body.contact_kept ? t(contact.phone && contact.email ? 'pub_told_both' : contact.phone ? 'pub_told_sms' : 'pub_told_email') : '';
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

// another problem, likely near the first: the place and the contact (with its consent) stay;
// the kind, the words and the photos are the new problem's
document.getElementById('another').addEventListener('click', () => {
  category.value = '';
  description.value = '';
  form.elements.website.value = '';
  photos = [];
  showPhotos();
  clearErrors();
  count();
  document.getElementById('category-promise').textContent = '';
  document.getElementById('copy-link').textContent = t('pub_copy');
  document.getElementById('done').hidden = true;
  form.hidden = false;
  window.scrollTo(0, 0);
});

// the reports made on this phone: at the foot of the page, or first when asked for ("我的反映" in
// the header: /report#mine)
function showMine() {
  const mine = JSON.parse(localStorage.getItem(MINE_STORE) || '[]');
  const section = document.getElementById('mine');
  const list = document.getElementById('my-reports');
  list.replaceChildren(...mine.map((r) => {
    const item = document.createElement('li');
    const a = Object.assign(document.createElement('a'), { href: r.link, textContent: r.code });
    item.append(a, ` ${r.what || ''} · ${when(r.at, 'short')}`);
    return item;
  }));
  const wanted = window.location.hash === '#mine';
  document.getElementById('mine-none').hidden = mine.length > 0;
  section.hidden = mine.length === 0 && !wanted;
  const nav = document.getElementById('nav-mine');
  const reportNav = document.querySelector('.bar nav a[aria-current]:not(#nav-mine)') || document.querySelector('.bar nav a');
  if (wanted) {
    section.parentElement.prepend(section);
    nav.setAttribute('aria-current', 'page');
    reportNav.removeAttribute('aria-current');
    window.scrollTo(0, 0);
  } else {
    document.getElementById('done').after(section);
    nav.removeAttribute('aria-current');
    reportNav.setAttribute('aria-current', 'page');
  }
}
showMine();
window.addEventListener('hashchange', showMine);

window.gridmapReport = { map, choose };
document.body.dataset.ready = 'true';
