// The wall's legend: every layer on it, drawn from the same style tables as the map; the grids'
// classes follow the quantile breaks of the day's load.
import { t, tf } from '../i18n.js';
import { LOAD_FILLS, SPECIAL_GRID, STATUSES, outlines, tiles, cameraStyle, segmentStyle } from './styles.js';

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

// "0", "1–2", "3–5", "6 or more" from breaks [1, 3, 6]
export function classLabels(breaks) {
  const labels = [t('load_none')];
  breaks.forEach((from, i) => {
    const next = breaks[i + 1];
    if (next === undefined) labels.push(tf('load_from', { from }));
    else labels.push(next - 1 === from ? String(from) : tf('load_range', { from, to: next - 1 }));
  });
  return labels;
}

export function wallLegend(shown, { cameras = true } = {}) {
  const control = L.control({ position: 'bottomleft' });
  let shading = null;
  control.onAdd = () => {
    const div = L.DomUtil.create('div', 'legend');
    div.id = 'legend';
    div.append(heading('h2', t('legend')));
    div.append(heading('h3', t('incidents')));
    for (const s of STATUSES) div.append(row('incidents', swatch(null, '#fff', { dot: true, className: `s-${s}` }), t(`status_${s}`)));
    div.append(row('incidents', swatch('#888', '#ff5252', { dot: true }), t('overdue_now')));
    div.append(row('incidents', swatch('rgba(2, 136, 209, 0.85)', '#d32f2f', { dot: true }), t('cluster_legend')));
    div.append(heading('h3', t('load_quantile')));
    shading = document.createElement('div');
    shading.className = 'shading';
    div.append(shading);
    div.append(row('grids', swatch('transparent', '#ff5252'), t('has_overdue')));
    div.append(row('grids', swatch('transparent', SPECIAL_GRID.color, { dashed: true }), t('special_grids')));
    div.append(heading('h3', t('base_layers')));
    for (const c of ['streets', 'communities']) {
      if (shown.has(c)) div.append(row(c, swatch('transparent', outlines[c].color, { dashed: !!outlines[c].dashArray }), t(c)));
    }
    for (const c of ['buildings', 'roads', 'camera-coverage', 'camera-blind-spots']) {
      if (!shown.has(c) || (c.startsWith('camera-') && !cameras)) continue;
      div.append(row(c, swatch(tiles[c].fillColor || 'transparent', tiles[c].color), t(LABELS[c] || c)));
    }
    if (shown.has('road-segments')) div.append(row('road-segments', swatch('transparent', segmentStyle.color, { dashed: true }), t('chief_segments')));
    if (shown.has('cameras')) {
      div.append(cameras ? row('cameras', swatch(cameraStyle.fillColor, cameraStyle.color), t('cameras'))
                         : row('cameras', document.createTextNode(''), t('cameras_none')));
    }
    div.append(row('workers', swatch(null, '#003300', { className: 'worker-icon' }), `${t('workers')} · ${t('worker_live')}`));
    div.append(row('workers', swatch(null, '#003300', { className: 'worker-icon stale' }), `${t('workers')} · ${t('worker_stale')}`));
    div.append(row('workers', swatch(null, '#fff', { className: 'worker-icon alert' }), `${t('workers')} · ${t('out_of_grid')}`));
    div.append(row('workers', swatch('rgba(0, 200, 83, 0.85)', '#003300'), t('worker_cluster')));
    div.append(row('workers', swatch('transparent', '#00e676'), t('route_today')));
    return div;
  };
  // only the layers on the map: a legend of what is not shown is noise from five metres
  control.showing = (keys) => {
    for (const row of document.querySelectorAll('#legend .legend-row')) row.hidden = !keys.has(row.dataset.layer);
  };
  // cameras too many to draw in this view: the legend says to zoom in (cameras.js)
  control.crowded = (yes) => {
    const row = document.querySelector('#legend .legend-row[data-layer="cameras"]');
    if (row && cameras) row.lastChild.textContent = yes ? `${t('cameras')} · ${t('cameras_zoom_in')}` : t('cameras');
  };
  control.shading = (breaks) => {
    if (!shading) return;
    shading.replaceChildren(...classLabels(breaks).map((label, i) => row('grids', swatch(LOAD_FILLS[i].fillColor, '#4f83cc'), label)));
  };
  return control;
}
