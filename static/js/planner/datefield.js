// A date, or a date and a time, chosen in the page's language. The browser's own date inputs
// speak the browser's language whatever the page's (a Chinese page in an English Chrome showed
// "mm/dd/yyyy" and an English calendar): this field writes the date, and its calendar names
// the months and weekdays, as the page does (Intl, in the language i18n.js chose). The value
// is ISO: "2026-11-25", or "2026-11-25T14:05" with the time; the field also takes one typed so,
// or as the page writes it.
import { t, lang } from '../i18n.js';

const locale = () => (lang === 'zh' ? 'zh-CN' : 'en-GB');
const pad = (n) => String(n).padStart(2, '0');
const isoDay = (y, m, d) => `${y}-${pad(m)}-${pad(d)}`;

// Dates and times are the city's, as every time on the page is (its zone, on the page's body),
// whatever the zone of the browser showing them.
const zone = () => document.body.dataset.timezone || undefined;
function wallClock(moment = new Date()) {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone(), hourCycle: 'h23', year: 'numeric', month: 'numeric',
    day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(moment);
  const part = (type) => Number(parts.find((p) => p.type === type).value);
  return [part('year'), part('month'), part('day'), part('hour'), part('minute'), part('second')];
}

// The moment a wall time of the city names: "2026-11-25T23:59:59" there.
export function cityInstant(iso) {
  const [day, clock = '00:00:00'] = iso.split('T');
  const [y, m, d] = day.split('-').map(Number);
  const [h, mi, s = 0] = clock.split(':').map(Number);
  const wanted = Date.UTC(y, m - 1, d, h, mi, s);
  let guess = wanted;
  for (let n = 0; n < 2; n += 1) {          // twice: an offset read on the far side of a clock change
    const [yy, mm, dd, hh, mm2, ss] = wallClock(new Date(guess));
    guess += wanted - Date.UTC(yy, mm - 1, dd, hh, mm2, ss);
  }
  return new Date(guess);
}

// The city's date today, and its time now to the minute, as ISO.
export const cityToday = () => isoDay(...wallClock().slice(0, 3));
export const cityNow = () => { const [y, m, d, h, mi] = wallClock(); return `${isoDay(y, m, d)}T${pad(h)}:${pad(mi)}`; };

