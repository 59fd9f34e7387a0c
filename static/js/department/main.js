// A department's list (协同): the cases it leads or helps with, nearest deadline first. A case
// opens to its words, photos, history and the steps this person may take — the server says
// which (`allowed`), and checks each one again.
import { t, tf, pick, when, dueAt, spanWords, lang, translatePage, switchLanguage, setTimeZone } from '../i18n.js';
import { getJson, postJson } from '../http.js';
import { caseMap } from './casemap.js';
import { showPhoto } from './viewer.js';

const body = document.body;
const mine = body.dataset.department;
const departments = JSON.parse(body.dataset.departments);
setTimeZone(body.dataset.timezone);
const list = document.getElementById('cases');
const message = document.getElementById('message');
const search = document.getElementById('search');
let filter = 'open';
const opened = new Set();
const mapped = new Set();         // the cases whose map is open: kept open when the list is redrawn
const LIVE = ['reported', 'assigned', 'accepted', 'in_progress', 'reopened', 'escalated'];
const URGENT = ['high', 'critical'];

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

// The department's own part is over (transferred, returned, done or ended): the case is not
// work to do for it, whatever state the case itself is in now.
function endedForUs(p) {
  const task = p.own_task;
  return task && !['open', 'accepted'].includes(task.status) ? task.status : null;
}

function dueLine(p, ended) {
  const due = el('div', null, 'due');
  if (ended || !LIVE.includes(p.status)) {
    due.textContent = t(`status_${p.status}`);
    return due;
  }
  // not yet taken on: the limit to respond comes first (the list is in that order too)
  const answering = !p.responded_at;
  const [label, limit, left] = answering ? ['respond_by', p.due_respond_at, p.respond_remaining_s]
    : ['resolve_by', p.due_resolve_at, p.resolve_remaining_s];
  // late from the first limit it missed, and that limit shown (which one it was, the clock's
  // record does not say): escalation gives the case fresh limits, and "limit 02:59 · 3 min
  // overdue" would not add up
  const missed = p.overdue && p.overdue_from ? p.overdue_from : null;
  due.append(missed ? `${t('dept_limit')} ${dueAt(missed)}` : `${t(label)} ${dueAt(limit)}`);
  const late = missed ? (Date.now() - Date.parse(missed)) / 1000 : left !== null && left < 0 ? -left : null;
  if (late !== null) due.append(' · ', el('strong', tf('dept_overdue_by', { span: spanWords(late) })));
  else if (p.overdue) due.append(' · ', el('strong', t('dept_late')));
  else if (left !== null) due.append(` · ${tf('dept_left', { span: spanWords(left) })}`);
  return due;
}

// The answer to the latest request to suspend or extend, on the case itself: waiting, approved
// (an extension with its new limit) or refused (with the command center's reason).
function requestBadge(p) {
  const r = p.last_request;
  if (!r || (r.kind === 'suspend' && r.status === 'approved' && !p.suspended_since)) return null;  // resumed since
  let words = tf(`dept_request_${r.status}`, { kind: t(`dept_kind_${r.kind}`) });
  if (r.status === 'approved' && r.until) words += ` → ${dueAt(r.until)}`;
  if (r.status === 'refused' && r.note) words = tf('reason_with_note', { reason: words, note: r.note });
  const badge = el('span', words, `badge request ${r.status}`);
  badge.title = `${t(`request_reason_${r.reason}`)}${r.decided_at ? ` · ${when(r.decided_at, 'short')}` : ''}`;
  return badge;
}

function placeWords(p) {
  return [p.address, pick(p.grid_name) || p.grid, pick(p.community), pick(p.street)].filter(Boolean).join(' · ');
}

function card(feature) {
  const p = feature.properties;
  const role = myRole(p);
  const item = el('li', null, 'case');
  item.dataset.code = p.code;
  item.dataset.id = feature.id;
  item.dataset.status = p.status;
  const ended = endedForUs(p);
  item.dataset.overdue = String(Boolean(p.overdue) && !ended);
  if (role) item.dataset.role = role;
  if (ended) {
    item.dataset.ended = ended;
    item.title = t('dept_ended');
  }
  const summary = el('div', null, 'summary');
  summary.tabIndex = 0;
  summary.setAttribute('role', 'button');
  const what = el('div', pick(p.category_name) || p.category, 'what');
  what.append(el('span', p.code, 'code'));
  const badges = el('div', null, 'badges');
  if (ended) badges.append(el('span', t(`dept_task_${ended}`), 'badge ended'));
  if (URGENT.includes(p.severity) && !ended) {
    const urgent = el('span', t('severity_tag'), `badge urgent ${p.severity}`);
    urgent.title = tf('dept_urgency', { level: t(`severity_${p.severity}`) });
    badges.append(urgent);
  }
  badges.append(el('span', t(`status_${p.status}`), 'badge'));
  if (role) badges.append(el('span', t(`dept_role_${role}`), `badge role-${role}`));
  if (p.overdue && !ended) badges.append(el('span', t('dept_late'), 'badge late'));
  const request = requestBadge(p);
  if (p.suspended_since && !(request && p.last_request.kind === 'suspend')) badges.append(el('span', t('suspended_now'), 'badge'));
  if (request) badges.append(request);
  if (p.extensions) badges.append(el('span', tf('extensions_n', { n: p.extensions }), 'badge'));
  const where = el('div', placeWords(p), 'where');
  summary.append(what, badges, where, dueLine(p, ended));
  const toggle = () => (opened.has(p.code) ? close(item, p.code) : open(item, feature.id));
  summary.addEventListener('click', toggle);
  summary.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); } });
  item.append(summary);
  return item;
}

