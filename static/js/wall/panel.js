// The lists beside the map: the day's figures, the overdue cases with running clocks, residents'
// reports waiting to be accepted, the requests waiting for a decision, the cases departments
// sent back and each department's queue, the live ticker as sentences, the out-of-grid alerts
// and the grid ranking. Names first, codes small; a list longer than its room says how many
// more, and that line opens the whole list.
import { t, tf, pick, duration, when, dueAt, spanWords } from '../i18n.js';


const TICKER_LENGTH = 40;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

const code = (text) => el('span', 'code', text);

// Keeps what fits in the list's room and says how many more there are (of `total`); with
// `onMore`, a click on that line opens them all. The options are kept on the list for the
// fits that follow without them (refit).
export function fit(list, total, options) {
  if (options) list.fitting = options;
  const { counted = true, onMore } = list.fitting || {};
  list.querySelector('li.more')?.remove();
  if (!list.children.length) { list.append(el('li', 'more', t('none'))); return; }
  if (total === undefined) total = Number(list.dataset.total || list.children.length);
  list.dataset.total = String(total);
  const items = [...list.children];
  items.forEach((item) => { item.hidden = false; });
  // Every item measured at once (one layout, not one per item hidden: a city's lists run to
  // hundreds); hiding the last ones moves none of those before them.
  const bottom = list.getBoundingClientRect().bottom + 1;
  const bottoms = items.map((item) => item.getBoundingClientRect().bottom);
  const fitting = (room) => { let n = 0; while (n < items.length && bottoms[n] <= room) n += 1; return n; };
  if (fitting(bottom) === items.length && items.length >= total) return;
  if (!counted) {          // a ticker: what fits, no half line, no count
    items.forEach((item, i) => { item.hidden = bottoms[i] > bottom; });
    return;
  }
  const more = el('li', 'more');
  if (onMore) {
    more.classList.add('opens');
    more.title = t('show_all');
    more.addEventListener('click', onMore);
  }
  list.append(more);
  const say = () => { more.textContent = tf('more_n', { n: total - shown }); };
  let shown = items.length;
  say();
  // the line saying how many more takes the room of the items it replaces
  const line = more.getBoundingClientRect().height;
  shown = fitting(bottom - line);
  items.forEach((item, i) => { item.hidden = i >= shown; });
  say();
  while (shown > 0 && more.getBoundingClientRect().bottom > bottom) {
    shown -= 1;
    items[shown].hidden = true;
    say();
  }
  if (shown >= total) more.remove();
}

// Every list fitted again: a list that grows or shrinks changes the room of the others (the
// short ones take what they need, the long ones share the rest), and a resize changes them all.
export function refit() {
  for (const list of document.querySelectorAll('.panel ol.fit')) fit(list);
}

export function placeName(p) {
  return pick(p.grid_name) || pick(p.community) || pick(p.street) || '';
}

// What each of the day's figures counts, as the incident list's filter: a click lists them.
export function tileFilters(summary) {
  const today = { since: summary.day_start, merged: 'false' };
  return { reported: today, open: { open: 'true', merged: 'false' }, overdue: { overdue: 'true', merged: 'false' },
           closed: { closed_since: summary.day_start, merged: 'false' } };
}

export function renderSummary(summary, onSelect, onDrill = () => {}) {
  const filters = tileFilters(summary);
  for (const [key, value] of Object.entries(summary.today.total)) {
    const tile = document.querySelector(`.tile[data-count="${key}"]`);
    if (!tile) continue;
    tile.querySelector('.n').textContent = String(value);
    tile.onclick = () => onDrill({ title: tile.querySelector('.k').textContent, filter: filters[key] });
  }
  renderOverdue(summary.overdue, onSelect, onDrill);
  renderTriage(summary.triage, onSelect, onDrill);
  renderRequests(summary.requests, onSelect, onDrill);
  renderReturned(summary.returned, onSelect, onDrill);
  renderDepartments(summary.departments, onDrill);
  renderRanking(summary.ranking, summary.period, onDrill);
  // special grids (专属网格: schools, parks…) are ranked among themselves, in a list of their own
  const special = summary.ranking_special || [];
  document.getElementById('ranking-special-section').hidden = !special.length;
  renderRanking(special, summary.period, onDrill, 'ranking-special');
  refit();
}

