// Finding a building by its address or name anywhere in my community (the server searches;
// the phone holds only my grid's buildings). A result shows its address, its name and the
// grid it belongs to, so "is this building mine?" has an answer before walking there.
import { t, pick } from '../i18n.js';
import { escapeHtml } from '../wall/layers.js';

const WAIT_MS = 250;

export function addressSearch({ input, list, map }) {
  let timer = null;
  let asked = 0;
  let shown = null;

  function item(f) {
    const p = f.properties;
    const li = document.createElement('li');
    li.dataset.kind = p.kind;
    const title = document.createElement('strong');
    title.textContent = p.address || p.name || '';
    const detail = document.createElement('span');
    detail.className = 'detail';
    detail.textContent = p.kind === 'street' ? t('street_result')
      : [p.address && p.name ? p.name : null, p.grid_name ? pick(p.grid_name) : null,
         `${p.households ?? 0} ${t('households_short')}`].filter(Boolean).join(' · ');
    const code = document.createElement('small');
    code.textContent = p.grid || '';
    li.append(title, detail, code);
    li.addEventListener('click', () => {
      shown?.remove();
      shown = L.geoJSON(f, { style: { color: '#d81b60', weight: p.kind === 'street' ? 6 : 3, opacity: 0.8, fillOpacity: 0.2 } }).addTo(map);
      map.fitBounds(shown.getBounds(), { maxZoom: 19 });
      // a building's register opens from here too (another grid's says whose it is)
      const register = p.kind === 'building' ? `<button type="button" class="popup-register" data-register="${escapeHtml(String(f.id))}">${escapeHtml(t('reg_open'))}</button>` : '';
      shown.bindPopup(`<strong>${escapeHtml(title.textContent)}</strong><br>${escapeHtml(detail.textContent)}<br><small>${escapeHtml(p.grid || '')}</small>${register}`).openPopup();
    });
    return li;
  }

  async function look(words) {
    const ticket = ++asked;
    if (!words.trim()) { list.replaceChildren(); return; }
    try {
      const response = await fetch(`/api/v1/places?q=${encodeURIComponent(words)}&limit=30`);
      if (!response.ok) throw new Error(String(response.status));
      const { features } = await response.json();
      if (ticket !== asked) return;           // a newer search is on its way
      list.replaceChildren(...(features.length ? features.map(item) : [Object.assign(document.createElement('li'), { className: 'empty', textContent: t('no_results') })]));
    } catch {
      if (ticket === asked) list.replaceChildren(Object.assign(document.createElement('li'), { className: 'empty', textContent: t('search_offline') }));
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => look(input.value), WAIT_MS);
  });
}
