// A department's list (协同): the cases it leads or helps with, nearest deadline first. A case
// opens to its words, photos, history and the steps this person may take — the server says
// which (`allowed`), and checks each one again.
import { t, tf, pick, when, dueAt, duration, lang, translatePage, switchLanguage, setTimeZone } from '../i18n.js';
import { getJson, postJson } from '../http.js';

const body = document.body;
const mine = body.dataset.department;
const departments = JSON.parse(body.dataset.departments);
setTimeZone(body.dataset.timezone);
const list = document.getElementById('cases');
const message = document.getElementById('message');
const search = document.getElementById('search');
let filter = 'open';
const opened = new Set();

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function say(words, kind = 'info') {
  message.textContent = words;
  message.dataset.kind = kind;
  message.hidden = !words;
}

function query(which) {
  const params = new URLSearchParams({ department: mine, order: 'deadline', limit: '200' });
  if (which === 'open' || which === 'overdue') params.set('open', 'true');
  if (which === 'overdue') params.set('overdue', 'true');
  if (which === 'all') { params.delete('department'); params.set('order', 'reported'); }
  if (search.value.trim()) params.set('q', search.value.trim());
  return params;
}

function header() {
  const name = document.getElementById('my-department');
  name.textContent = lang === 'zh' ? name.dataset.zh : name.dataset.en;
  translatePage('dept_title');
}

async function counts() {
  const [open, late] = await Promise.all([
    getJson(`/api/v1/incidents?${new URLSearchParams({ department: mine, open: 'true', limit: '1' })}`),
    getJson(`/api/v1/incidents?${new URLSearchParams({ department: mine, open: 'true', overdue: 'true', limit: '1' })}`)]);
  document.getElementById('count-open').textContent = open.numberMatched;
  document.getElementById('count-overdue').textContent = late.numberMatched || '';
}

function myRole(p) {
  // the lead is on the case itself; a helper's part is in its list of helpers
  if (p.department?.code === mine) return 'lead';
  if ((p.helpers || []).includes(mine)) return 'helper';
  return null;
}

function dueLine(p) {
  const due = el('div', null, 'due');
  if (!['reported', 'assigned', 'accepted', 'in_progress', 'reopened', 'escalated'].includes(p.status)) {
    due.textContent = t(`status_${p.status}`);
    return due;
  }
  // not yet taken on: the limit to respond comes first (the list is in that order too)
  const answering = !p.responded_at;
  const [label, at, left] = answering ? ['respond_by', p.due_respond_at, p.respond_remaining_s]
    : ['resolve_by', p.due_resolve_at, p.resolve_remaining_s];
  due.append(`${t(label)} ${dueAt(at)}`);
  if (p.overdue) due.append(' ', el('strong', t('dept_late')));
  else if (left !== null) due.append(` · ${t('left')} ${duration(left)}`);
  return due;
}

function card(feature) {
  const p = feature.properties;
  const role = myRole(p);
  const item = el('li', null, 'case');
  item.dataset.code = p.code;
  item.dataset.id = feature.id;
  item.dataset.status = p.status;
  item.dataset.overdue = String(Boolean(p.overdue));
  if (role) item.dataset.role = role;
  const summary = el('div', null, 'summary');
  summary.tabIndex = 0;
  summary.setAttribute('role', 'button');
  const what = el('div', pick(p.category_name) || p.category, 'what');
  what.append(el('span', p.code, 'code'));
  const badges = el('div', null, 'badges');
  badges.append(el('span', t(`status_${p.status}`), 'badge'));
  if (role) badges.append(el('span', t(`dept_role_${role}`), `badge role-${role}`));
  if (p.overdue) badges.append(el('span', t('dept_late'), 'badge late'));
  if (p.suspended_since) badges.append(el('span', t('suspended_now'), 'badge'));
  if (p.pending_request) badges.append(el('span', t(`action_ask_${p.pending_request.kind}`), 'badge'));
  if (p.extensions) badges.append(el('span', tf('extensions_n', { n: p.extensions }), 'badge'));
  const where = el('div', [p.address, pick(p.community), pick(p.street)].filter(Boolean).join(' · '), 'where');
  summary.append(what, badges, where, dueLine(p));
  const toggle = () => (opened.has(p.code) ? close(item, p.code) : open(item, feature.id));
  summary.addEventListener('click', toggle);
  summary.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); } });
  item.append(summary);
  return item;
}