// `input`: a text input the field takes over; `max`: the latest ISO value offered (a date, or
// a date and time); `onChange(value)` when a value is chosen, typed or cleared ('' then).
export function dateField(input, { time = false, max = '', onChange = () => {} } = {}) {
  let value = '';
  let shown = null;                     // the month the calendar shows: [year, month]
  input.type = 'text';
  input.autocomplete = 'off';
  input.classList.add('date-field');
  input.placeholder = time ? t('date_time_placeholder') : t('date_placeholder');
  if (max) input.setAttribute('max', max);
  const opener = Object.assign(document.createElement('button'), { type: 'button', className: 'date-open',
    textContent: '▾', title: t('date_pick') });
  opener.setAttribute('aria-label', t('date_pick'));
  opener.setAttribute('aria-expanded', 'false');
  const panel = Object.assign(document.createElement('div'), { className: 'date-panel', hidden: true });
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', t('date_pick'));
  input.after(opener, panel);

  const format = (iso) => {
    if (!iso) return '';
    const [day, clock] = iso.split('T');
    const [y, m, d] = day.split('-').map(Number);
    const text = new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' })
      .format(Date.UTC(y, m - 1, d));
    return clock ? `${text} ${clock}` : text;
  };
  const set = (iso, tell = true) => {
    if (iso && max && iso > max) iso = max;
    value = iso;
    input.value = format(iso);
    input.dataset.value = iso;
    input.removeAttribute('aria-invalid');
    if (tell) onChange(iso);
  };

  // typed: ISO, the page's own writing ("2020年1月1日 08:30", "1 January 2020"), or y/m/d
  const parse = (text) => {
    const words = text.trim();
    if (!words) return '';
    const clock = words.match(/(\d{1,2})[:：](\d{2})\s*$/);
    const rest = clock ? words.slice(0, clock.index) : words;
    let y; let m; let d;
    const numbers = rest.match(/\d+/g) || [];
    const months = monthNames();
    const named = months.findIndex((name) => rest.toLowerCase().includes(name.toLowerCase()));
    if (named >= 0 && lang !== 'zh' && numbers.length === 2) {
      [d, y] = numbers.map(Number); m = named + 1;
    } else if (numbers.length === 3) {
      [y, m, d] = numbers.map(Number);
      if (y < 100 && d > 31) [y, m, d] = [d, m, y];           // 1/2/2020 written day first
      if (y <= 31 && d > 31) [y, m, d] = [d, m, y];
    } else return null;
    const day = new Date(Date.UTC(y, m - 1, d));
    if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return null;
    if (!time) return isoDay(y, m, d);
    const [h, min] = clock ? [Number(clock[1]), Number(clock[2])] : [0, 0];
    if (h > 23 || min > 59) return null;
    return `${isoDay(y, m, d)}T${pad(h)}:${pad(min)}`;
  };
  const typed = (final) => {
    const iso = parse(input.value);
    if (iso === null) {
      if (final) input.setAttribute('aria-invalid', 'true');
      return;
    }
    if (iso !== value || final) {
      value = iso;
      input.dataset.value = iso;
      input.removeAttribute('aria-invalid');
      onChange(iso);
      if (final) input.value = format(iso);
    }
  };
  input.addEventListener('input', () => { if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/.test(input.value.trim())) typed(false); });
  input.addEventListener('change', () => typed(true));
  input.addEventListener('keydown', (event) => { if (event.key === 'Enter') { event.preventDefault(); typed(true); } });

  function monthNames() {
    const names = new Intl.DateTimeFormat(locale(), { month: 'long', timeZone: 'UTC' });
    return Array.from({ length: 12 }, (_, n) => names.format(Date.UTC(2024, n, 1)));
  }

  const today = () => wallClock().slice(0, 5);
  const draw = () => {
    const [y, m] = shown;
    panel.replaceChildren();
    const head = Object.assign(document.createElement('div'), { className: 'date-head' });
    const step = (delta, key, mark) => {
      const button = Object.assign(document.createElement('button'), { type: 'button', textContent: mark, title: t(key) });
      button.setAttribute('aria-label', t(key));
      button.dataset.step = String(delta);
      button.addEventListener('click', () => {
        const at = new Date(Date.UTC(y, m - 1 + delta, 1));
        shown = [at.getUTCFullYear(), at.getUTCMonth() + 1];
        draw();
      });
      return button;
    };
    const title = Object.assign(document.createElement('span'), { className: 'date-month',
      textContent: new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, 1)) });
    head.append(step(-1, 'date_previous_month', '‹'), title, step(1, 'date_next_month', '›'));
    const grid = Object.assign(document.createElement('div'), { className: 'date-days' });
    grid.setAttribute('role', 'grid');
    // weeks start on Monday, as calendars do in China and in Britain
    const weekday = new Intl.DateTimeFormat(locale(), { weekday: lang === 'zh' ? 'narrow' : 'short', timeZone: 'UTC' });
    for (let n = 0; n < 7; n += 1) {
      grid.append(Object.assign(document.createElement('span'), { className: 'date-weekday',
        textContent: weekday.format(Date.UTC(2024, 0, 1 + n)) }));           // 1 January 2024 was a Monday
    }
    const first = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7;
    for (let n = 0; n < first; n += 1) grid.append(document.createElement('span'));
    const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const [ty, tm, td] = today();
    const chosen = value.slice(0, 10);
    for (let d = 1; d <= days; d += 1) {
      const iso = isoDay(y, m, d);
      const button = Object.assign(document.createElement('button'), { type: 'button', textContent: String(d) });
      button.dataset.day = iso;
      button.setAttribute('aria-label', format(iso));
      button.disabled = Boolean(max) && iso > max.slice(0, 10);
      button.classList.toggle('today', y === ty && m === tm && d === td);
      button.classList.toggle('chosen', iso === chosen);
      button.addEventListener('click', () => {
        set(time ? `${iso}T${clockValue()}` : iso);
        if (!time) close();
        else draw();
      });
      grid.append(button);
    }
    panel.append(head, grid);
    if (time) panel.append(clockRow());
    const foot = Object.assign(document.createElement('div'), { className: 'date-foot' });
    const now = Object.assign(document.createElement('button'), { type: 'button', textContent: time ? t('date_now') : t('date_today') });
    now.addEventListener('click', () => {
      const [yy, mm, dd, hh, mi] = today();
      set(time ? `${isoDay(yy, mm, dd)}T${pad(hh)}:${pad(mi)}` : isoDay(yy, mm, dd));
      close();
    });
    const clear = Object.assign(document.createElement('button'), { type: 'button', textContent: t('date_clear') });
    clear.addEventListener('click', () => { set(''); close(); });
    foot.append(now, clear);
    panel.append(foot);
  };
  let hours; let minutes;
  const clockValue = () => `${pad(Number(hours?.value) || 0)}:${pad(Number(minutes?.value) || 0)}`;
  const clockRow = () => {
    const row = Object.assign(document.createElement('label'), { className: 'date-clock' });
    const [, , , hh, mi] = today();
    const [h, m] = value.includes('T') ? value.split('T')[1].split(':').map(Number) : [hh, mi];
    hours = Object.assign(document.createElement('input'), { type: 'number', min: 0, max: 23, value: pad(h) });
    minutes = Object.assign(document.createElement('input'), { type: 'number', min: 0, max: 59, value: pad(m) });
    hours.setAttribute('aria-label', t('date_hour'));
    minutes.setAttribute('aria-label', t('date_minute'));
    const retime = () => { if (value) set(`${value.slice(0, 10)}T${clockValue()}`); };
    hours.addEventListener('change', retime);
    minutes.addEventListener('change', retime);
    row.append(Object.assign(document.createElement('span'), { textContent: t('date_time') }), hours, ':', minutes);
    return row;
  };

  const open = () => {
    const [y, m] = (value || max || isoDay(...today().slice(0, 3))).slice(0, 7).split('-').map(Number);
    shown = [y, m];
    draw();
    panel.hidden = false;
    // under its field, wherever the sidebar has scrolled to
    const home = panel.offsetParent || document.body;
    const field = input.getBoundingClientRect();
    const box = home.getBoundingClientRect();
    panel.style.left = `${field.left - box.left + home.scrollLeft}px`;
    panel.style.top = `${field.bottom - box.top + home.scrollTop + 2}px`;
    opener.setAttribute('aria-expanded', 'true');
    panel.querySelector('button.chosen, button.today, .date-days button:not(:disabled)')?.focus();
  };
  const close = () => {
    panel.hidden = true;
    opener.setAttribute('aria-expanded', 'false');
  };
  opener.addEventListener('click', () => (panel.hidden ? open() : close()));
  panel.addEventListener('keydown', (event) => { if (event.key === 'Escape') { close(); opener.focus(); } });
  // a click elsewhere closes it (the path, not the target: a month redrawn has let go of the
  // button clicked)
  document.addEventListener('click', (event) => {
    const path = event.composedPath();
    if (!panel.hidden && !path.includes(panel) && !path.includes(opener) && !path.includes(input)) close();
  });

  return {
    get value() { return value; },
    set value(iso) { set(iso, false); },
    set max(iso) { max = iso; if (iso) input.setAttribute('max', iso); },
    open,
    close,
  };
}
