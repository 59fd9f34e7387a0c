// What every residents' page shares: the page in the reader's language (the button switches
// and remembers it), names from the data in that language, times in the city's zone, and the
// map of our own roads and buildings (no internet basemap unless the city set one).
import { translatePage, switchLanguage, t, lang, setTimeZone } from '../i18n.js';
import { createMap, vectorTiles } from '../basemap.js';

const LANGUAGE_COOKIE = 'gridmap_lang';     // the server reads it for what it writes itself (app/web/public.py)

export function startPage(titleKey) {
  translatePage(titleKey);
  document.documentElement.lang = lang;
  document.cookie = `${LANGUAGE_COOKIE}=${lang}; path=/; max-age=31536000; SameSite=Lax`;
  setTimeZone(document.body.dataset.timezone);
  // the options the server wrote carry both names
  for (const option of document.querySelectorAll('option[data-zh]')) option.textContent = option.dataset[lang] || option.dataset.zh;
  document.getElementById('lang').addEventListener('click', () => {
    switchLanguage();
    window.location.reload();
  });
}

// JSON from /api/v1/public in the page's language; a refusal becomes an Error with the server's words
export class Refusal extends Error {
  constructor(status, body) {
    super(body?.description || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export async function ask(url, options = {}) {
  const csrf = document.querySelector('meta[name=csrf-token]')?.content;
  const response = await fetch(url, {
    ...options,
    headers: { Accept: 'application/json', 'Accept-Language': lang, ...(csrf ? { 'X-CSRF-Token': csrf } : {}), ...(options.headers || {}) },
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Refusal(response.status, body);
  return { body, status: response.status };
}

function tiles(layer, minZoom, bounds, style) {
  return vectorTiles(`/api/v1/public/tiles/${layer}/{z}/{x}/{y}.mvt`, {
    bounds, minZoom, maxNativeZoom: 18, interactive: false, rendererFactory: L.canvas.tile,
    vectorTileLayerStyles: { [layer]: style },
  });
}

// the city's outline (basemap.py's "city" layer), on the map where a resident picks a place:
// where the city serves, and so where a tap is taken
const OUTLINE = { color: '#1565c0', weight: 3, opacity: 0.8, dashArray: '8 5', fill: true, fillColor: '#1565c0', fillOpacity: 0.04 };

export function residentMap(element, { outline = false } = {}) {
  const { bounds } = document.body.dataset;
  const box = JSON.parse(bounds || 'null');
  const city = box ? L.latLngBounds([box[1], box[0]], [box[3], box[2]]) : null;
  const map = createMap(element, { maxZoom: 19, zoomControl: false });
  L.control.zoom({ zoomInTitle: t('zoom_in'), zoomOutTitle: t('zoom_out') }).addTo(map);
  L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
  tiles('buildings', 14, city, { color: '#a1887f', weight: 0.5, fill: true, fillColor: '#d7ccc8', fillOpacity: 0.7 }).addTo(map);
  tiles('roads', 11, city, { color: '#78909c', weight: 2 }).addTo(map);
  if (outline) tiles('city', 0, city, OUTLINE).addTo(map);
  if (city) map.fitBounds(city);
  else map.setView([0, 0], 2);
  return map;
}

export function pickName(names) {
  if (!names) return '';
  return (lang === 'zh' ? names.zh : names.en) || names.zh || names.en || '';
}

// a status sentence ("已办结。") as a badge's word
export function badge(words) {
  return String(words || '').replace(/[。.]$/, '');
}

export function fill(key, values) {
  return t(key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

// "24 小时" / "24 hours": a time limit from minutes, as the city promises it (hours up to three days);
// a limit in working time is said in working hours, "2 个工作小时" / "2 working hours"
export function span(minutes, unit = 'natural') {
  if (unit === 'working') {
    const hours = Math.round((minutes / 60) * 10) / 10;
    return lang === 'zh' ? `${hours} 个工作小时` : `${hours} working hours`;
  }
  if (minutes > 72 * 60 && minutes % 1440 === 0) return lang === 'zh' ? `${minutes / 1440} 天` : `${minutes / 1440} days`;
  if (minutes % 60 === 0) return lang === 'zh' ? `${minutes / 60} 小时` : `${minutes / 60} hours`;
  return lang === 'zh' ? `${minutes} 分钟` : `${minutes} minutes`;
}