// "5小时22分", "2天3小时" as every page says a span (spanWords); under an hour with its seconds,
// so the list shows it running
export function lateWords(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600 ? spanWords(s) : tf('late_m', { m: Math.floor(s / 60), s: s % 60 });
}

function renderOverdue(overdue, onSelect, onDrill) {
  document.getElementById('overdue-total').textContent = String(overdue.total);
  const list = document.getElementById('overdue');
  list.replaceChildren();
  for (const f of overdue.items) {
    const p = f.properties;
    // late from the first limit it missed, whatever level it has moved to since
    const due = p.overdue_from
      || (p.respond_remaining_s !== null && p.respond_remaining_s < 0 ? p.due_respond_at : p.due_resolve_at);
    const item = el('li');
    item.dataset.code = p.code;
    item.dataset.due = due;
    item.dataset.id = f.id;
    item.append(el('span', 'late'));
    // escalation beside the lateness, not instead of it
    if (p.escalations) item.append(el('span', 'tag escalated', tf('escalated_to', { level: t(`level_${p.level}`) })));
    item.append(`${pick(p.category_name)} · ${placeName(p)} `, code(p.code));
    item.addEventListener('click', () => onSelect(f.id));
    list.append(item);
  }
  tickClocks();
  fit(list, overdue.total, { onMore: () => onDrill({ title: t('overdue_list'), filter: { overdue: 'true', open: 'true' } }) });
}

function renderTriage(triage, onSelect, onDrill) {
  const list = document.getElementById('triage');
  if (!list || !triage) return;
  document.getElementById('triage-total').textContent = String(triage.total);
  list.replaceChildren();
  for (const f of triage.items) {
    const p = f.properties;
    const item = el('li');
    item.dataset.code = p.code;
    item.append(`${when(p.reported_at, 'short')} ${pick(p.category_name)} · ${p.address || placeName(p)} `, code(p.code));
    item.addEventListener('click', () => onSelect(f.id));
    list.append(item);
  }
  fit(list, triage.total, { onMore: () => onDrill({ title: t('triage_queue'), filter: { triage: 'true', status: 'reported' } }) });
}

// A line of a list that needs two: the case, and under it who and why, in full on hover.
function twoLines(head, sub) {
  const item = el('li', 'two-line');
  item.append(head, el('div', 'sub', sub));
  item.title = sub;
  return item;
}

const why = (reason, note) => (note ? tf('reason_with_note', { reason, note }) : reason);
const who = (department, by) => [pick(department), actorName(by)].filter(Boolean).join(' ');

// 挂起 / 延期 asked for by a department or a worker: what, until when, by whom, why, and how long
// it has waited (a running clock); the case's card approves or refuses it.
function requestItem(r, onSelect) {
  const head = el('div', 'line');
  head.append(el('span', 'waited'), el('span', `tag ask ${r.kind}`, t(`request_tag_${r.kind}`)),
              `${pick(r.category_name)} · ${r.address || placeName(r)} `, code(r.code));
  const asked = r.kind === 'extend' ? tf('request_kind_extend', { until: dueAt(r.until) }) : '';
  const item = twoLines(head, [asked, who(r.department, r.by), why(t(`request_reason_${r.reason}`), r.note)]
    .filter(Boolean).join(' · '));
  Object.assign(item.dataset, { code: r.code, id: String(r.id), kind: r.kind, since: r.asked_at });
  item.addEventListener('click', () => onSelect(r.id));
  return item;
}

