// The incident card: what happened, who has it, how much time is left, its history, nearby
// workers; operators dispatch, reassign, escalate or close from here. A stale card (someone
// else acted first) gets the server's 412 message and reloads.
import { getJson, postJson } from '../http.js';
import { t, pick, duration } from '../i18n.js';

const ACTIONS = ['assign', 'escalate', 'verify', 'reopen', 'reject', 'comment'];

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function clock(remaining, due) {
  if (remaining === null || remaining === undefined) return due ? new Date(due).toLocaleString() : '–';
  return remaining < 0 ? `${t('late_by')} ${duration(-remaining)}` : `${duration(remaining)} ${t('left')}`;
}

export function detailPanel({ element, dispatcher, workers, onChanged, onRoute = () => {} }) {
  let current = null;

  async function show(id) {
    const feature = await getJson(`/api/v1/incidents/${id}`);
    // a live event refreshes the open card: what the operator was typing in it stays
    const typed = current?.id === feature.id ? formState() : null;
    current = feature;
    const p = feature.properties;
    element.replaceChildren();
    const close = el('button', '×', 'close');
    close.type = 'button';
    close.setAttribute('aria-label', t('close'));
    close.addEventListener('click', hide);
    element.append(close, el('h2', `${p.code} · ${pick(p.category_name)}`));
    element.append(el('p', p.description));
    const facts = el('dl');
    const add = (key, value, className) => facts.append(el('dt', t(key)), el('dd', value, className));
    add('status', t(`status_${p.status}`));
    add('level', t(`level_${p.level}`));
    add('grid', p.grid || '–');
    add('community', pick(p.community) || '–');
    add('assignee', p.assignee ? `${pick(p.assignee)} (${p.assignee.code})` : '–');
    add('reported_at', new Date(p.reported_at).toLocaleString());
    add('respond_by', clock(p.respond_remaining_s, p.due_respond_at), p.respond_remaining_s < 0 ? 'late' : '');
    add('resolve_by', clock(p.resolve_remaining_s, p.due_resolve_at), p.resolve_remaining_s < 0 ? 'late' : '');
    element.append(facts);
    if (p.photos?.length) {
      // what the worker saw on site, each opening full size
      const photos = el('div', null, 'photos');
      for (const photoId of p.photos) {
        const link = Object.assign(el('a'), { href: `/api/v1/photos/${photoId}`, target: '_blank', rel: 'noopener' });
        link.append(Object.assign(el('img'), { src: `/api/v1/photos/${photoId}`, alt: `${t('photo')} ${photoId}`, loading: 'lazy' }));
        photos.append(link);
      }
      element.append(el('h3', t('photos')), photos);
    }
    if (p.possible_duplicates.length) {
      element.append(el('h3', t('duplicates')), el('p', p.possible_duplicates.map((d) => d.code).join(', ')));
    }
    element.append(el('h3', t(dispatcher ? 'nearest_by_road' : 'nearest_workers')));
    const nearList = el('ol', null, 'nearest');
    element.append(nearList);
    if (dispatcher) {
      // along the roads, from the server; click one to see the route and dispatch to them
      getJson(`/api/v1/incidents/${id}/nearest-workers`).then(({ workers: ranked }) => {
        if (!ranked.length) nearList.replaceWith(el('p', t('no_positions')));
        for (const w of ranked) {
          const item = el('li', `${pick(w.name)} (${w.worker}) · ${w.road_m === null ? '–' : `${Math.round(w.road_m)} m`} `
                               + `${t('by_road')} · ${Math.round(w.straight_m)} m ${t('straight')}`);
          item.dataset.worker = w.worker;
          item.addEventListener('click', () => {
            onRoute(w.route);
            const input = element.querySelector('input[name=worker_id]');
            if (input) { input.value = String(w.worker_id); element.querySelector('select[name=action]').value = 'assign'; }
          });
          nearList.append(item);
        }
      }).catch((e) => nearList.replaceWith(el('p', e.message)));
    } else {
      const [lon, lat] = feature.geometry.coordinates;
      const near = workers.nearest(lon, lat);
      if (!near.length) nearList.replaceWith(el('p', t('no_positions')));
      for (const n of near) nearList.append(el('li', `${n.fix.worker} · ${n.metres} m`));
    }
    element.append(el('h3', t('history')));
    const history = el('ol');
    for (const e of p.history) {
      history.append(el('li', `${new Date(e.at).toLocaleString()} · ${t(`action_${e.action}`)} · ${e.actor}${e.note ? ` — ${e.note}` : ''}`));
    }
    element.append(history);
    if (dispatcher) {
      element.append(actionForm(feature));
      if (typed) restoreForm(typed);
    }
    element.hidden = false;
  }

  function formState() {
    const form = element.querySelector('form');
    if (!form) return null;
    const message = form.querySelector('.error, .ok');
    return {
      fields: [...form.elements].filter((f) => f.name).map((f) => [f.name, f.value]),
      message: message && { text: message.textContent, className: message.className },
    };
  }

  function restoreForm({ fields, message }) {
    const form = element.querySelector('form');
    for (const [name, value] of fields) form.elements[name].value = value;
    if (message) Object.assign(form.querySelector('p'), { textContent: message.text, className: message.className });
  }

  function actionForm(feature) {
    const form = el('form');
    form.noValidate = true;
    const action = el('select');
    action.name = 'action';
    for (const a of ACTIONS) {
      const option = el('option', t(`action_${a}`));
      option.value = a;
      action.append(option);
    }
    const worker = Object.assign(el('input'), { name: 'worker_id', placeholder: t('worker_id'), inputMode: 'numeric' });
    const grid = Object.assign(el('input'), { name: 'grid', placeholder: t('grid_code') });
    const level = el('select');
    level.name = 'level';
    for (const l of ['', 'grid', 'community', 'street']) {
      const option = el('option', l ? t(`level_${l}`) : `${t('level')}…`);
      option.value = l;
      level.append(option);
    }
    const note = Object.assign(el('input'), { name: 'note', placeholder: t('note'), className: 'wide' });
    const submit = Object.assign(el('button', t('submit')), { type: 'submit', className: 'wide' });
    const message = el('p', '', 'error');
    form.append(action, level, worker, grid, note, submit, message);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      message.className = 'error';
      message.textContent = '';
      const body = { action: action.value, note: note.value || undefined };
      if (action.value === 'assign') {
        if (worker.value) body.worker_id = Number(worker.value);
        if (grid.value) body.grid = grid.value;
        if (level.value) body.level = level.value;
      }
      // a live event may have redrawn the card while the request was out: the answer goes
      // to the form on the screen, not to this one
      const say = (text, className) => {
        const shown = form.isConnected ? message : element.querySelector('form p');
        if (shown) Object.assign(shown, { textContent: text, className });
      };
      try {
        await postJson(`/api/v1/incidents/${feature.id}/events`, body, { 'If-Match': `"v${feature.properties.version}"` });
        form.reset();               // done: the refreshed card keeps only the message
        say(t('done'), 'ok');
        onChanged();
        await show(feature.id);
      } catch (error) {
        const fields = error.body?.errors ? Object.values(error.body.errors).join(' ') : '';
        say(fields || error.message, 'error');
        if (error.status === 412) setTimeout(() => show(feature.id), 1500);
      }
    });
    return form;
  }

  function hide() {
    element.hidden = true;
    current = null;
  }

  return { show, hide, currentId: () => current?.id };
}
