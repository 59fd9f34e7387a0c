// My tasks, nearest deadline first, with the steps a grid worker takes: accept, start, resolve
// (note and photo), request help (escalate). Each step goes through the outbox, and the task
// shows it as waiting until it is delivered. The last list read is kept for a reload offline.
import { t, pick, duration } from '../i18n.js';

const CACHE = 'gridmap.tasks';
const NEXT = {
  assigned: ['accept', 'escalate'], reopened: ['accept', 'escalate'], escalated: ['accept'],
  accepted: ['start', 'resolve', 'escalate'], in_progress: ['resolve', 'escalate'],
};
const AFTER = { accept: 'accepted', start: 'in_progress', resolve: 'resolved', escalate: 'escalated' };

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

export function taskList({ element, empty, outbox, onFocus }) {
  let tasks = JSON.parse(localStorage.getItem(CACHE) || '[]');
  let waiting = new Map();        // incident id → [labels of queued steps]

  async function load() {
    try {
      const response = await fetch('/api/v1/incidents?assignee=me&open=true&order=deadline&limit=200');
      if (!response.ok) return;
      tasks = (await response.json()).features;
      localStorage.setItem(CACHE, JSON.stringify(tasks));
    } catch { /* offline: the list read last time */ }
    render();
  }

  function setWaiting(items) {
    waiting = new Map();
    for (const item of items) {
      if (item.taskId) waiting.set(item.taskId, [...(waiting.get(item.taskId) || []), item.label]);
    }
    render();
  }

  async function step(task, action, note, photo) {
    const photoKeys = photo ? [await outbox.add({ photo, label: t('photo'), taskId: task.id })] : [];
    await outbox.add({ url: `/api/v1/incidents/${task.id}/events`, body: { action, note: note || undefined },
                       photoKeys, label: t(action === 'escalate' ? 'request_help' : action), taskId: task.id });
    task.properties.status = AFTER[action];      // what it will be once delivered
    if (action === 'resolve' || action === 'escalate') tasks = tasks.filter((x) => x.id !== task.id);
    localStorage.setItem(CACHE, JSON.stringify(tasks));
    render();
  }

  function render() {
    element.replaceChildren();
    empty.hidden = tasks.length > 0;
    const now = Date.now();
    for (const task of tasks) {
      const p = task.properties;
      const item = el('li', null, 'task');
      item.dataset.code = p.code;
      item.dataset.status = p.status;
      const due = Date.parse(p.responded_at || !p.due_respond_at ? p.due_resolve_at : p.due_respond_at);
      const left = (due - now) / 1000;
      item.append(el('strong', `${p.code} · ${pick(p.category_name)}`),
                  el('span', t(`status_${p.status}`), 'status'),
                  el('p', p.description),
                  el('span', left < 0 ? `${t('overdue_by')} ${duration(-left)}` : `${t('due_in')} ${duration(left)}`,
                     left < 0 ? 'due late' : 'due'));
      for (const label of waiting.get(task.id) || []) item.append(el('span', `${label} · ${t('queued')}`, 'queued'));
      const buttons = el('div', null, 'steps');
      for (const action of NEXT[p.status] || []) {
        const button = el('button', t(action === 'escalate' ? 'request_help' : action));
        button.type = 'button';
        button.dataset.action = action;
        button.addEventListener('click', () => ask(task, action, item));
        buttons.append(button);
      }
      item.append(buttons);
      item.addEventListener('click', (e) => { if (e.target === item || e.target.tagName === 'STRONG') onFocus(task); });
      element.append(item);
    }
  }

  // resolve and request help need a note (and resolve may carry a photo): asked inline
  function ask(task, action, item) {
    if (action === 'accept' || action === 'start') { step(task, action); return; }
    const form = el('form', null, 'note');
    const note = Object.assign(el('input'), { name: 'note', required: true, placeholder: t('note') });
    const photo = Object.assign(el('input'), { name: 'photo', type: 'file', accept: 'image/*' });
    photo.setAttribute('capture', 'environment');
    const send = Object.assign(el('button', t('submit')), { type: 'submit' });
    const error = el('p', '', 'error');
    form.append(note, ...(action === 'resolve' ? [photo] : []), send, error);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!note.value.trim()) { error.textContent = t('note'); return; }
      step(task, action, note.value.trim(), photo.files?.[0]);
    });
    item.querySelector('form.note')?.remove();
    item.append(form);
    note.focus();
  }

  setInterval(render, 30_000);      // the deadlines count down
  return { load, render, setWaiting, tasks: () => tasks };
}
