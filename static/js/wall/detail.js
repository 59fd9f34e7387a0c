// The incident card: what happened and where, who reported it and how, the photos of the report
// and of the work, the time limits, the history by people's names — and the steps the case's
// state and the operator's role allow (the server says which). Dispatch picks a worker by name:
// from the nearest by road or by a search, those outside the incident's community marked. A
// stale card (someone else acted first) gets the server's 412 message and reloads.
import { getJson, postJson } from '../http.js';
import { t, tf, pick, duration, when, dueAt } from '../i18n.js';
import { actorName, lateWords } from './panel.js';

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// the due moment as a date and time, beside what is left of it (or how late it is)
function clock(remaining, due) {
  if (remaining === null || remaining === undefined) return due ? dueAt(due) : '–';
  const left = remaining < 0 ? `${t('late_by')} ${duration(-remaining)}` : `${duration(remaining)} ${t('left')}`;
  return due ? `${dueAt(due)} · ${left}` : left;
}

// the departments a case may go to, asked once per page
let departments = null;
function departmentSelect(name, first) {
  const select = el('select');
  select.name = name;
  select.append(Object.assign(el('option', first), { value: '' }));
  const fill = (list) => { for (const d of list) select.append(Object.assign(el('option', pick(d.name)), { value: d.code })); };
  if (Array.isArray(departments)) fill(departments);
  else {
    departments = departments || getJson('/api/v1/departments').then((body) => (departments = body.departments)).catch(() => (departments = null));
    departments.then((list) => fill(list || []));
  }
  return select;
}

