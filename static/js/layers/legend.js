// The legend lists every layer that is on the map, drawn with the layer's own style.
import { t } from '../i18n.js';
import { layerStyles } from './styles.js';

function swatch(style) {
  const fill = style.fill === false ? 'transparent' : (style.fillColor || style.color);
  const dash = style.dashArray ? 'dashed' : 'solid';
  const round = style.radius ? 'border-radius:50%;' : '';
  return `<span class="swatch" style="${round}background:${fill};border:2px ${dash} ${style.color}"></span>`;
}

export function legendControl(collections) {
  const control = L.control({ position: 'bottomright' });
  control.onAdd = () => {
    const div = L.DomUtil.create('div', 'legend');
    div.id = 'legend';
    div.innerHTML = `<h2>${t('legend')}</h2>` + collections
      .map((c) => `<div class="legend-row" data-layer="${c}">${swatch(layerStyles[c])}${t(c)}</div>`)
      .join('');
    return div;
  };
  return control;
}