function renderRequests(requests, onSelect, onDrill) {
  const list = document.getElementById('requests');
  if (!list || !requests) return;
  document.getElementById('requests-total').textContent = String(requests.total);
  list.replaceChildren(...requests.items.map((r) => requestItem(r, onSelect)));
  tickClocks();
  fit(list, requests.total, { onMore: () => onDrill({
    title: t('requests_list'), total: requests.total, items: requests.items.map((r) => requestItem(r, onSelect)) }) });
}

// A case a department sent back (退回) for the dispatcher to send on: which department, who,
// why in their words, and how long it has waited since (a running clock; the moment on hover).
function returnedItem(f, onSelect) {
  const p = f.properties;
  const r = p.returned;
  const head = el('div', 'line');
  if (r) head.append(el('span', 'waited'));
  head.append(el('span', 'tag returned', t('returned_tag')), `${pick(p.category_name)} · ${p.address || placeName(p)} `, code(p.code));
  const item = twoLines(head, r ? [who(r.department, r.by), why(r.reason ? t(`dept_reason_${r.reason}`) : '', r.note)]
    .filter(Boolean).join(' · ') : '');
  if (r) {
    item.dataset.since = r.at;
    item.title = `${item.title}\n${tf('returned_at', { at: when(r.at, 'short') })}`;
  }
  item.dataset.code = p.code;
  item.addEventListener('click', () => onSelect(f.id));
  return item;
}

function renderReturned(returned, onSelect, onDrill) {
  const list = document.getElementById('returned');
  if (!list || !returned) return;
  list.closest('section').hidden = !returned.total;
  document.getElementById('returned-total').textContent = String(returned.total);
  list.replaceChildren(...returned.items.map((f) => returnedItem(f, onSelect)));
  tickClocks();
  if (returned.total) fit(list, returned.total, { onMore: () => onDrill({
    title: t('returned_list'), total: returned.total, items: returned.items.map((f) => returnedItem(f, onSelect)) }) });
}

// Each department's queue: open tasks, overdue among them; a click lists its cases.
function departmentItem(d, onDrill) {
  const item = el('li');
  item.dataset.department = d.code;
  item.append(`${pick(d.name)} · ${tf('dept_queue', { n: d.open })}`);
  if (d.overdue) item.append(' ', el('span', 'tag late', tf('dept_queue_late', { n: d.overdue })));
  item.addEventListener('click', () => onDrill({ title: pick(d.name), filter: { department: d.code, open: 'true' } }));
  return item;
}

function renderDepartments(departments, onDrill) {
  const list = document.getElementById('departments');
  if (!list || !departments) return;
  const busiest = [...departments].sort((a, b) => b.overdue - a.overdue || b.open - a.open);
  list.replaceChildren(...busiest.map((d) => departmentItem(d, onDrill)));
  fit(list, busiest.length, { onMore: () => onDrill({
    title: t('departments_queue'), items: busiest.map((d) => departmentItem(d, onDrill)) }) });
}

// Every second: how late each overdue incident is, counted from its missed deadline; how long
// each request and returned case has waited; the clock.
export function tickClocks() {
  const now = Date.now();
  for (const item of document.querySelectorAll('#overdue li[data-due]')) {
    const late = (now - Date.parse(item.dataset.due)) / 1000;
    item.firstChild.textContent = lateWords(late);
  }
  for (const item of document.querySelectorAll('li[data-since]')) {
    item.querySelector('.waited').textContent = tf('waited_for', { t: lateWords((now - Date.parse(item.dataset.since)) / 1000) });
  }
  const clock = document.getElementById('clock');
  if (clock) clock.textContent = when(now);
}

