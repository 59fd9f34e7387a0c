// A new incident calls for a look: a ring pulses where it is until an operator clicks it (on the
// map, the ticker or a list) or it is older than the wall's pulse time (GRIDMAP_WALL_PULSE_MINUTES).
// A high-severity one can also sound an alarm, when the wall's alarm is on (off by default; a
// kiosk's browser must be allowed to play sound without a click, see the README).
const LOOKED_KEY = 'gridmap.wall.looked';
const LOOKED_KEPT = 500;
const HIGH = new Set(['high', 'critical']);

export function pulses(map, { seconds, alarmButton, alarmDefault, t, tf, pick, strip, onSelect }) {
  const layer = L.layerGroup().addTo(map);
  const active = new Map();           // incident id → {marker, timer}
  const looked = new Set(JSON.parse(localStorage.getItem(LOOKED_KEY) || '[]'));
  let audio = null;
  let alarmOn = (localStorage.getItem('gridmap.wall.alarm') ?? String(alarmDefault)) === 'true';

  function showAlarm() {
    if (!alarmButton) return;
    alarmButton.setAttribute('aria-pressed', String(alarmOn));
    alarmButton.textContent = t(alarmOn ? 'alarm_on' : 'alarm_off');
  }
  alarmButton?.addEventListener('click', () => {
    alarmOn = !alarmOn;
    localStorage.setItem('gridmap.wall.alarm', String(alarmOn));
    if (alarmOn) sound();           // the click lets the browser play it, and the operator hears it
    showAlarm();
  });
  showAlarm();

  // three short tones, made here: no sound file to ship or fetch
  function sound() {
    try {
      audio = audio || new AudioContext();
      audio.resume();
      for (let n = 0; n < 3; n += 1) {
        const tone = audio.createOscillator();
        const gain = audio.createGain();
        tone.frequency.value = 880;
        gain.gain.setValueAtTime(0.25, audio.currentTime + n * 0.35);
        gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + n * 0.35 + 0.25);
        tone.connect(gain).connect(audio.destination);
        tone.start(audio.currentTime + n * 0.35);
        tone.stop(audio.currentTime + n * 0.35 + 0.3);
      }
      map.getContainer().dataset.alarmSounded = String(Date.now());
    } catch (error) { console.warn('alarm', error.message); }
  }

  function start(incident, { ring = true } = {}) {
    const { id, lat, lon } = incident;
    if (looked.has(id) || active.has(id)) return;
    const age = (Date.now() - Date.parse(incident.reported_at)) / 1000;
    if (!(age < seconds)) return;
    const high = HIGH.has(incident.severity);
    // an urgent one rings wide and red; the others quietly, so ten at once are not a storm
    const size = high ? 96 : 44;
    const marker = L.marker([lat, lon], {
      icon: L.divIcon({ className: `pulse-icon${high ? ' high' : ''}`, iconSize: [size, size] }),
      interactive: false, keyboard: false, zIndexOffset: -100,
    }).addTo(layer);
    marker.getElement()?.setAttribute('data-incident', String(id));
    const timer = setTimeout(() => stop(id), (seconds - Math.max(0, age)) * 1000);
    active.set(id, { marker, timer, line: high ? urgentLine(incident) : null });
    if (ring && high && alarmOn) sound();
  }

  // urgent ones also stand in a strip over the map until someone opens them: a ring in a
  // cluster or a line that scrolls off the ticker is easy to miss
  function urgentLine(incident) {
    if (!strip) return null;
    const line = document.createElement('li');
    line.dataset.incident = String(incident.id);
    const place = pick(incident.grid_name) || '';
    const minutes = () => Math.max(0, Math.round((Date.now() - Date.parse(incident.reported_at)) / 60000));
    const say = () => { line.textContent = `${t('severity_tag')} · ${pick(incident.category_name) || incident.category}${place ? ` · ${place}` : ''} · ${tf('minutes_ago', { n: minutes() })}`; };
    say();
    line.timer = setInterval(say, 30_000);
    line.addEventListener('click', () => onSelect(incident.id));
    strip.querySelector('ol').prepend(line);
    strip.hidden = false;
    return line;
  }

  function stop(id) {
    const pulse = active.get(id);
    if (!pulse) return;
    clearTimeout(pulse.timer);
    layer.removeLayer(pulse.marker);
    if (pulse.line) {
      clearInterval(pulse.line.timer);
      pulse.line.remove();
      if (!strip.querySelector('li')) strip.hidden = true;
    }
    active.delete(id);
  }

  // the operator looked at it: it stops, and stays stopped after a reload
  function look(id) {
    stop(id);
    looked.add(id);
    localStorage.setItem(LOOKED_KEY, JSON.stringify([...looked].slice(-LOOKED_KEPT)));
  }

  return { start, stop, look, active: () => [...active.keys()], layer };
}
