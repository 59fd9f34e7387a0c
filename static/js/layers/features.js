// A GeoJSON layer per collection, with popups that speak the user's language.
import { fetchItems } from '../api.js';
import { t, localName } from '../i18n.js';
import { featureStyle } from './styles.js';

// field → the prefix of its values' words in the catalogue ('' : the value itself is a key)
const popupFields = {
  streets: { code: null, households: null, population: null },
  communities: { code: null, households: null, population: null },
  grids: { code: null, kind: '', community: null, households: null, population: null },
  buildings: { address: null, kind: '', levels: null, households: null, grid: null },
  roads: { kind: '' },
  cameras: { kind: '' },
  parts: { part_name: null, standard_code: null, status: 'part_', grid: null },
};

function popup(collection, props) {
  // a part's own name (a lamp's number) sits under its kind's name, the popup's title
  const values = collection === 'parts' ? { ...props, part_name: props.name } : props;
  const rows = Object.entries(popupFields[collection])
    .filter(([key]) => values[key] !== null && values[key] !== undefined)
    .map(([key, prefix]) => {
      const word = prefix === null ? null : t(`${prefix}${values[key]}`);
      const value = word !== null && word !== `${prefix}${values[key]}` ? word : values[key];
      return `<tr><th>${t(key)}</th><td>${escapeHtml(String(value))}</td></tr>`;
    }).join('');
  return `<strong>${escapeHtml(localName(props))}</strong><table>${rows}</table>`;
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

export async function featureLayer(collection) {
  const data = await fetchItems(collection);
  const layer = L.geoJSON(data, {
    style: (feature) => featureStyle(collection, feature.properties),
    pointToLayer: (feature, latlng) => L.circleMarker(latlng, featureStyle(collection, feature.properties)),
    onEachFeature: (feature, sublayer) => sublayer.bindPopup(() => popup(collection, feature.properties)),
  });
  layer.featureCount = data.features.length;
  // the major classes present, for the legend (parts only)
  layer.groups = [...new Set(data.features.map((f) => f.properties.group).filter(Boolean))].sort();
  return layer;
}
