// The legend lists every layer that is on the map, drawn with the layer's own style.
// Built with DOM calls, not HTML strings: the CSP forbids inline style attributes.
import { t } from '../i18n.js';
import { layerStyles, featureStyle } from './styles.js';

function swatch(style) {
  const span = document.createElement('span');
  span.className = 'swatch';
  span.style.background = style.fill === false ? 'transparent' : (style.fillColor || style.color);
  span.style.border = `2px ${style.dashArray ? 'dashed' : 'solid'} ${style.color}`;
  if (style.radius) span.style.borderRadius = '50%';
  return span;
}

// `groups`: per collection, the classes it is drawn by (city parts: the standard's major
// classes), each a row of its own. `fromZoom`: per collection, the zoom it is drawn from; below
// it its row says to zoom in (`atZoom`), so that a map without buildings yet is not taken for a
// city without them.
export function legendControl(collections, groups = {}, fromZoom = {}) {
  const control = L.control({ position: 'bottomright' });
  const waiting = [];          // [row, the zoom its layer is drawn from]
  control.atZoom = (zoom) => {
    for (const [row, from] of waiting) row.classList.toggle('below-zoom', zoom < from);
  };
  control.onAdd = () => {
    const div = L.DomUtil.create('div', 'legend');
    div.id = 'legend';
    const heading = document.createElement('h2');
    heading.textContent = t('legend');
    div.append(heading);
    for (const c of collections) {
      const row = document.createElement('div');
      row.className = 'legend-row';
      row.dataset.layer = c;
      row.append(swatch(layerStyles[c]), t(c));
      if (fromZoom[c]) {
        const hint = document.createElement('span');
        hint.className = 'legend-zoom-hint';
        hint.textContent = t('zoom_in_to_show');
        row.append(hint);
        waiting.push([row, fromZoom[c]]);
      }
      div.append(row);
      for (const group of groups[c] || []) {
        const sub = document.createElement('div');
        sub.className = 'legend-row legend-group';
        sub.dataset.layer = c;
        sub.dataset.group = group;
        sub.append(swatch(featureStyle(c, { group })), t(`part_group_${group}`));
        if (fromZoom[c]) waiting.push([sub, fromZoom[c]]);
        div.append(sub);
      }
    }
    return div;
  };
  return control;
}
