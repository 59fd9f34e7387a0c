// A patrol (巡查): started and stopped by the worker, its distance and time counted on the phone
// and its route drawn as it grows. The fixes themselves reach the command center through the
// outbox like every fix (positions.js), more often while patrolling, so a patrol walked without
// network arrives whole when the network returns. A reload keeps the patrol going.
import { t, duration } from '../i18n.js';

const STATE = 'gridmap.patrol';
const MIN_STEP_M = 5;           // closer than this to the last point: standing still, GPS jitter
const MAX_ACCURACY_M = 50;      // a worse fix would add metres nobody walked
const MAX_POINTS = 5000;

function metresBetween(a, b) {
  const rad = Math.PI / 180;
  const x = (b[1] - a[1]) * rad * Math.cos(((a[0] + b[0]) / 2) * rad);
  const y = (b[0] - a[0]) * rad;
  return Math.hypot(x, y) * 6_371_000;
}

function distanceText(metres) {
  return metres < 1000 ? `${Math.round(metres)} ${t('metres')}` : `${(metres / 1000).toFixed(2)} ${t('kilometres')}`;
}

export function patrol({ map, element, notices, onChange }) {
  const toggle = element.querySelector('#patrol-toggle');
  const distanceOut = element.querySelector('#patrol-distance');
  const timeOut = element.querySelector('#patrol-time');
  const message = element.querySelector('#patrol-message');
  let state = JSON.parse(localStorage.getItem(STATE) || 'null');
  const line = L.polyline(state?.route || [], { color: '#ef6c00', weight: 4, opacity: 0.85 }).addTo(map);

  function save() { localStorage.setItem(STATE, JSON.stringify(state)); }

  function show() {
    const active = Boolean(state?.active);
    element.dataset.state = active ? 'active' : 'idle';
    toggle.textContent = t(active ? 'patrol_stop' : 'patrol_start');
    distanceOut.textContent = distanceText(state?.metres || 0);
    distanceOut.dataset.metres = String(Math.round(state?.metres || 0));
    timeOut.textContent = duration(state ? ((state.stoppedAt || Date.now()) - state.startedAt) / 1000 : 0);
  }

  toggle.addEventListener('click', () => {
    if (state?.active) {
      state.active = false;
      state.stoppedAt = Date.now();
      message.textContent = `${t('patrol_done')}${t('colon')}${distanceText(state.metres)} · ${duration((state.stoppedAt - state.startedAt) / 1000)}`;
      notices.show(message.textContent, 'info');
    } else {
      state = { active: true, startedAt: Date.now(), metres: 0, route: [] };
      line.setLatLngs([]);
      message.textContent = t('patrol_started');
    }
    save();
    show();
    onChange(state.active);
  });

  setInterval(() => { if (state?.active) show(); }, 1000);
  show();

  return {
    active: () => Boolean(state?.active),
    // every position the phone hears
    heard(position) {
      if (!state?.active || (position.accuracy ?? 0) > MAX_ACCURACY_M) return;
      const point = [position.lat, position.lon];
      const last = state.route[state.route.length - 1];
      if (last) {
        const step = metresBetween(last, point);
        if (step < MIN_STEP_M) return;
        state.metres += step;
      }
      state.route.push(point);
      if (state.route.length > MAX_POINTS) state.route.splice(0, state.route.length - MAX_POINTS);
      line.addLatLng(point);
      save();
      show();
    },
  };
}