function close(item, code) {
  opened.delete(code);
  item.querySelector('.detail')?.remove();
}

function historyLine(e) {
  const who = !e.by ? e.actor : e.by.kind === 'person' ? pick(e.by)
    : e.by.kind === 'role' ? t(`role_${e.by.role}`) : t(`actor_${e.by.kind}`);
  const to = e.to_department ? ` → ${pick(e.to_department)}` : e.to_worker ? ` → ${pick(e.to_worker)}` : '';
  const reasonKey = e.data?.kind ? `request_reason_${e.data.reason}` : `dept_reason_${e.data?.reason}`;
  const reason = e.data?.reason ? ` [${t(reasonKey)}${e.data.until ? ` → ${dueAt(e.data.until)}` : ''}]` : '';
  return `${when(e.at, 'short')} ${who || ''} ${t(`action_${e.action}`)}${to}${reason}${e.note ? `：${e.note}` : ''}`;
}

async function open(item, id) {
  let detail;
  try {
    detail = await getJson(`/api/v1/incidents/${id}`);
  } catch (error) {
    say(error.message, 'error');
    return;
  }
  const p = detail.properties;
  opened.add(p.code);
  item.querySelector('.detail')?.remove();
  const box = el('div', null, 'detail');
  box.append(el('p', p.description, 'description'));
  if (p.photos.length) {
    const photos = el('div', null, 'photos');
    for (const photo of p.photos) photos.append(Object.assign(el('img'), { src: `/api/v1/photos/${photo}`, alt: t('dept_photo'), loading: 'lazy' }));
    box.append(photos);
  }
  if (p.tasks?.length) {
    box.append(el('h3', t('dept_tasks')));
    const tasks = el('ul', null, 'tasks');
    for (const task of p.tasks) {
      tasks.append(el('li', `${pick(task.department_name)} · ${t(`dept_role_${task.role}`)} · ${t(`dept_task_${task.status}`)}`));
    }
    box.append(tasks);
  }
  box.append(el('h3', t('history')));
  const history = el('ol', null, 'history');
  for (const e of p.history) history.append(el('li', historyLine(e)));
  box.append(history);
  box.append(actions(detail));
  item.append(box);
}

const NEEDS = { transfer: ['department'], return: ['reason'], ask_suspend: ['request_reason'],
  ask_extend: ['request_reason', 'until'] };

function choice(name, label, options) {
  const select = el('select');
  select.name = name;
  select.append(Object.assign(el('option', t('dept_choose')), { value: '' }));
  for (const [value, words] of options) select.append(Object.assign(el('option', words), { value }));
  const wrap = el('label', label);
  wrap.append(select);
  return wrap;
}

function actions(detail) {
  const wrap = el('div');
  const bar = el('div', null, 'actions');
  const form = el('form', null, 'step');
  form.hidden = true;
  for (const step of detail.properties.allowed) {
    const button = el('button', t(`action_${step.action}`));
    button.type = 'button';
    button.dataset.action = step.action;
    button.addEventListener('click', () => {
      for (const b of bar.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === button));
      fill(form, detail, step);
    });
    bar.append(button);
  }
  wrap.append(bar, form);
  return wrap;
}

