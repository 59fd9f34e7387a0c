// The grid's register on the phone (信息采集, 上门走访): a building's houses and the people in
// them, masked as the server sends them; a household added at the door, a correction, a visit
// with photos. Every write goes through the outbox, so a cellar without signal loses nothing
// and a retry never records twice. Nothing of the register is kept on the phone: the card is
// read from the server each time it is opened (the service worker does not keep /api/v1/register).
import { t, tf, pick, when } from '../i18n.js';
import { shrink } from './photos.js';

const USES = ['owner', 'rented', 'vacant', 'shop', 'office', 'other'];
const RELATIONS = ['head', 'spouse', 'child', 'parent', 'grandchild', 'sibling', 'tenant', 'other'];
const REGISTRATIONS = ['local', 'floating', 'overseas'];
const CARE_TAGS = ['elderly_alone', 'disabled', 'low_income', 'left_behind_child'];
const MAX_PHOTOS = 3;
const HERE = /^#register\/building\/(\d+)$/;

function el(tag, { dataset, ...props } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset);
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

function options(select, values, prefix, blank = false) {
  select.replaceChildren(...(blank ? [el('option', { value: '', textContent: t('reg_none') })] : []),
    ...values.map((v) => el('option', { value: v, textContent: t(`${prefix}${v}`) })));
}

