// The side panel: today's counts (whole area, then each street and community), the live ticker,
// the overdue list with running clocks, and the month's grid ranking.
import { t, pick, duration } from '../i18n.js';

const TICKER_LENGTH = 60;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function renderSummary(summary, onSelect) {
  for (const [key, value] of Object.entries(summary.today.total)) {
    const tile = document.querySelector(`.tile[data-count="${key}"] .n`);
    if (tile) tile.textContent = String(value);
  }
  const body = document.querySelector('#areas tbody');
  body.replaceChildren();
  for (const [level, areas] of [['street', summary.today.streets], ['community', summary.today.communities]]) {
    for (const a of areas) {
      const row = el('tr', level);
      row.dataset.area = a.code;
      row.append(el('td', '', pick(a.name) || a.code), el('td', '', String(a.reported)),
                 el('td', '', String(a.open)), el('td', '', String(a.overdue)), el('td', '', String(a.closed)));
      body.append(row);
    }
  }
  renderOverdue(summary.overdue, onSelect);
  renderRanking(summary.ranking);
}

function renderOverdue(overdue, onSelect) {
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
    item.append(el('span', 'late'), `${p.code} ${pick(p.category_name)} · ${p.grid || pick(p.street) || ''}`);
    item.addEventListener('click', () => onSelect(f.id));
    list.append(item);
  }
  tickClocks();
}

// Every second: how late each overdue incident is, counted from its missed deadline.
export function tickClocks() {
  const now = Date.now();
  for (const item of document.querySelectorAll('#overdue li')) {
    const late = (now - Date.parse(item.dataset.due)) / 1000;
    item.firstChild.textContent = `${t('late_by')} ${duration(Math.max(0, late))}`;
  }
  const clock = document.getElementById('clock');
  if (clock) clock.textContent = new Date(now).toLocaleString(document.documentElement.lang === 'zh' ? 'zh-CN' : 'en-GB');
}

function renderRanking(ranking) {
  const list = document.getElementById('ranking');
  list.replaceChildren();
  for (const r of ranking) {
    const item = el('li');
    item.dataset.grid = r.code;
    const stars = r.stars ? '★'.repeat(r.stars) : t('none');
    const onTime = r.on_time_rate === null ? '–' : `${Math.round(r.on_time_rate * 100)}%`;
    item.append(el('span', 'stars', stars), `${r.rank}. ${r.code} · ${t('on_time')} ${onTime} · ${r.incidents}`);
    list.append(item);
  }
}

export function addToTicker(event, onSelect) {
  const list = document.getElementById('ticker');
  const item = el('li', 'fresh');
  const i = event.incident;
  item.dataset.code = i.code;
  item.dataset.action = event.action;
  const at = new Date(event.at).toLocaleTimeString(document.documentElement.lang === 'zh' ? 'zh-CN' : 'en-GB');
  item.textContent = `${at} ${i.code} ${t(`action_${event.action}`)} → ${t(`status_${event.to || i.status}`)}${i.grid ? ` · ${i.grid}` : ''}`;
  item.addEventListener('click', () => onSelect(i.id));
  list.prepend(item);
  while (list.children.length > TICKER_LENGTH) list.lastChild.remove();
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
    item.textContent = `${pick(p.name)} (${p.worker}) · ${p.grids.join(', ')} · ${t('outside_for')} ${duration(since)}`;
    item.addEventListener('click', () => onSelect({ worker: p.worker }));
    list.append(item);
  }
}
