// A worker's day played back on the wall: a marker moves along the fixes at a chosen speed,
// with the clock of the day beside it; the slider jumps to any moment.
import { t } from '../i18n.js';

const GAP_S = 300;          // the phone was silent this long: the marker waits, it does not glide
const SPEEDS = [30, 120, 600];
const FRAME_MS = 100;

// where the worker was `s` seconds into the timeline ([seconds, lon, lat] in time order)
export function positionAt(timeline, s) {
  let lo = 0;
  let hi = timeline.length - 1;
  if (s <= timeline[0][0]) return timeline[0];
  if (s >= timeline[hi][0]) return timeline[hi];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (timeline[mid][0] <= s) lo = mid; else hi = mid;
  }
  const [s0, x0, y0] = timeline[lo];
  const [s1, x1, y1] = timeline[hi];
  if (s1 - s0 > GAP_S) return timeline[lo];
  const f = (s - s0) / (s1 - s0);
  return [s, x0 + (x1 - x0) * f, y0 + (y1 - y0) * f];
}

function element(tag, props = {}) {
  return Object.assign(document.createElement(tag), props);
}

export function playbackControl(map) {
  const control = L.control({ position: 'bottomright' });
  let day = null;
  let timer = null;
  let marker = null;
  const box = element('div', { className: 'playback', hidden: true });
  box.id = 'playback';
  const title = element('div', { className: 'title' });
  const play = element('button', { type: 'button', textContent: t('play') });
  const slider = element('input', { type: 'range', min: 0, max: 0, step: 1, value: 0 });
  slider.setAttribute('aria-label', t('playback'));
  const clock = element('span', { className: 'clock' });
  const speed = element('select');
  speed.setAttribute('aria-label', t('speed'));
  for (const x of SPEEDS) speed.append(element('option', { value: x, textContent: `×${x}` }));
  speed.value = '120';
  const close = element('button', { type: 'button', textContent: '×', className: 'close' });
  close.setAttribute('aria-label', t('close'));
  box.append(title, play, slider, clock, speed, close);
  L.DomEvent.disableClickPropagation(box);

  function draw() {
    const s = Number(slider.value);
    const [, lon, lat] = positionAt(day.timeline, s);
    marker.setLatLng([lat, lon]);
    clock.textContent = new Date(Date.parse(day.first_at) + s * 1000).toLocaleTimeString();
    box.dataset.at = String(s);
  }

  function pause() {
    clearInterval(timer);
    timer = null;
    play.textContent = t('play');
    box.dataset.playing = 'false';
  }

  function start() {
    if (Number(slider.value) >= Number(slider.max)) slider.value = '0';
    play.textContent = t('pause');
    box.dataset.playing = 'true';
    timer = setInterval(() => {
      const next = Number(slider.value) + (Number(speed.value) * FRAME_MS) / 1000;
      slider.value = String(Math.min(next, Number(slider.max)));
      draw();
      if (next >= Number(slider.max)) pause();
    }, FRAME_MS);
  }

  function hide() {
    pause();
    if (marker) marker.remove();
    marker = null;
    box.hidden = true;
  }

  play.addEventListener('click', () => (timer ? pause() : start()));
  slider.addEventListener('input', draw);
  close.addEventListener('click', hide);
  control.onAdd = () => box;

  // `properties`: a track's FeatureCollection properties (with its timeline); `label`: whose
  function show(properties, label) {
    hide();
    if (!properties.timeline?.length) return;
    day = properties;
    title.textContent = `${t('playback')} · ${label} · ${properties.day}`;
    slider.max = String(day.timeline[day.timeline.length - 1][0]);
    slider.value = '0';
    marker = L.circleMarker([day.timeline[0][2], day.timeline[0][1]], {
      radius: 8, color: '#fff', weight: 2, fillColor: '#00e676', fillOpacity: 1, interactive: false,
    }).addTo(map);
    box.hidden = false;
    draw();
  }

  return { control, show, hide, element: box };
}