export function registerView({ root, outbox, notices, here, categories, onOpen }) {
  const view = {
    empty: root.querySelector('#register-empty'),
    card: root.querySelector('#register-card'),
    title: root.querySelector('#register-title'),
    where: root.querySelector('#register-where'),
    counts: root.querySelector('#register-counts'),
    units: root.querySelector('#register-units'),
    pending: root.querySelector('#register-pending'),
    household: root.querySelector('#household-form'),
    visit: root.querySelector('#visit-form'),
    person: root.querySelector('#resident-form'),
    history: root.querySelector('#register-history'),
    visits: root.querySelector('#register-visits'),
  };
  let building = null;          // the card as read last
  let buildingId = null;
  let visitPhotos = [];

  options(view.household.querySelector('[name=use]'), USES, 'reg_use_');
  options(view.person.elements.relation, RELATIONS, 'reg_rel_');
  options(view.person.elements.registration, REGISTRATIONS, 'reg_reg_');

  function show(part) {
    for (const form of [view.household, view.visit, view.person, view.history]) form.hidden = form !== part;
    if (part) part.scrollIntoView({ block: 'nearest' });
  }

  async function open(id) {
    buildingId = Number(id);
    show(null);
    view.empty.hidden = true;
    view.card.hidden = false;
    view.title.textContent = t('loading');
    view.where.textContent = '';
    view.units.replaceChildren();
    view.visits.replaceChildren();
    let response;
    try {
      response = await fetch(`/api/v1/register/buildings/${buildingId}`, { headers: { 'Accept-Language': document.documentElement.lang } });
    } catch {
      view.title.textContent = building?.id === buildingId ? view.title.textContent : t('reg_offline');
      if (building?.id === buildingId) render(building);
      else view.where.textContent = t('reg_offline_hint');
      await showPending();
      return;
    }
    if (response.status === 404) {
      building = null;
      view.title.textContent = t('reg_not_mine');
      view.where.textContent = t('reg_not_mine_hint');
      view.card.dataset.mine = 'false';
      return;
    }
    if (!response.ok) { view.title.textContent = t('load_failed'); return; }
    building = await response.json();
    render(building);
    await showPending();
    loadVisits();
    onOpen?.(building);
  }

  function render(card) {
    view.card.dataset.mine = 'true';
    view.title.textContent = card.name || card.address || tf('reg_building_n', { id: card.id });
    view.where.textContent = [card.name ? card.address : null, card.grid ? `${pick(card.grid.name)}（${t('reg_mine')}）` : null]
      .filter(Boolean).join(' · ');
    const counted = card.units.length;
    view.counts.textContent = counted
      ? tf('reg_counts', { units: counted, households: card.households, people: card.population })
      : tf('reg_estimate', { households: card.households });
    view.units.replaceChildren(...card.units.map(unitItem));
    if (!counted) view.units.append(el('li', { className: 'empty', textContent: t('reg_no_units') }));
  }

  function unitName(u) {
    return [u.entrance ? tf('reg_entrance_n', { n: u.entrance }) : null, u.floor !== null ? tf('reg_floor_n', { n: u.floor }) : null, u.room]
      .filter(Boolean).join(' ');
  }

  function unitItem(u) {
    const people = el('ul', { className: 'people' }, ...u.residents.map((r) => personItem(r, u)));
    const add = el('button', { type: 'button', className: 'link', textContent: t('reg_add_person') });
    add.addEventListener('click', () => startHousehold(u));
    return el('li', { className: 'unit' },
      el('div', { className: 'unit-head' }, el('strong', { textContent: unitName(u) }),
        el('span', { className: `use use-${u.use}`, textContent: t(`reg_use_${u.use}`) }),
        el('small', { textContent: tf('reg_households_n', { n: u.households }) })),
      people, add);
  }

  function personItem(r, u) {
    const facts = [t(`reg_rel_${r.relation}`), r.sex ? t(`reg_sex_${r.sex}`) : null, r.birth_year, t(`reg_reg_${r.registration}`)]
      .filter(Boolean).join(' · ');
    const tags = (r.care_tags || []).map((tag) => el('span', { className: 'tag care', textContent: t(`reg_care_${tag}`) }));
    const edit = el('button', { type: 'button', className: 'link', textContent: t('reg_correct') });
    edit.addEventListener('click', () => startCorrection(r, u));
    const past = el('button', { type: 'button', className: 'link', textContent: t('reg_history') });
    past.addEventListener('click', () => showHistory(r));
    const phone = r.phone ? el('span', { className: 'masked', textContent: r.phone }) : null;
    return el('li', { className: 'person', dataset: { id: r.id } },
      el('div', {}, el('strong', { textContent: r.name }), ' ', el('small', { textContent: facts })),
      el('div', { className: 'numbers' }, r.id_number ? el('span', { className: 'masked', textContent: r.id_number }) : null, phone, ...tags),
      el('div', { className: 'person-actions' }, edit, past));
  }

  // -- a household at the door ---------------------------------------------------------------
  function residentFields(index) {
    const box = el('fieldset', { className: 'resident' });
    const relation = el('select', { name: 'relation' });
    options(relation, RELATIONS, 'reg_rel_');
    relation.value = index === 0 ? 'head' : 'spouse';
    const registration = el('select', { name: 'registration' });
    options(registration, REGISTRATIONS, 'reg_reg_');
    const care = el('div', { className: 'care' }, ...CARE_TAGS.map((tag) => el('label', {},
      el('input', { type: 'checkbox', name: 'care', value: tag }), t(`reg_care_${tag}`))));
    box.append(el('legend', { textContent: tf('reg_person_n', { n: index + 1 }) }),
      el('label', {}, t('reg_name'), el('input', { name: 'name', required: true, maxLength: 100, autocomplete: 'off' })),
      el('label', {}, t('reg_id_number'), el('input', { name: 'id_number', maxLength: 18, autocomplete: 'off', inputMode: 'text' })),
      el('label', {}, t('reg_phone'), el('input', { name: 'phone', type: 'tel', maxLength: 20, autocomplete: 'off' })),
      el('div', { className: 'pair' }, el('label', {}, t('reg_relation'), relation), el('label', {}, t('reg_registration'), registration)),
      care, el('p', { className: 'field-error', role: 'alert' }));
    return box;
  }

  function startHousehold(unit = null) {
    const form = view.household;
    form.reset();
    form.dataset.unit = unit ? String(unit.id) : '';
    form.querySelector('.unit-fields').hidden = Boolean(unit);
    form.querySelector('.household-title').textContent = unit ? tf('reg_add_to', { unit: unitName(unit) }) : t('reg_add_household');
    const people = form.querySelector('.residents');
    people.replaceChildren(residentFields(0));
    form.querySelector('.message').textContent = '';
    show(form);
  }

  function personBody(box) {
    const value = (name) => box.querySelector(`[name=${name}]`).value.trim();
    const body = { name: value('name'), relation: value('relation'), registration: value('registration'),
                   care_tags: [...box.querySelectorAll('[name=care]:checked')].map((c) => c.value) };
    if (value('id_number')) body.id_number = value('id_number').toUpperCase();
    if (value('phone')) body.phone = value('phone');
    return body;
  }

  // what the form can tell at once; the server checks the rest (an ID number's check digit)
  function checkPerson(box) {
    const body = personBody(box);
    let problem = '';
    if (!body.name) problem = t('reg_need_name');
    else if (body.id_number && !/^\d{17}[\dX]$/.test(body.id_number)) problem = t('reg_bad_id');
    else if (body.phone && !/^(\+?86)?1[3-9]\d{9}$|^0\d{9,11}$/.test(body.phone.replace(/[\s-]/g, ''))) problem = t('reg_bad_phone');
    box.querySelector('.field-error').textContent = problem;
    return problem ? null : body;
  }

  view.household.querySelector('.add-person').addEventListener('click', () => {
    const people = view.household.querySelector('.residents');
    people.append(residentFields(people.children.length));
  });
  view.household.querySelector('.cancel').addEventListener('click', () => show(null));
  view.household.addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = view.household;
    const people = [...form.querySelectorAll('fieldset.resident')].map(checkPerson);
    if (people.includes(null)) return;
    const unitId = form.dataset.unit;
    let item;
    if (unitId) {
      // people joining a house already on the register: one request each, in order
      for (const body of people) {
        await outbox.add({ url: `/api/v1/register/units/${unitId}/residents`, body, label: tf('reg_label_person', { name: body.name }), register: buildingId });
      }
    } else {
      const f = form.elements;
      if (!f.room.value.trim()) { form.querySelector('.message').textContent = t('reg_need_room'); return; }
      const unit = { room: f.room.value.trim(), use: f.use.value };
      if (f.entrance.value.trim()) unit.entrance = f.entrance.value.trim();
      if (f.floor.value !== '') unit.floor = Number(f.floor.value);
      if (f.floor_area.value !== '') unit.floor_area = Number(f.floor_area.value);
      item = { url: `/api/v1/register/buildings/${buildingId}/households`, body: { unit, residents: people },
               label: tf('reg_label_household', { unit: unitName({ ...unit, floor: unit.floor ?? null }) }), register: buildingId };
      await outbox.add(item);
    }
    show(null);
    notices.show(navigator.onLine ? t('reg_saved') : t('reg_saved_offline'), 'ok');
    await showPending();
  });

  // -- a correction --------------------------------------------------------------------------
  function startCorrection(r) {
    const form = view.person;
    form.reset();
    form.dataset.id = String(r.id);
    form.dataset.version = String(r.version);
    form.elements.name.value = r.name;
    form.elements.relation.value = r.relation;
    form.elements.registration.value = r.registration;
    form.querySelector('.masked-now').textContent = [r.id_number, r.phone].filter(Boolean).join(' · ');
    for (const box of form.querySelectorAll('[name=care]')) box.checked = (r.care_tags || []).includes(box.value);
    form.querySelector('.message').textContent = '';
    show(form);
  }
  view.person.querySelector('.care').replaceChildren(...CARE_TAGS.map((tag) => el('label', {},
    el('input', { type: 'checkbox', name: 'care', value: tag }), t(`reg_care_${tag}`))));
  view.person.querySelector('.cancel').addEventListener('click', () => show(null));
  view.person.addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = view.person;
    const body = checkPerson(form);
    if (!body) return;
    body.version = Number(form.dataset.version);
    await outbox.add({ url: `/api/v1/register/residents/${form.dataset.id}`, method: 'PATCH', body,
                       label: tf('reg_label_correct', { name: body.name }), register: buildingId });
    show(null);
    notices.show(navigator.onLine ? t('reg_saved') : t('reg_saved_offline'), 'ok');
    await showPending();
  });
  view.person.querySelector('.move-out').addEventListener('click', async () => {
    const form = view.person;
    if (!window.confirm(tf('reg_confirm_move_out', { name: form.elements.name.value }))) return;
    await outbox.add({ url: `/api/v1/register/residents/${form.dataset.id}`, method: 'DELETE',
                       headers: { 'If-Match': `"v${form.dataset.version}"` },
                       label: tf('reg_label_move_out', { name: form.elements.name.value }), register: buildingId });
    show(null);
    await showPending();
  });

  // -- history -------------------------------------------------------------------------------
  async function showHistory(r) {
    view.history.replaceChildren(el('p', { textContent: t('loading') }));
    show(view.history);
    try {
      const response = await fetch(`/api/v1/register/residents/${r.id}/history`);
      if (!response.ok) throw new Error(String(response.status));
      const { versions } = await response.json();
      const close = el('button', { type: 'button', className: 'secondary', textContent: t('close') });
      close.addEventListener('click', () => show(null));
      view.history.replaceChildren(el('h3', { textContent: tf('reg_history_of', { name: r.name }) }),
        el('ol', { className: 'versions' }, ...versions.map((v) => el('li', {},
          el('strong', { textContent: tf('reg_version_n', { n: v.version }) }), ' ',
          el('span', { textContent: t(`reg_action_${v.action}`) }), ' ',
          el('small', { textContent: `${when(v.at)} · ${v.by.replace(/^user:/, '')}` }),
          v.changed.length ? el('div', { className: 'changed', textContent: tf('reg_changed', { fields: v.changed.map((f) => t(`reg_field_${f}`)).join('、') }) }) : null))),
        close);
    } catch {
      view.history.replaceChildren(el('p', { textContent: navigator.onLine ? t('load_failed') : t('reg_offline') }));
    }
  }

  // -- a visit -------------------------------------------------------------------------------
  function startVisit() {
    const form = view.visit;
    form.reset();
    visitPhotos = [];
    showVisitPhotos();
    const units = building?.units || [];
    form.elements.unit.replaceChildren(el('option', { value: '', textContent: t('reg_whole_building') }),
      ...units.map((u) => el('option', { value: String(u.id), textContent: unitName(u) })));
    form.elements.follow_up.replaceChildren(el('option', { value: '', textContent: t('reg_no_follow_up') }),
      ...(categories() || []).map((c) => el('option', { value: c.code, textContent: pick(c.name) })));
    form.querySelector('.message').textContent = '';
    show(form);
  }
  function showVisitPhotos() {
    const list = view.visit.querySelector('.thumbs');
    list.replaceChildren(...visitPhotos.map((blob, index) => {
      const drop = el('button', { type: 'button', className: 'drop', textContent: '×' });
      drop.setAttribute('aria-label', t('remove_photo'));
      drop.addEventListener('click', () => { visitPhotos.splice(index, 1); showVisitPhotos(); });
      return el('li', {}, el('img', { src: URL.createObjectURL(blob), alt: `${t('photo')} ${index + 1}` }), drop);
    }));
    view.visit.elements.photo.closest('label').hidden = visitPhotos.length >= MAX_PHOTOS;
  }
  view.visit.elements.photo.addEventListener('change', async () => {
    for (const file of view.visit.elements.photo.files || []) {
      if (visitPhotos.length < MAX_PHOTOS) visitPhotos.push(await shrink(file));
    }
    view.visit.elements.photo.value = '';
    showVisitPhotos();
  });
  view.visit.querySelector('.cancel').addEventListener('click', () => show(null));
  view.visit.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = view.visit.elements;
    const message = view.visit.querySelector('.message');
    if (!f.met.value.trim() && !f.note.value.trim()) { message.textContent = t('reg_need_visit_words'); return; }
    if (f.follow_up.value && !f.note.value.trim()) { message.textContent = t('reg_need_follow_up_note'); return; }
    const photoKeys = [];
    for (const photo of visitPhotos) photoKeys.push(await outbox.add({ photo, label: t('photo'), register: buildingId }));
    const body = { building: buildingId, at: new Date().toISOString(), met: f.met.value.trim() || undefined,
                   note: f.note.value.trim() || undefined };
    if (f.unit.value) body.unit = Number(f.unit.value);
    if (f.follow_up.value) { body.follow_up = f.follow_up.value; body.follow_up_note = f.note.value.trim(); }
    const spot = here();
    if (spot) { body.lon = spot.lon; body.lat = spot.lat; }
    // the outbox's key for the item doubles as the visit's own: a resend is the same visit
    await outbox.add({ url: '/api/v1/register/visits', body, photoKeys, label: t('reg_label_visit'), register: buildingId, clientKey: true });
    visitPhotos = [];
    show(null);
    notices.show(navigator.onLine ? t('reg_visit_saved') : t('reg_saved_offline'), 'ok');
    await showPending();
  });

  async function loadVisits() {
    try {
      const response = await fetch(`/api/v1/register/buildings/${buildingId}/visits`);
      if (!response.ok) return;
      const { visits } = await response.json();
      view.visits.replaceChildren(...visits.slice(0, 5).map((v) => el('li', { className: v.far ? 'far' : '' },
        el('strong', { textContent: when(v.at) }), ' ', [v.met, v.note].filter(Boolean).join(' · '),
        v.far ? el('span', { className: 'tag far', textContent: tf('reg_far', { m: Math.round(v.distance_m) }) }) : null,
        v.photos.length ? el('small', { textContent: ` ${tf('reg_photos_n', { n: v.photos.length })}` }) : null,
        v.incident ? el('small', { textContent: ` → ${v.incident}` }) : null)));
    } catch { /* offline: the visits wait for the next opening */ }
  }

  // what of this building still waits in the outbox: the worker sees it was taken
  async function showPending() {
    const waiting = (await outbox.items()).filter((item) => item.register === buildingId);
    view.pending.hidden = waiting.length === 0;
    view.pending.replaceChildren(el('strong', { textContent: tf('reg_waiting', { n: waiting.length }) }),
      el('ul', {}, ...waiting.map((item) => el('li', { textContent: item.label }))));
  }

  root.querySelector('#register-add').addEventListener('click', () => startHousehold());
  root.querySelector('#register-visit').addEventListener('click', startVisit);

  function fromAddress() {
    const match = HERE.exec(window.location.hash);
    if (match) open(match[1]);
    return Boolean(match);
  }

  return {
    open,
    fromAddress,
    // an outbox item of the register was sent or refused: show the building as the server has it
    delivered(item) {
      if (item.photo) return;
      notices.show(tf('reg_delivered', { what: item.label }), 'ok');
      if (item.register === buildingId) open(buildingId);
    },
    refused(item, reason) {
      notices.show(tf('reg_refused', { what: item.label, reason }), 'error');
      if (item.register === buildingId) showPending();
    },
    changed() { if (buildingId) showPending(); },
  };
}