// a map taken off the page is removed too, or it keeps listening to the window
function dropMaps(root) {
  for (const element of root.querySelectorAll('.casemap')) element.leaflet?.remove();
}

function close(item, code) {
  opened.delete(code);
  dropMaps(item);
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
  dropMaps(item);
  item.querySelector('.detail')?.remove();
  const box = el('div', null, 'detail');
  box.append(el('p', p.description, 'description'));
  box.append(place(detail));
  if (p.photos.length) {
    const photos = el('div', null, 'photos');
    for (const photo of p.photos) {
      const src = `/api/v1/photos/${photo}`;
      const button = el('button', null, 'photo');
      button.type = 'button';
      button.title = t('dept_photo_open');
      button.append(Object.assign(el('img'), { src, alt: t('dept_photo'), loading: 'lazy' }));
      button.addEventListener('click', () => showPhoto(src, button));
      photos.append(button);
    }
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
  if (mapped.has(p.code)) showMap(box, detail);
}

// The case on a map, on demand (its place in names is in the summary above).
function place(detail) {
  const p = detail.properties;
  const row = el('div', null, 'place');
  const toggle = el('button', t('dept_on_map'), 'on-map');
  toggle.type = 'button';
  toggle.setAttribute('aria-expanded', 'false');
  toggle.addEventListener('click', () => {
    const box = row.closest('.detail');
    if (mapped.has(p.code)) {
      mapped.delete(p.code);
      dropMaps(box);
      box.querySelector('.casemap')?.remove();
      toggle.textContent = t('dept_on_map');
      toggle.setAttribute('aria-expanded', 'false');
    } else {
      mapped.add(p.code);
      showMap(box, detail);
    }
  });
  row.append(toggle);
  return row;
}

function showMap(box, detail) {
  const row = box.querySelector('.place');
  const toggle = row.querySelector('.on-map');
  toggle.textContent = t('dept_off_map');
  toggle.setAttribute('aria-expanded', 'true');
  const element = el('div', null, 'casemap');
  element.setAttribute('aria-label', t('dept_case_here'));
  row.after(element);
  caseMap(element, detail);
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
    const typed = Object.fromEntries(new FormData(form));
    try {
      await postJson(`/api/v1/incidents/${detail.id}/events`, sent,
                     { 'If-Match': `"v${detail.properties.version}"` });
      say(tf('dept_done', { step: t(`action_${step.action}`), code: detail.properties.code }));
      await load();           // the case stays open for its next step, if it is still ours
    } catch (failure) {
      if (failure.status === 412) {
        await again(detail.properties.code, step, typed, failure.message);
        return;
      }
      error.textContent = failure.message;
      submit.disabled = false;
    }
  };
  note.focus();
}

// Someone else acted on the case first: it is read again at once, and the step is offered again
// with what was typed, beside the server's words, for the clerk to check and send.
async function again(code, step, typed, words) {
  await load();
  const item = list.querySelector(`li[data-code="${code}"]`);
  const button = item?.querySelector(`.actions button[data-action="${step.action}"]`);
  if (!button) {
    say(words, 'error');
    return;
  }
  button.click();
  const form = item.querySelector('form.step');
  for (const [name, value] of Object.entries(typed)) {
    if (form.elements[name]) form.elements[name].value = value;
  }
  const notice = form.querySelector('.error');
  notice.textContent = words;
  notice.dataset.kind = 'stale';
}

async function load() {
  list.setAttribute('aria-busy', 'true');
  try {
    const [found] = await Promise.all([getJson(`/api/v1/incidents?${query(filter)}`), counts()]);
    const items = found.features.map(card);
    dropMaps(list);
    list.replaceChildren(...items);
    document.getElementById('empty').hidden = items.length > 0;
    await Promise.all(items.filter((item) => opened.has(item.dataset.code)).map((item) => open(item, item.dataset.id)));
  } catch (error) {
    say(error.message, 'error');
  }
  list.setAttribute('aria-busy', 'false');
  // the file in the page's language, whatever the browser's
  document.getElementById('export').href = `/api/v1/incidents?${query(filter)}&format=csv&limit=50000&lang=${lang}`;
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