function renderRanking(ranking, period, onDrill, listId = 'ranking') {
  const list = document.getElementById(listId);
  list.replaceChildren();
  for (const r of ranking) {
    const item = el('li');
    item.dataset.grid = r.code;
    // the grid's incidents of the period behind its figures
    item.addEventListener('click', () => onDrill({
      title: pick({ zh: r.name_zh, en: r.name_en }) || r.code,
      filter: { grid: r.code, since: period.start, until: period.end, merged: 'false' } }));
    // no stars: too few cases with a known outcome to rate (AssessmentRules.min_incidents), not
    // zero stars — "无" beside the first in the ranking read as the worst mark
    const stars = r.stars ? '★'.repeat(r.stars) : t('stars_unrated');
    const onTime = r.on_time_rate === null ? '–' : `${Math.round(r.on_time_rate * 100)}%`;
    // satisfaction with how many rated it beside it: one rating is not a grid's mood
    const satisfied = r.rated ? ` · ${tf('rank_satisfaction', { s: r.satisfaction.toFixed(1), n: r.rated })}` : '';
    item.append(el('span', 'stars', stars), `${r.rank}. ${pick({ zh: r.name_zh, en: r.name_en }) || r.code} · ${onTime}${satisfied} · ${tf('rank_incidents', { n: r.incidents })}`);
    item.title = item.textContent;
    list.append(item);
  }
  fit(list, ranking.length);
}

// Who did it, in words: a person by name, else what kind of actor (the clock, the intake…).
export function actorName(by) {
  if (!by) return '';
  if (by.kind === 'person') return pick(by);
  return by.kind === 'role' ? t(`role_${by.role}`) : t(`actor_${by.kind}`);
}

// "08:03:12 张军 受理了 路面油污 E20261125-000123 · 和平社区第1网格"
export function sentence(event) {
  const i = event.incident;
  const parts = [actorName(event.by), t(`did_${event.action}`), pick(i.category_name) || i.category];
  if (['assign', 'transfer'].includes(event.action) && i.department) parts.push(`→ ${pick(i.department)}`);
  else if (event.action === 'assign' && i.assignee) parts.push(`→ ${pick(i.assignee)}`);
  else if (event.action === 'assign' || event.action === 'escalate') parts.push(`→ ${t(`level_${i.level}`)}`);
  return parts.filter(Boolean).join(' ');
}

export function addToTicker(event, onSelect, { fresh = true } = {}) {
  const list = document.getElementById('ticker');
  const i = event.incident;
  if (list.querySelector(`li[data-event="${event.event_id}"]`)) return;
  const item = el('li', fresh ? 'fresh' : '');
  item.dataset.code = i.code;
  item.dataset.action = event.action;
  item.dataset.event = event.event_id;
  item.classList.add(`sev-${i.severity}`);
  const place = pick(i.grid_name);
  if (['high', 'critical'].includes(i.severity)) item.append(el('span', 'tag urgent', t('severity_tag')));
  item.append(`${when(event.at, 'time')} ${sentence(event)} `, code(i.code), place ? ` · ${place}` : '');
  item.addEventListener('click', () => onSelect(i.id));
  // newest first; the room shows what fits (a ticker needs no "more")
  list.querySelector('li.more')?.remove();
  list.prepend(item);
  while (list.children.length > TICKER_LENGTH) list.lastChild.remove();
  fit(list, undefined, { counted: false });
}

// workers outside their grid too long on duty (脱岗): the operator calls them
export function renderAlerts(alerts, onSelect) {
  const list = document.getElementById('alerts');
  if (!list) return;
  list.replaceChildren();
  document.getElementById('alerts-total').textContent = String(alerts.length);
  for (const f of alerts) {
    const p = f.properties;
    const item = el('li');
    item.dataset.worker = p.worker;
    const since = (Date.now() - Date.parse(p.outside_since)) / 1000;
    item.append(`${pick(p.name)} · ${t('outside_for')} ${duration(since)} `, code(p.grids.join(', ')));
    item.addEventListener('click', () => onSelect({ worker: p.worker }));
    list.append(item);
  }
  fit(list, alerts.length);
  refit();
}
