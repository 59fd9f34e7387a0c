// My tasks, with the steps a grid worker takes: accept, start, resolve (note and photo),
// request help (escalate), and answer the command center. Each step goes through the outbox,
// and the task shows it as waiting until it is delivered. The live stream brings tasks the
// moment they are dispatched and takes away the ones given to someone else; a task keeps its
// place in the list while the worker works on it. The last list read is kept for a reload
// offline.
import { t, pick, duration, dueAt } from '../i18n.js';
import { shrink } from './photos.js';

const CACHE = 'gridmap.tasks.v2';
const NEXT = {
  assigned: ['accept', 'escalate'], reopened: ['accept', 'escalate'], escalated: ['accept'],
  accepted: ['start', 'resolve', 'ask_suspend', 'escalate'], in_progress: ['resolve', 'ask_suspend', 'escalate'],
};
// asking to suspend (挂起) says why; the command center decides, the task stays mine meanwhile
const REASONS = ['resident', 'parts', 'weather', 'other'];
const AFTER = { accept: 'accepted', start: 'in_progress', resolve: 'resolved', escalate: 'escalated' };
const OPEN = new Set(Object.keys(NEXT));
// why a task left my list, when someone else took the step
const TAKEN = { assign: 'taken_reassigned', escalate: 'taken_escalated', merge: 'taken_merged', reject: 'taken_rejected',
                resolve: 'taken_resolved', verify: 'taken_closed' };
const MAX_DETAILS = 40;        // tasks whose conversation is read on a reload

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function clock(iso) {
  const at = new Date(iso);
  return at.toLocaleTimeString(document.documentElement.lang === 'zh' ? 'zh-CN' : 'en-GB', { hour: '2-digit', minute: '2-digit' });
}

