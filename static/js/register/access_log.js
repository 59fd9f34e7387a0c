// The register's access log for admins: who read whose record, newest first, 200 at a time,
// with the filters the API takes and its CSV. Times in the city's zone.
import { translatePage, switchLanguage, t, tf, when, setTimeZone } from '../i18n.js';

const PAGE = 200;
const form = document.getElementById('log-filter');
const rows = document.querySelector('#log-table tbody');
const more = document.getElementById('log-more');
const status = document.getElementById('log-status');
setTimeZone(document.body.dataset.timezone);
translatePage('access_log');
document.getElementById('lang').addEventListener('click', () => { switchLanguage(); window.location.reload(); });

// a date in the city's zone as the moment its day begins (or ends, for "until")
function day(value, end = false) {
  if (!value) return null;
  return `${value}T${end ? '23:59:59' : '00:00:00'}`;
}

function query(until = null) {
  const q = new URLSearchParams({ limit: String(PAGE) });
  const f = form.elements;
  if (f.resident.value) q.set('resident', f.resident.value);
  if (f.user.value.trim()) q.set('user', f.user.value.trim());
  if (f.since.value) q.set('since', day(f.since.value));
  if (until || f.until.value) q.set('until', until || day(f.until.value, true));
  return q;
}

function cell(text) { return Object.assign(document.createElement('td'), { textContent: text ?? '' }); }

let last = null;
async function load(append = false) {
  const q = query(append ? last : null);
  status.textContent = t('loading');
  const response = await fetch(`/api/v1/register/access-log?${q}`, { headers: { 'Accept-Language': document.documentElement.lang } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) { status.textContent = body.description || t('load_failed'); return; }
  if (!append) rows.replaceChildren();
  for (const e of body.entries) {
    const tr = document.createElement('tr');
    tr.dataset.action = e.action;
    tr.append(cell(when(e.at)), cell(e.actor.replace(/^user:/, '')), cell(e.role ? t(`role_${e.role}`) : ''),
      cell(t(`log_action_${e.action}`)),
      cell(`${t(e.subject === 'organisation' ? 'log_organisations' : 'log_residents')} ${e.subject_ids.join('、')}`),
      cell(e.field ? t(`log_field_${e.field}`) : ''), cell(e.reason), cell(e.address));
    rows.append(tr);
  }
  last = body.entries.length ? body.entries[body.entries.length - 1].at : last;
  more.hidden = body.entries.length < PAGE;
  status.textContent = rows.children.length ? tf('log_count', { n: rows.children.length }) : t('log_none');
  const exported = query();
  exported.set('format', 'csv');
  exported.set('limit', '10000');
  document.getElementById('log-export').href = `/api/v1/register/access-log?${exported}`;
}

form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
more.addEventListener('click', () => load(true));
load();
