// The wall's legend: every layer on it, drawn from the same style tables as the map.
import { t } from '../i18n.js';
import { LOAD_CLASSES, STATUSES, outlines, tiles, cameraStyle, segmentStyle } from './styles.js';

const LABELS = { 'camera-coverage': 'coverage', 'camera-blind-spots': 'blind_spots' };

function swatch(fill, border, { dot = false, dashed = false, className = '' } = {}) {
  const span = document.createElement('span');
  span.className = `swatch${dot ? ' dot' : ''}${className ? ` ${className}` : ''}`;
  if (fill) span.style.background = fill;
  span.style.border = `2px ${dashed ? 'dashed' : 'solid'} ${border}`;
  return span;
}

function row(layer, mark, label) {
  const div = document.createElement('div');
  div.className = 'legend-row';
  div.dataset.layer = layer;
  div.append(mark, label);
  return div;
}

function heading(tag, text) {
  const h = document.createElement(tag);
  h.textContent = text;
  return h;
}

export function wallLegend(shown) {
  const control = L.control({ position: 'bottomleft' });
  control.onAdd = () => {
    const div = L.DomUtil.create('div', 'legend');
    div.id = 'legend';
    div.append(heading('h2', t('legend')));
    div.append(heading('h3', t('incidents')));
    for (const s of STATUSES) div.append(row('incidents', swatch(null, '#fff', { dot: true, className: `s-${s}` }), t(`status_${s}`)));
    div.append(row('incidents', swatch('#888', '#ff5252', { dot: true }), t('overdue_now')));
    div.append(heading('h3', t('load')));
    for (const c of LOAD_CLASSES) div.append(row('grids', swatch(c.fillColor, '#4f83cc'), t(c.key)));
    div.append(row('grids', swatch('transparent', '#ff5252'), t('has_overdue')));
    div.append(heading('h3', t('base_layers')));
    for (const c of ['streets', 'communities']) {
      if (shown.has(c)) div.append(row(c, swatch('transparent', outlines[c].color, { dashed: !!outlines[c].dashArray }), t(c)));
    }
    for (const c of ['buildings', 'roads', 'camera-coverage', 'camera-blind-spots']) {
      if (shown.has(c)) div.append(row(c, swatch(tiles[c].fillColor || 'transparent', tiles[c].color), t(LABELS[c] || c)));
    }
    if (shown.has('road-segments')) div.append(row('road-segments', swatch('transparent', segmentStyle.color, { dashed: true }), t('chief_segments')));
    if (shown.has('cameras')) div.append(row('cameras', swatch(cameraStyle.fillColor, cameraStyle.color, { dot: true }), t('cameras')));
    div.append(row('workers', swatch(null, '#003300', { className: 'worker-icon' }), `${t('workers')} · ${t('worker_live')}`));
    div.append(row('workers', swatch(null, '#003300', { className: 'worker-icon stale' }), `${t('workers')} · ${t('worker_stale')}`));
    div.append(row('workers', swatch(null, '#fff', { className: 'worker-icon alert' }), `${t('workers')} · ${t('out_of_grid')}`));
    div.append(row('workers', swatch('transparent', '#00e676'), t('route_today')));
    return div;
  };
  return control;
}