function fill(form, detail, step) {
  form.replaceChildren();
  form.hidden = false;
  form.dataset.action = step.action;
  const needs = NEEDS[step.action] || [];
  if (needs.includes('department')) {
    form.append(choice('department', t('dept_to'), departments.filter((d) => d.code !== mine).map((d) => [d.code, pick(d.name)])));
  }
  if (needs.includes('reason')) {
    form.append(choice('reason', t('dept_reason'), ['not_ours', 'wrong_place', 'duplicate'].map((r) => [r, t(`dept_reason_${r}`)])));
  }
  if (needs.includes('request_reason')) {
    form.append(choice('request_reason', t('why_pause_label'),
      ['resident', 'parts', 'weather', 'other'].map((r) => [r, t(`request_reason_${r}`)])));
  }
  if (needs.includes('until')) {
    const until = Object.assign(el('input'), { type: 'datetime-local', name: 'until' });
    const label = el('label', t('dept_until'));
    label.append(until);
    form.append(label);
  }
  const note = el('textarea');
  note.name = 'note';
  note.rows = 2;
  const noteLabel = el('label', step.note_required ? t('dept_note_needed') : t('dept_note'));
  noteLabel.append(note);
  form.append(noteLabel);
  const error = el('p', null, 'error');
  const submit = el('button', t('submit'));
  submit.type = 'submit';
  form.append(error, submit);
  form.onsubmit = async (e) => {
    e.preventDefault();
    const sent = { action: step.action, note: note.value.trim() || undefined };
    const missing = { department: 'dept_need_department', reason: 'dept_need_reason', request_reason: 'why_pause',
      until: 'dept_need_until' };
    for (const name of Object.keys(missing)) {
      const field = form.elements[name];
      if (!field) continue;
      if (!field.value) { error.textContent = t(missing[name]); return; }
      // the new limit is read in the city's time (the server's rule for a time without an offset)
      sent[name === 'request_reason' ? 'reason' : name] = field.value;
    }
    if (step.note_required && !sent.note) { error.textContent = t('dept_need_note'); return; }
    submit.disabled = true;
    try {
      await postJson(`/api/v1/incidents/${detail.id}/events`, sent,
                     { 'If-Match': `"v${detail.properties.version}"` });
      say(tf('dept_done', { step: t(`action_${step.action}`), code: detail.properties.code }));
      await load();           // the case stays open for its next step, if it is still ours
    } catch (failure) {
      error.textContent = failure.message;
      submit.disabled = false;
      // someone else acted first: the case is read again (what was typed stays in the message)
      if (failure.status === 412) setTimeout(load, 2500);
    }
  };
  note.focus();
}

async function load() {
  list.setAttribute('aria-busy', 'true');
  try {
    const [found] = await Promise.all([getJson(`/api/v1/incidents?${query(filter)}`), counts()]);
    const items = found.features.map(card);
    list.replaceChildren(...items);
    document.getElementById('empty').hidden = items.length > 0;
    await Promise.all(items.filter((item) => opened.has(item.dataset.code)).map((item) => open(item, item.dataset.id)));
  } catch (error) {
    say(error.message, 'error');
  }
  list.setAttribute('aria-busy', 'false');
  document.getElementById('export').href = `/api/v1/incidents?${query(filter)}&format=csv&limit=50000`;
}

for (const button of document.querySelectorAll('.filters button')) {
  button.addEventListener('click', () => {
    filter = button.dataset.filter;
    for (const b of document.querySelectorAll('.filters button')) b.setAttribute('aria-selected', String(b === button));
    load();
  });
}
let typing = null;
search.addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(load, 300); });
document.getElementById('refresh').addEventListener('click', () => { say(''); load(); });
document.getElementById('lang').addEventListener('click', () => { switchLanguage(); header(); load(); });
// a case given to the department while the page is open shows within the minute — but not
// while someone is filling in a step: the list would be redrawn under what they are typing
setInterval(() => {
  if (!document.hidden && !list.querySelector('form.step:not([hidden])')) load();
}, 60_000);

header();
load();
window.gridmapDepartment = { load };