export function taskList({ element, empty, outbox, notices, alerts, me, onFocus, onFresh, onRender = () => {} }) {
  const saved = JSON.parse(localStorage.getItem(CACHE) || '{}');
  const tasks = new Map((saved.tasks || []).map((task) => [task.id, task]));
  let order = saved.order || [...tasks.keys()];
  const fresh = new Set(saved.fresh || []);          // not looked at yet
  const talk = new Map(saved.talk || []);            // incident id → [{at, actor, note}]
  let waiting = new Map();                           // incident id → [{label, action} of queued steps]
  let loaded = false;
  const mine = (actor) => actor === `user:${me.user}`;
  // what people said on a task: comments, and why a person (not the intake) sent it to me
  const said = (e, assignee) => e.action === 'comment'
    || (e.action === 'assign' && e.actor.startsWith('user:') && assignee === me.workerId);

  function save() {
    localStorage.setItem(CACHE, JSON.stringify({ tasks: [...tasks.values()], order, fresh: [...fresh], talk: [...talk] }));
    onFresh(fresh.size);
  }

  // the list as the server has it; tasks already shown keep their place, new ones go on top
  async function load() {
    let features;
    try {
      const response = await fetch('/api/v1/incidents?assignee=me&open=true&order=deadline&limit=200',
                                   { headers: { 'Accept-Language': document.documentElement.lang } });
      if (!response.ok) return false;
      features = (await response.json()).features;
    } catch {
      render();                 // offline: the list read last time
      return false;
    }
    const known = new Set(order);
    const arrived = features.filter((f) => !known.has(f.id)).map((f) => f.id);
    if (loaded || order.length) for (const id of arrived) fresh.add(id);
    tasks.clear();
    for (const f of features) tasks.set(f.id, f);
    order = [...arrived, ...order.filter((id) => tasks.has(id))];
    for (const id of [...fresh]) if (!tasks.has(id)) fresh.delete(id);
    loaded = true;
    save();
    render();
    readTalk(order.slice(0, MAX_DETAILS));
    return true;
  }

  // what the command center said on each task (and what I answered)
  async function readTalk(ids) {
    await Promise.all(ids.map(async (id) => {
      try {
        const response = await fetch(`/api/v1/incidents/${id}`);
        if (!response.ok) return;
        const detail = await response.json();
        talk.set(id, detail.properties.history.filter((e) => e.note && said(e, e.data?.assignee_id))
          .map((e) => ({ at: e.at, actor: e.actor, note: e.note })));
      } catch { /* offline: what was read before */ }
    }));
    save();
    render();
  }

  function taskFrom(event) {
    const i = event.incident;
    const old = tasks.get(i.id);
    const properties = {
      ...(old?.properties || {}), code: i.code, status: i.status, level: i.level, category: i.category,
      severity: i.severity, description: i.description ?? old?.properties.description, due_respond_at: i.due_respond_at,
      due_resolve_at: i.due_resolve_at, grid: i.grid,
    };
    if (!old) properties.category_name = categoryName(i.category);
    return { type: 'Feature', id: i.id, geometry: { type: 'Point', coordinates: [i.lon, i.lat] }, properties };
  }

  let categories = {};
  function categoryName(code) { return categories[code] || { zh: code, en: code }; }

  // one event of the live stream (app/services/live/stream.py), for any incident I may see
  function heard(event) {
    if (event.type !== 'incident') return;
    const i = event.incident;
    const had = tasks.has(i.id);
    const forMe = i.assignee_id === me.workerId && OPEN.has(i.status);
    if (!forMe) {
      if (!had) return;
      tasks.delete(i.id);
      order = order.filter((x) => x !== i.id);
      fresh.delete(i.id);
      if (!mine(event.actor)) {
        // a reassignment's note is written to the new assignee: not repeated to the old one
        // the system's reasons come in both languages (escalated for lateness…)
        const why = event.note || pick(event.said);
        const note = why && event.action !== 'assign' ? `${t('colon')}${why}` : '';
        notices.show(`${i.code} · ${t(TAKEN[event.action] || 'taken_other')}${note}`, 'info');
      }
      save();
      render();
      return;
    }
    const task = taskFrom(event);
    tasks.set(i.id, task);
    if (event.note && said(event, i.assignee_id)) {
      const said = talk.get(i.id) || [];
      if (!said.some((s) => s.at === event.at && s.note === event.note)) said.push({ at: event.at, actor: event.actor, note: event.note });
      talk.set(i.id, said);
    }
    const news = !had || event.action === 'reopen' || (event.action === 'comment' && !mine(event.actor));
    if (!had) order = [i.id, ...order.filter((x) => x !== i.id)];
    if (news && !mine(event.actor)) {
      fresh.add(i.id);
      const title = event.action === 'comment' ? t('new_comment') : t('new_task');
      alerts.raise({ title: `${title} · ${i.code}`, body: event.action === 'comment' ? event.note : (i.description || ''), tag: `task-${i.id}` });
      if (event.action === 'comment') notices.show(`${i.code} · ${t('new_comment')}${t('colon')}${event.note}`, 'new');
      else notices.show(`${t('new_task')} · ${i.code}`, 'new');
    }
    save();
    render();
  }

  function setWaiting(items) {
    waiting = new Map();
    for (const item of items) {
      if (item.taskId) waiting.set(item.taskId, [...(waiting.get(item.taskId) || []), { label: item.label, action: item.body?.action }]);
    }
    render();
  }

  async function step(task, action, note, photo, extra = {}) {
    const photoKeys = photo ? [await outbox.add({ photo: await shrink(photo), label: t('photo'), taskId: task.id })] : [];
    await outbox.add({ url: `/api/v1/incidents/${task.id}/events`, body: { action, note: note || undefined, ...extra },
                       photoKeys, label: t({ escalate: 'request_help', comment: 'reply' }[action] || action), taskId: task.id,
                       code: task.properties.code, note });
    fresh.delete(task.id);
    if (action === 'ask_suspend') {
      notices.show(`${task.properties.code} · ${t('suspend_asked')}`, 'info');
    } else if (action === 'comment') {
      talk.set(task.id, [...(talk.get(task.id) || []), { at: new Date().toISOString(), actor: `user:${me.user}`, note }]);
    } else {
      task.properties.status = AFTER[action];      // what it will be once delivered
      if (action === 'resolve' || action === 'escalate') {
        tasks.delete(task.id);
        order = order.filter((x) => x !== task.id);
        const done = t(action === 'resolve' ? 'resolved_wait_check' : 'help_requested');
        notices.show(`${task.properties.code} · ${navigator.onLine ? done : `${t(action === 'resolve' ? 'resolve' : 'request_help')} · ${t('queued')}`}`, 'info');
      }
    }
    save();
    render();
  }

  function talkList(id) {
    const said = talk.get(id);
    if (!said?.length) return null;
    const list = el('ul', null, 'talk');
    for (const s of said.slice(-4)) {
      const who = mine(s.actor) ? t('me_said') : t('center_said');
      const line = el('li', null, mine(s.actor) ? 'mine' : 'theirs');
      line.append(el('span', `${who} ${clock(s.at)}`, 'who'), el('span', s.note, 'what'));
      list.append(line);
    }
    return list;
  }

  let open = null;      // {id, action, form}: the note form that is open, the same element
                        // across renders, so what the worker is typing stays

  function dueText(p) {
    const due = Date.parse(p.responded_at || !p.due_respond_at ? p.due_resolve_at : p.due_respond_at);
    const left = (due - Date.now()) / 1000;
    if (!Number.isFinite(left)) return null;
    const which = t(p.responded_at || !p.due_respond_at ? 'resolve_limit' : 'respond_limit');
    return { text: `${which} ${dueAt(due)} · ${left < 0 ? `${t('overdue_by')} ${duration(-left)}` : `${t('due_in')} ${duration(left)}`}`, late: left < 0 };
  }

  function render() {
    const scrolled = element.parentElement.scrollTop;
    const focused = open?.form.contains(document.activeElement) ? document.activeElement : null;
    element.replaceChildren();
    empty.hidden = order.length > 0;
    let number = 0;
    for (const id of order) {
      const task = tasks.get(id);
      if (!task) continue;
      number += 1;
      const p = task.properties;
      const item = el('li', null, 'task');
      item.dataset.code = p.code;
      item.dataset.id = String(id);
      item.dataset.status = p.status;
      if (fresh.has(id)) item.dataset.fresh = 'true';
      const head = el('div', null, 'head');
      head.append(el('span', String(number), 'pin-number'));
      if (fresh.has(id)) head.append(el('span', t('new_mark'), 'new'));
      // paused, or a pause waiting for the command center: said beside the status
      const pause = p.suspended_since ? ` · ${t('suspended_now')}` : p.pending_request ? ` · ${t('pending_request')}` : '';
      head.append(el('strong', `${pick(p.category_name)} `), el('small', p.code, 'code'), el('span', `${t(`status_${p.status}`)}${pause}`, 'status'));
      item.append(head, el('p', p.description));
      const due = dueText(p);
      if (due) item.append(el('span', due.text, due.late ? 'due late' : 'due'));
      const said = talkList(id);
      if (said) item.append(said);
      const queued = waiting.get(id) || [];
      for (const { label } of queued) item.append(el('span', `${label} · ${t('queued')}`, 'queued'));
      // a step waiting to be sent is not offered again: the card still shows the server's
      // status until it is delivered, and a second tap would send it twice
      const moving = queued.some(({ action }) => action && action !== 'comment');
      const buttons = el('div', null, 'steps');
      const paused = p.suspended_since || p.pending_request;
      for (const action of [...(moving ? [] : NEXT[p.status] || []).filter((a) => a !== 'ask_suspend' || !paused), 'comment']) {
        const button = el('button', t(action === 'escalate' ? 'request_help' : action === 'comment' ? 'reply' : action));
        button.type = 'button';
        button.dataset.action = action;
        if (['comment', 'escalate', 'ask_suspend'].includes(action)) button.className = 'secondary';
        button.addEventListener('click', () => ask(task, action));
        buttons.append(button);
      }
      item.append(buttons);
      if (open?.id === id) item.append(open.form);
      item.addEventListener('click', (e) => {
        if (e.target.closest('button, form')) return;
        if (fresh.delete(id)) { save(); render(); }
        onFocus(task);
      });
      element.append(item);
    }
    if (open && !tasks.has(open.id)) open = null;       // the task left while I was typing
    onRender(order.map((x) => tasks.get(x)).filter(Boolean));
    element.parentElement.scrollTop = scrolled;
    focused?.focus({ preventScroll: true });
  }

  // the deadlines count down without redrawing the list under the worker's fingers
  function tick() {
    for (const item of element.children) {
      const task = tasks.get(Number(item.dataset.id));
      const span = item.querySelector('.due');
      const due = task && dueText(task.properties);
      if (span && due) {
        span.textContent = due.text;
        span.className = due.late ? 'due late' : 'due';
      }
    }
  }

  // resolve, request help and reply need a note (resolve may carry a photo): asked inline
  function ask(task, action) {
    if (action === 'accept' || action === 'start') { open = null; step(task, action); return; }
    open = { id: task.id, action, form: noteForm(task, action) };
    render();
    const form = element.querySelector(`li[data-code="${task.properties.code}"] form.note`);
    form.scrollIntoView({ block: 'nearest' });
    form.querySelector('textarea').focus({ preventScroll: true });
  }

  function noteForm(task, action) {
    const form = el('form', null, 'note');
    form.dataset.action = action;
    const note = Object.assign(el('textarea'), { name: 'note', rows: 2, placeholder: t(action === 'comment' ? 'reply_placeholder' : 'note') });
    const photo = Object.assign(el('input'), { name: 'photo', type: 'file', accept: 'image/*' });
    photo.setAttribute('capture', 'environment');
    const photoLabel = el('label', null, 'photo-button');
    photoLabel.append(el('span', t('add_photo')), photo);
    photo.addEventListener('change', () => { photoLabel.firstChild.textContent = photo.files?.[0] ? `✓ ${t('photo')}` : t('add_photo'); });
    const send = Object.assign(el('button', t(action === 'comment' ? 'send' : 'submit')), { type: 'submit' });
    const cancel = Object.assign(el('button', t('cancel')), { type: 'button', className: 'secondary' });
    cancel.addEventListener('click', () => { open = null; render(); });
    const error = el('p', '', 'error');
    const row = el('div', null, 'row');
    row.append(...(action === 'resolve' || action === 'comment' ? [photoLabel] : []), cancel, send);
    const reason = el('select');
    reason.name = 'reason';
    reason.append(Object.assign(el('option', t('why_pause')), { value: '' }));
    for (const r of REASONS) reason.append(Object.assign(el('option', t(`request_reason_${r}`)), { value: r }));
    form.append(...(action === 'ask_suspend' ? [reason] : []), note, row, error);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (action === 'ask_suspend' && !reason.value) { error.textContent = t('why_pause'); return; }
      if (!note.value.trim()) { error.textContent = t('need_note'); return; }
      open = null;
      step(task, action, note.value.trim(), photo.files?.[0], action === 'ask_suspend' ? { reason: reason.value } : {});
    });
    return form;
  }

  // the outbox could not deliver a step: the server said why, in the worker's language
  async function refused(item, reason) {
    await load();
    // taken from me while I worked offline: say so, and give back what I wrote
    const gone = item.taskId && !tasks.has(item.taskId);
    const lines = [`${item.code || ''} ${item.label}${t('colon')}${gone ? t('taken_while_offline') : reason}`];
    if (item.note) lines.push(`${t('your_note')}${t('colon')}${item.note}`);
    notices.show(lines.join(' — '), 'error');
  }

  setInterval(tick, 1000);
  return {
    load, render, heard, setWaiting, refused,
    setCategories(list) { categories = Object.fromEntries(list.map((c) => [c.code, c.name])); },
    tasks: () => order.map((id) => tasks.get(id)).filter(Boolean),
  };
}
