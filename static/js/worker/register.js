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
const ORGANISATION_KINDS = ['shop', 'restaurant', 'company', 'factory', 'warehouse', 'hotel', 'school', 'clinic', 'social', 'other'];
const RISK_TAGS = ['fire', 'food', 'hazardous_goods'];
const MAX_PHOTOS = 3;
const HERE = /^#register\/building\/(\d+)$/;

// GB 11643: the 18th character checks the first 17 — a typing error is caught at the door
function idNumberChecks(value) {
  if (!/^\d{17}[\dX]$/.test(value)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((total, w, i) => total + w * Number(value[i]), 0);
  return '10X98765432'[sum % 11] === value[17];
}

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
    organisations: root.querySelector('#register-organisations'),
    organisation: root.querySelector('#organisation-form'),
  };
  let building = null;          // the card as read last
  let buildingId = null;
  let visitPhotos = [];
  const refusedItems = [];      // {item, why}: refused by the server, kept for the worker to correct (memory only)

  options(view.household.querySelector('[name=use]'), USES, 'reg_use_');
  options(view.person.elements.relation, RELATIONS, 'reg_rel_');
  options(view.person.elements.registration, REGISTRATIONS, 'reg_reg_');

  function show(part) {
    for (const form of [view.household, view.visit, view.person, view.history, view.organisation]) form.hidden = form !== part;
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
    view.organisations.replaceChildren();
    let response;
    try {
      response = await fetch(`/api/v1/register/buildings/${buildingId}`, { headers: { 'Accept-Language': document.documentElement.lang } });
    } catch {
      if (building?.id === buildingId) {
        render(building);
      } else {
        building = null;
        view.card.dataset.mine = 'offline';
        view.title.textContent = tf('reg_building_offline', { id: buildingId });
        view.where.textContent = t('reg_offline_hint');
        view.counts.textContent = '';
      }
      await showPending();
      return;
    }
    if (response.status === 403 || response.status === 404) {
      // another grid's: whose it is, as its door plate says
      const body = await response.json().catch(() => ({}));
      building = null;
      view.title.textContent = t('reg_not_mine');
      view.where.textContent = body.grid ? tf('reg_not_mine_whose', {
        grid: pick(body.grid.name), workers: (body.workers || []).map(pick).join('、') || t('reg_none') }) : t('reg_not_mine_hint');
      view.counts.textContent = '';
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
    view.organisations.replaceChildren(...card.organisations.map((o) => el('li', { className: 'unit' },
      el('div', { className: 'unit-head' }, el('strong', { textContent: o.name }),
        el('span', { className: 'use', textContent: t(`reg_org_${o.kind}`) }),
        o.employees !== null ? el('small', { textContent: tf('reg_org_people', { n: o.employees }) }) : null),
      el('div', { className: 'numbers' }, o.credit_code ? el('span', { className: 'masked', textContent: o.credit_code }) : null,
        o.contact_name ? el('span', { textContent: o.contact_name }) : null,
        o.contact_phone ? el('span', { className: 'masked', textContent: o.contact_phone }) : null,
        ...o.risk_tags.map((tag) => el('span', { className: 'tag far', textContent: t(`reg_risk_${tag}`) }))),
      el('div', { className: 'person-actions' }, organisationButton('reg_correct', () => editOrganisation(o)),
        organisationButton('reg_history', () => showHistory(o, 'organisations')),
        o.contact_phone ? revealButton(o, 'organisations', 'contact_phone') : null))));
    if (!card.organisations.length) view.organisations.append(el('li', { className: 'empty', textContent: t('reg_no_organisations') }));
  }

  function unitName(u) {
    return [u.entrance ? tf('reg_entrance_n', { n: u.entrance }) : null, u.floor !== null ? tf('reg_floor_n', { n: u.floor }) : null, u.room]
      .filter(Boolean).join(' ');
  }

  function unitItem(u) {
    const people = el('ul', { className: 'people' }, ...u.residents.map((r) => personItem(r, u)));
    const add = el('button', { type: 'button', className: 'link', textContent: t('reg_add_person') });
    add.addEventListener('click', () => startHousehold(u));
    // a house entered by mistake, or pulled down, leaves the register once no one lives in it
    let end = null;
    if (!u.residents.length) {
      end = el('button', { type: 'button', className: 'link danger', textContent: t('reg_end_unit') });
      end.addEventListener('click', async () => {
        if (!window.confirm(tf('reg_confirm_end_unit', { unit: unitName(u) }))) return;
        await outbox.add({ url: `/api/v1/register/units/${u.id}`, method: 'DELETE', headers: { 'If-Match': `"v${u.version}"` },
                           label: tf('reg_label_end_unit', { unit: unitName(u) }), register: buildingId });
        await showPending();
      });
    }
    return el('li', { className: 'unit' },
      el('div', { className: 'unit-head' }, el('strong', { textContent: unitName(u) }),
        el('span', { className: `use use-${u.use}`, textContent: t(`reg_use_${u.use}`) }),
        el('small', { textContent: tf('reg_households_n', { n: u.households }) })),
      people, el('div', { className: 'person-actions' }, add, end));
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
      el('div', { className: 'person-actions' }, edit, past, r.phone ? revealButton(r) : null));
  }

  // the whole number, for a call: the reason is asked and goes with the read into the access
  // log; the number is shown for a minute and kept nowhere
  function revealButton(r, kinds = 'residents', field = 'phone') {
    const button = el('button', { type: 'button', className: 'link', textContent: t('reg_show_phone') });
    button.addEventListener('click', async () => {
      const reason = window.prompt(t('reg_reveal_why'), '');
      if (reason === null || !reason.trim()) return;
      let response;
      try {
        response = await fetch(`/api/v1/register/${kinds}/${r.id}/reveal`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Accept-Language': document.documentElement.lang,
                     'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content },
          body: JSON.stringify({ field, reason: reason.trim() }),
        });
      } catch {
        notices.show(t('reg_offline'), 'error');
        return;
      }
      const body = await response.json().catch(() => ({}));
      if (!response.ok) { notices.show(body.description || t('load_failed'), 'error'); return; }
      const call = el('a', { href: `tel:${body.value}`, className: 'whole', textContent: body.value });
      button.replaceWith(call);
      setTimeout(() => call.replaceWith(revealButton(r, kinds, field)), 30_000);      // long enough to dial
    });
    return button;
  }

  // -- a household at the door ---------------------------------------------------------------
  function residentFields(index, joining = false) {
    const box = el('fieldset', { className: 'resident' });
    const relation = el('select', { name: 'relation' });
    options(relation, RELATIONS, 'reg_rel_');
    // a house on the register has its head already: a newcomer is someone else
    relation.value = joining ? 'other' : index === 0 ? 'head' : 'spouse';
    const sex = el('select', { name: 'sex' });
    options(sex, ['M', 'F'], 'reg_sex_', true);
    const registration = el('select', { name: 'registration' });
    options(registration, REGISTRATIONS, 'reg_reg_');
    const care = el('div', { className: 'care' }, ...CARE_TAGS.map((tag) => el('label', {},
      el('input', { type: 'checkbox', name: 'care', value: tag }), t(`reg_care_${tag}`))));
    box.append(el('legend', { textContent: tf('reg_person_n', { n: index + 1 }) }),
      el('label', {}, t('reg_name'), el('input', { name: 'name', required: true, maxLength: 100, autocomplete: 'off' })),
      el('label', {}, t('reg_id_number'), el('input', { name: 'id_number', maxLength: 18, autocomplete: 'off', inputMode: 'text' })),
      el('label', {}, t('reg_phone'), el('input', { name: 'phone', type: 'tel', maxLength: 20, autocomplete: 'off' })),
      el('div', { className: 'pair' }, el('label', {}, t('reg_sex'), sex),
        el('label', {}, t('reg_birth_year'), el('input', { name: 'birth_year', type: 'number', min: 1900, max: 2100, inputMode: 'numeric' }))),
      el('p', { className: 'hint', textContent: t('reg_from_id_hint') }),
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
    people.replaceChildren(residentFields(0, Boolean(unit)));
    form.querySelector('.message').textContent = '';
    show(form);
  }

  function personBody(box) {
    const value = (name) => box.querySelector(`[name=${name}]`).value.trim();
    const body = { name: value('name'), relation: value('relation'), registration: value('registration'),
                   care_tags: [...box.querySelectorAll('[name=care]:checked')].map((c) => c.value) };
    if (value('id_number')) body.id_number = value('id_number').toUpperCase();
    if (value('phone')) body.phone = value('phone');
    // sex and year of birth come from the ID number when there is one
    if (!body.id_number && box.querySelector('[name=sex]')?.value) body.sex = value('sex');
    if (!body.id_number && box.querySelector('[name=birth_year]')?.value) body.birth_year = Number(value('birth_year'));
    return body;
  }

  // what the form can tell at once; the server checks the rest (the ID number's region and date)
  function checkPerson(box) {
    const body = personBody(box);
    let problem = '';
    if (!body.name) problem = t('reg_need_name');
    else if (body.id_number && !/^\d{17}[\dX]$/.test(body.id_number)) problem = t('reg_bad_id');
    else if (body.id_number && !idNumberChecks(body.id_number)) problem = t('reg_bad_id_check');
    else if (body.phone && !/^(\+?86)?1[3-9]\d{9}$|^0\d{9,11}$/.test(body.phone.replace(/[\s-]/g, ''))) problem = t('reg_bad_phone');
    box.querySelector('.field-error').textContent = problem;
    return problem ? null : body;
  }

  view.household.querySelector('.add-person').addEventListener('click', () => {
    const people = view.household.querySelector('.residents');
    people.append(residentFields(people.children.length, Boolean(view.household.dataset.unit)));
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
  function worded(field, value) {
    if (value === null || value === undefined || (Array.isArray(value) && !value.length)) return t('reg_none');
    if (field === 'relation') return t(`reg_rel_${value}`);
    if (field === 'registration') return t(`reg_reg_${value}`);
    if (field === 'sex') return t(`reg_sex_${value}`);
    if (field === 'care_tags') return value.map((tag) => t(`reg_care_${tag}`)).join('、');
    if (field === 'ended_at') return when(value);
    return String(value);
  }

  async function showHistory(r, kinds = 'residents') {
    view.history.replaceChildren(el('p', { textContent: t('loading') }));
    show(view.history);
    try {
      const response = await fetch(`/api/v1/register/${kinds}/${r.id}/history`);
      if (!response.ok) throw new Error(String(response.status));
      const { versions } = await response.json();
      const close = el('button', { type: 'button', className: 'secondary', textContent: t('close') });
      close.addEventListener('click', () => show(null));
      view.history.replaceChildren(el('h3', { textContent: tf('reg_history_of', { name: r.name }) }),
        el('ol', { className: 'versions' }, ...versions.map((v, i) => el('li', {},
          el('strong', { textContent: tf('reg_version_n', { n: v.version }) }), ' ',
          el('span', { textContent: t(`reg_action_${v.action}`) }), ' ',
          el('small', { textContent: `${when(v.at)} · ${v.by_name ? pick(v.by_name) : v.by.replace(/^\w+:/, '')}` }),
          ...v.changed.map((f) => el('div', { className: 'changed', textContent: tf('reg_changed_from_to', {
            field: t(`reg_field_${f}`), from: worded(f, versions[i - 1]?.data[f]), to: worded(f, v.data[f]) }) }))))),
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
        el('strong', { textContent: when(v.at) }), ' ',
        [building?.units.find((u) => u.id === v.unit) ? unitName(building.units.find((u) => u.id === v.unit)) : null, v.met, v.note]
          .filter(Boolean).join(' · '),
        v.far ? el('span', { className: 'tag far', textContent: tf('reg_far', { m: Math.round(v.distance_m) }) }) : null,
        v.photos.length ? el('small', { textContent: ` ${tf('reg_photos_n', { n: v.photos.length })}` }) : null,
        v.incident ? el('small', { textContent: ` → ${v.incident}` }) : null)));
    } catch { /* offline: the visits wait for the next opening */ }
  }

  // what of this building still waits in the outbox: the worker sees it was taken
  async function showPending() {
    const waiting = (await outbox.items()).filter((item) => item.register === buildingId);
    const refused = refusedItems.filter(({ item }) => item.register === buildingId);
    view.pending.hidden = waiting.length === 0 && refused.length === 0;
    view.pending.replaceChildren(
      ...(waiting.length ? [el('strong', { textContent: tf('reg_waiting', { n: waiting.length }) }),
        el('ul', {}, ...waiting.map((item) => el('li', { textContent: item.label })))] : []),
      ...(refused.length ? [el('strong', { className: 'refused', textContent: tf('reg_not_accepted', { n: refused.length }) }),
        el('ul', { className: 'refused' }, ...refused.map((entry) => refusedItem(entry)))] : []));
  }

  // what the server refused stays here with its reason until the worker corrects it or lets it
  // go: a household typed at a door is not thrown away for one wrong digit
  function refusedItem(entry) {
    const again = el('button', { type: 'button', className: 'link', textContent: t('reg_fix') });
    again.addEventListener('click', () => { drop(entry); correct(entry.item); });
    const forget = el('button', { type: 'button', className: 'link danger', textContent: t('reg_drop') });
    forget.addEventListener('click', () => { drop(entry); showPending(); });
    return el('li', {}, el('div', { textContent: entry.item.label }), el('div', { className: 'why', textContent: entry.why }),
      el('div', { className: 'person-actions' }, ...(entry.item.body && !entry.item.method ? [again] : []), forget));
  }
  function drop(entry) { refusedItems.splice(refusedItems.indexOf(entry), 1); }

  // the refused item's form again, as typed
  function correct(item) {
    const body = item.body;
    if (item.url.endsWith('/households') || item.url.endsWith('/residents')) {
      const unit = item.url.endsWith('/residents') ? building?.units.find((u) => item.url.includes(`/units/${u.id}/`)) : null;
      startHousehold(unit || null);
      const f = view.household.elements;
      if (body.unit) {
        f.entrance.value = body.unit.entrance ?? ''; f.floor.value = body.unit.floor ?? ''; f.room.value = body.unit.room ?? '';
        f.use.value = body.unit.use; f.floor_area.value = body.unit.floor_area ?? '';
      }
      const people = body.residents || [body];
      const boxes = view.household.querySelector('.residents');
      boxes.replaceChildren(...people.map((_, i) => residentFields(i, Boolean(unit))));
      people.forEach((person, i) => {
        const box = boxes.children[i];
        for (const name of ['name', 'id_number', 'phone', 'relation', 'registration', 'sex', 'birth_year']) {
          if (person[name] !== undefined && box.querySelector(`[name=${name}]`)) box.querySelector(`[name=${name}]`).value = person[name];
        }
        for (const c of box.querySelectorAll('[name=care]')) c.checked = (person.care_tags || []).includes(c.value);
      });
    } else if (item.url.endsWith('/organisations')) {
      view.organisation.reset();
      const f = view.organisation.elements;
      for (const name of ['name', 'kind', 'credit_code', 'contact_name', 'contact_phone', 'employees']) if (body[name] !== undefined) f[name].value = body[name];
      for (const c of view.organisation.querySelectorAll('[name=risk]')) c.checked = (body.risk_tags || []).includes(c.value);
      show(view.organisation);
    } else if (item.url.endsWith('/visits')) {
      startVisit();
      view.visit.elements.met.value = body.met || '';
      view.visit.elements.note.value = body.note || '';
    }
  }

  // the server's reasons by field, in the worker's words: 第2人 王建国：身份证号校验位不符…
  function readable(item, reason, body) {
    if (!body?.errors) return reason;
    const people = item.body?.residents || (item.body?.name ? [item.body] : []);
    return Object.entries(body.errors).map(([key, said]) => {
      const match = /^residents\[(\d+)\]\.(\w+)$/.exec(key);
      if (match) {
        const n = Number(match[1]);
        return `${tf('reg_person_named', { n: n + 1, name: people[n]?.name || '' })} ${t(`reg_field_${match[2]}`)}${t('colon')}${said}`;
      }
      const label = t(`reg_field_${key}`);
      return `${label.startsWith('reg_field_') ? '' : label + t('colon')}${said}`;
    }).join('；');
  }

  // -- an organisation -----------------------------------------------------------------------
  options(view.organisation.elements.kind, ORGANISATION_KINDS, 'reg_org_');
  view.organisation.querySelector('.risks').replaceChildren(...RISK_TAGS.map((tag) => el('label', {},
    el('input', { type: 'checkbox', name: 'risk', value: tag }), t(`reg_risk_${tag}`))));
  view.organisation.querySelector('.cancel').addEventListener('click', () => show(null));
  view.organisation.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = view.organisation.elements;
    const message = view.organisation.querySelector('.message');
    const body = { name: f.name.value.trim(), kind: f.kind.value,
                   risk_tags: [...view.organisation.querySelectorAll('[name=risk]:checked')].map((c) => c.value) };
    for (const name of ['credit_code', 'contact_name', 'contact_phone']) if (f[name].value.trim()) body[name] = f[name].value.trim();
    if (f.employees.value !== '') body.employees = Number(f.employees.value);
    if (body.credit_code) body.credit_code = body.credit_code.toUpperCase();
    if (!body.name) { message.textContent = t('reg_need_name'); return; }
    if (body.credit_code && !/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(body.credit_code)) { message.textContent = t('reg_bad_credit_code'); return; }
    const editing = view.organisation.dataset.id;
    if (editing) {
      // a correction: what is left blank is cleared, as the form shows it; the phone is kept
      // unless a new one is typed (the masked one is not a number to send back)
      for (const name of ['credit_code', 'contact_name']) if (!(name in body)) body[name] = null;
      if (f.employees.value === '') body.employees = null;
      body.version = Number(view.organisation.dataset.version);
      await outbox.add({ url: `/api/v1/register/organisations/${editing}`, method: 'PATCH', body,
                         label: tf('reg_label_correct', { name: body.name }), register: buildingId });
    } else {
      await outbox.add({ url: `/api/v1/register/buildings/${buildingId}/organisations`, body,
                         label: tf('reg_label_organisation', { name: body.name }), register: buildingId });
    }
    show(null);
    notices.show(navigator.onLine ? t('reg_saved') : t('reg_saved_offline'), 'ok');
    await showPending();
  });
  root.querySelector('#register-add-organisation').addEventListener('click', () => {
    view.organisation.reset();
    delete view.organisation.dataset.id;
    view.organisation.querySelector('h3').textContent = t('reg_add_organisation');
    view.organisation.querySelector('.message').textContent = '';
    show(view.organisation);
  });
  function organisationButton(key, act) {
    const button = el('button', { type: 'button', className: 'link', textContent: t(key) });
    button.addEventListener('click', act);
    return button;
  }
  function editOrganisation(o) {
    const form = view.organisation;
    form.reset();
    form.dataset.id = String(o.id);
    form.dataset.version = String(o.version);
    form.querySelector('h3').textContent = tf('reg_correct_organisation', { name: o.name });
    const f = form.elements;
    f.name.value = o.name; f.kind.value = o.kind; f.credit_code.value = o.credit_code || '';
    f.contact_name.value = o.contact_name || ''; f.employees.value = o.employees ?? '';
    f.contact_phone.placeholder = o.contact_phone || '';
    for (const c of form.querySelectorAll('[name=risk]')) c.checked = o.risk_tags.includes(c.value);
    form.querySelector('.message').textContent = '';
    show(form);
  }

  root.querySelector('#register-add').addEventListener('click', () => startHousehold());
  root.querySelector('#register-visit').addEventListener('click', startVisit);

  // back online: the card the worker looks at is read again, with what was sent meanwhile
  window.addEventListener('online', () => { if (buildingId && !view.card.hidden) setTimeout(() => open(buildingId), 1500); });

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
    refused(item, reason, body) {
      const why = readable(item, reason, body);
      if (!item.photo) refusedItems.push({ item, why });
      notices.show(tf('reg_refused', { what: item.label, reason: why }), 'error');
      if (item.register === buildingId) showPending();
    },
    changed() { if (buildingId) showPending(); },
  };
}
