// A GeoJSON layer per collection, with popups that speak the user's language.
import { fetchItems } from '../api.js';
import { t, localName } from '../i18n.js';
import { layerStyles } from './styles.js';

const popupFields = {
  streets: ['code', 'households', 'population'],
  communities: ['code', 'households', 'population'],
  grids: ['code', 'kind', 'community', 'households', 'population'],
  buildings: ['address', 'kind', 'levels', 'households', 'grid'],
  roads: ['kind'],
  cameras: ['kind'],
};

function popup(collection, props) {
  const rows = popupFields[collection]
    .filter((key) => props[key] !== null && props[key] !== undefined)
    .map((key) => {
      const value = key === 'kind' && t(props[key]) !== props[key] ? t(props[key]) : props[key];
      return `<tr><th>${t(key)}</th><td>${escapeHtml(String(value))}</td></tr>`;
    }).join('');
  return `<strong>${escapeHtml(localName(props))}</strong><table>${rows}</table>`;
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

export async function featureLayer(collection) {
  const data = await fetchItems(collection);
  const style = layerStyles[collection];
  const layer = L.geoJSON(data, {
    style: () => style,
    pointToLayer: (_feature, latlng) => L.circleMarker(latlng, style),
    onEachFeature: (feature, sublayer) => sublayer.bindPopup(() => popup(collection, feature.properties)),
  });
  layer.featureCount = data.features.length;
  return layer;
}