export function detailPanel({ element, dispatcher, workers, onChanged, onLooked = () => {}, onRoute = () => {}, onShown = () => {} }) {
  let current = null;
  let chosen = null;              // the worker picked for a dispatch: {worker_id, name}

  async function show(id) {
    const feature = await getJson(`/api/v1/incidents/${id}`);
    // a live event refreshes the open card: what the operator was typing in it stays
    const typed = current?.id === feature.id ? formState() : null;
    if (current?.id !== feature.id) chosen = null;
    current = feature;
    onLooked(feature.id);
    const p = feature.properties;
    element.replaceChildren();
    element.dataset.code = p.code;
    const close = el('button', '×', 'close');
    close.type = 'button';
    close.setAttribute('aria-label', t('close'));
    close.addEventListener('click', hide);
    const title = el('h2', `${pick(p.category_name)} `);
    title.append(el('span', p.code, 'code'));
    element.append(close, title, el('p', p.description));
    const facts = el('dl');
    const add = (key, value, className) => { if (value) facts.append(el('dt', t(key)), el('dd', value, className)); };
    const reporter = p.history.find((e) => e.action === 'report');
    add('status', `${t(`status_${p.status}`)}${p.overdue ? ` · ${t('overdue_now')}` : ''}`
      + `${p.escalations ? ` · ${tf('ever_escalated', { n: p.escalations })}` : ''}`, p.overdue ? 'late' : '');
    add('level', t(`level_${p.level}`));
    add('severity', t(`severity_${p.severity}`));
    if (p.grid_name) { facts.append(el('dt', t('grid_name'))); const dd = el('dd', `${pick(p.grid_name)} `); dd.append(el('span', p.grid, 'code')); facts.append(dd); }
    add('community', pick(p.community) || '–');
    add('address', p.address);
    add('assignee', p.assignee ? pick(p.assignee) : '–');
    // the departments on it (协同): the lead and each helper, with where their part stands
    add('departments_on_it', (p.tasks || []).filter((k) => ['open', 'accepted', 'done'].includes(k.status))
      .map((k) => `${pick(k.department_name)}（${t(`dept_role_${k.role}`)}·${t(`dept_task_${k.status}`)}）`).join('、'));
    add('channel', t(`channel_${p.channel}`));
    add('reporter', reporter ? actorName(reporter.by) : '');
    add('contact', p.reporter_contact);
    add('reported_at', when(p.reported_at));
    add('respond_by', clock(p.respond_remaining_s, p.due_respond_at), p.respond_remaining_s < 0 ? 'late' : '');
    add('resolve_by', clock(p.resolve_remaining_s, p.due_resolve_at), p.resolve_remaining_s < 0 ? 'late' : '');
    // late from the first limit it missed, whatever fresh limits escalation gave it since
    if (p.overdue && p.overdue_from) add('overdue_for', lateWords((Date.now() - Date.parse(p.overdue_from)) / 1000), 'late');
    add('public_note', p.public_note);
    // 挂起 / 延期: where the case's requests stand, for the dispatcher to decide
    if (p.suspended_since) add('suspended_now', tf('suspended_since', { since: when(p.suspended_since, 'short') }));
    if (p.pending_request) {
      const r = p.pending_request;
      const kind = r.kind === 'extend' ? tf('request_kind_extend', { until: dueAt(r.until) }) : t('request_kind_suspend');
      add('pending_request', tf('request_waiting', { kind, reason: t(`request_reason_${r.reason}`) }), 'late');
    }
    if (p.extensions) add('extensions', tf('extensions_n', { n: p.extensions }));
    element.append(facts);
    if (p.photo_steps?.length) {
      // what was seen at the report and after the work, each opening full size
      const photos = el('div', null, 'photos');
      for (const photo of p.photo_steps) {
        const figure = el('figure');
        const link = Object.assign(el('a'), { href: `/api/v1/photos/${photo.id}`, target: '_blank', rel: 'noopener' });
        const step = ['report', 'resolve'].includes(photo.step) ? photo.step : 'other';
        link.append(Object.assign(el('img'), { src: `/api/v1/photos/${photo.id}`, alt: `${t('photo')} ${photo.id}`, loading: 'lazy' }));
        figure.append(link, el('figcaption', t(`photo_step_${step}`)));
        photos.append(figure);
      }
      element.append(el('h3', t('photos')), photos);
    }
    if (p.possible_duplicates.length) {
      const links = el('p');
      for (const d of p.possible_duplicates) {
        const link = Object.assign(el('a', d.code, 'code'), { href: '#' });
        link.addEventListener('click', (e) => { e.preventDefault(); show(d.id); });
        links.append(link, ' ');
      }
      element.append(el('h3', t('duplicates')), links);
    }
    element.append(el('h3', t(dispatcher ? 'nearest_by_road' : 'nearest_workers')));
    const nearList = el('ol', null, 'nearest');
    element.append(nearList);
    if (dispatcher) nearestByRoad(id, nearList);
    else {
      const [lon, lat] = feature.geometry.coordinates;
      const near = workers.nearest(lon, lat);
      if (!near.length) nearList.replaceWith(el('p', t('no_positions')));
      for (const n of near) nearList.append(el('li', `${pick(n.name) || n.fix.worker} · ${n.metres} ${t('metres')}`));
    }
    element.append(el('h3', t('history')));
    const history = el('ol', null, 'history');
    for (const e of p.history) {
      const to = e.to_worker ? ` ${tf('to_name', { name: pick(e.to_worker) })}`
        : e.to_department ? ` ${tf('to_name', { name: pick(e.to_department) })}`
          : e.action === 'assign' && e.data?.level ? ` ${tf('to_name', { name: t(`level_${e.data.level}`) })}` : '';
      const reasonKey = e.data?.kind ? `request_reason_${e.data.reason}` : `dept_reason_${e.data?.reason}`;
      const reason = e.data?.reason ? ` [${t(reasonKey)}${e.data.until ? ` → ${dueAt(e.data.until)}` : ''}]` : '';
      history.append(el('li', `${when(e.at, 'short')} ${actorName(e.by)} ${t(`action_${e.action}`)}${to}${reason}${e.note ? `：${e.note}` : ''}`));
    }
    element.append(history);
    if (p.allowed?.length) {
      element.append(actions(feature));
      if (typed) restoreForm(typed);
    }
    element.hidden = false;
    onShown(feature);
  }

  function nearestByRoad(id, nearList) {
    // along the roads, from the server; click one to see the route and choose them
    getJson(`/api/v1/incidents/${id}/nearest-workers`).then(({ workers: ranked, community }) => {
      if (!ranked.length) nearList.replaceWith(el('p', t('no_positions')));
      for (const w of ranked) {
        const item = el('li', `${pick(w.name)} · ${w.road_m === null ? '–' : `${Math.round(w.road_m)} ${t('metres')}`} `
                             + `${t('by_road')} · ${Math.round(w.straight_m)} ${t('metres')} ${t('straight')}`);
        item.dataset.worker = w.worker;
        if (community && !w.communities.includes(community)) item.append(el('span', t('outside_community'), 'outside'));
        item.addEventListener('click', () => {
          onRoute(w.route);
          choose(w, item);
        });
        nearList.append(item);
      }
    }).catch((e) => nearList.replaceWith(el('p', e.message)));
  }

  // the worker a dispatch goes to: shown in the form, marked in whichever list it came from
  function choose(worker, item) {
    chosen = { worker_id: worker.worker_id, name: pick(worker.name) };
    for (const other of element.querySelectorAll('li.chosen')) other.classList.remove('chosen');
    item?.classList.add('chosen');
    const form = element.querySelector('form');
    if (!form) return;
    openForm('assign');
    form.querySelector('.chosen-worker').textContent = chosen.name;
  }

  function formState() {
    const form = element.querySelector('form');
    if (!form || form.hidden) return null;
    const message = form.querySelector('.error, .ok');
    return {
      action: form.dataset.action,
      fields: [...form.elements].filter((f) => f.name).map((f) => [f.name, f.value]),
      message: message && { text: message.textContent, className: message.className },
    };
  }

  function restoreForm({ action, fields, message }) {
    const form = element.querySelector('form');
    if (!element.querySelector(`.actions button[data-action="${action}"]`)) return;   // no longer allowed
    openForm(action);
    for (const [name, value] of fields) if (form.elements[name]) form.elements[name].value = value;
    if (chosen) form.querySelector('.chosen-worker').textContent = chosen.name;
    if (message) Object.assign(form.querySelector('p.error, p.ok'), { textContent: message.text, className: message.className });
  }

  function openForm(action) {
    const form = element.querySelector('form');
    element.querySelector('.actions + p.ok')?.remove();       // the last step's "done" is not this one's
    if (form.dataset.action !== action) Object.assign(form.querySelector('p.error, p.ok'), { textContent: '', className: 'error' });
    form.hidden = false;
    form.dataset.action = action;
    for (const b of element.querySelectorAll('.actions button')) b.setAttribute('aria-pressed', String(b.dataset.action === action));
    for (const part of form.querySelectorAll('[data-for]')) part.hidden = !part.dataset.for.split(' ').includes(action);
    const needsNote = current.properties.allowed.find((s) => s.action === action)?.note_required;
    form.elements.note.required = !!needsNote;
    form.elements.note.placeholder = t('note') + (needsNote ? ' *' : '');
  }

  function actions(feature) {
    const wrap = el('div');
    const bar = el('div', null, 'actions');
    const form = el('form');
    form.noValidate = true;
    form.hidden = true;
    for (const { action } of feature.properties.allowed) {
      const button = el('button', t(`action_${action}`));
      button.type = 'button';
      button.dataset.action = action;
      button.addEventListener('click', () => openForm(action));
      bar.append(button);
    }
    // dispatch: a worker by name (nearest list or search), or a level's queue
    const assign = el('div', null, 'wide');
    assign.dataset.for = 'assign';
    assign.hidden = true;
    const picked = el('p');
    picked.append(`${t('dispatch_to')}：`, el('strong', chosen?.name || '–', 'chosen-worker'));
    const search = Object.assign(el('input'), { type: 'search', name: 'worker_search', placeholder: t('search_worker'), className: 'wide' });
    const found = el('ul', null, 'found');
    let typing = null;
    search.addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(async () => {
        found.replaceChildren();
        if (!search.value.trim()) return;
        try {
          const answer = await getJson(`/api/v1/workers?q=${encodeURIComponent(search.value.trim())}`);
          const community = feature.properties.community?.code;
          for (const w of answer.workers) {
            const item = el('li', `${pick(w.name)} · ${w.grids.map((g) => pick(g)).join('、')}`);
            item.dataset.worker = w.worker;
            if (community && !w.communities.includes(community)) item.append(el('span', t('outside_community'), 'outside'));
            item.addEventListener('click', () => choose(w, item));
            found.append(item);
          }
          if (!answer.workers.length) found.append(el('li', t('no_results')));
        } catch (error) { found.replaceChildren(el('li', error.message)); }
      }, 250);
    });
    const level = el('select');
    level.name = 'level';
    for (const l of ['', 'route', 'grid', 'community', 'street']) {
      const option = el('option', l === 'route' ? t('by_routing') : l ? t(`level_${l}`) : `${t('or_level')}…`);
      option.value = l;
      level.append(option);
    }
    // or a department (协同), as the lead
    const department = departmentSelect('department', `${t('or_department')}…`);
    assign.append(picked, search, found, level, department);
    const transfer = el('div', null, 'wide');
    transfer.dataset.for = 'transfer';
    transfer.hidden = true;
    const transferTo = departmentSelect('transfer_department', t('transfer_to'));
    transfer.append(transferTo);
    form.append(transfer);
    const note = Object.assign(el('input'), { name: 'note', placeholder: t('note'), className: 'wide' });
    const submit = Object.assign(el('button', t('submit')), { type: 'submit', className: 'wide' });
    const message = el('p', '', 'error');
    form.append(assign, note, submit, message);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const action = form.dataset.action;
      message.className = 'error';
      message.textContent = '';
      // a live event may have redrawn the card while the request was out: the answer goes
      // to the form on the screen, not to this one
      const say = (text, className) => {
        const shown = form.isConnected ? message : element.querySelector('form p.error, form p.ok');
        if (shown) {
          Object.assign(shown, { textContent: text, className });
          shown.scrollIntoView({ block: 'nearest' });            // the answer where the eye is
        }
      };
      const body = { action, note: note.value || undefined };
      if (action === 'assign') {
        if (chosen) body.worker_id = chosen.worker_id;
        else if (department.value) body.department = department.value;
        else if (level.value === 'route') body.route = true;
        else if (level.value) body.level = level.value;
        else { say(t('choose_worker'), 'error'); return; }
      }
      if (action === 'transfer') {
        if (!transferTo.value) { say(t('dept_need_department'), 'error'); return; }
        body.department = transferTo.value;
      }
      if (action === 'merge') body.into = feature.properties.possible_duplicates[0]?.id;
      try {
        await postJson(`/api/v1/incidents/${feature.id}/events`, body, { 'If-Match': `"v${feature.properties.version}"` });
        form.reset();               // done: the refreshed card keeps only the message
        chosen = null;
        say(t('done'), 'ok');
        onChanged();
        await show(feature.id);
        element.querySelector('.actions')?.after(el('p', t('done'), 'ok'));
      } catch (error) {
        const fields = error.body?.errors ? Object.values(error.body.errors).join(' ') : '';
        say(fields || error.message, 'error');
        if (error.status === 412) setTimeout(() => show(feature.id), 1500);
      }
    });
    wrap.append(bar, form);
    return wrap;
  }

  function hide() {
    element.hidden = true;
    current = null;
    chosen = null;
  }

  return { show, hide, currentId: () => current?.id };
}
