// A grid's names, its kind and its full-time worker, for the one grid selected in a draft. After
// a split it opens on the new grid: its names suggested (the community's next "第N网格"), its
// worker picked from the workers of the plan's area — first those the plan gives no grid yet, of
// the grid's own community first, then those it does (saying which) — or a new worker typed by
// name. The kind is a comprehensive grid or a special one (专属网格) with the kind of site it is
// carved around (a school, a park…: `siteKinds`, the server's table). Saved as one edit.
import { t, tf, lang } from '../i18n.js';

const NEW = '__new__';

// `grid`: the grid's names and worker from the problems answer; `feature`: the plan's feature
// (its version); `workers`: those the planner may give it (GET /plans/{id} `workers`);
// `siteKinds`: [{code, name_zh, name_en}] (GET /plans/{id} `site_kinds`); `save(body)` sends the change.
export function gridForm(form, { feature, grid, workers, siteKinds = [], fresh, save }) {
  form.replaceChildren();
  form.dataset.feature = String(feature.id);
  form.classList.toggle('fresh', Boolean(fresh));
  const heading = document.createElement('h3');
  heading.textContent = tf(fresh ? 'grid_form_new' : 'grid_form', { code: feature.properties.code });
  const field = (key, input) => {
    const label = document.createElement('label');
    label.className = 'field';
    label.append(Object.assign(document.createElement('span'), { textContent: t(key) }), input);
    return label;
  };
  const nameZh = Object.assign(document.createElement('input'), { name: 'name_zh', required: true, maxLength: 200,
    value: grid?.name_zh ?? feature.properties.name_zh ?? '' });
  const nameEn = Object.assign(document.createElement('input'), { name: 'name_en', required: true, maxLength: 200,
    value: grid?.name_en ?? feature.properties.name_en ?? '' });
  const kind = kindSelect(feature.properties, siteKinds);
  const worker = Object.assign(document.createElement('select'), { name: 'worker' });
  const current = grid?.worker;
  worker.add(new Option(current ? t('worker_none') : t('worker_choose'), ''));
  const name = (w) => (lang === 'zh' ? w.zh || w.name_zh : w.en || w.name_en) || w.code;
  if (current) worker.add(new Option(name(current), current.code, true, true));
  const community = feature.properties.community;
  const near = (w) => Number(w.community !== community);
  const others = workers.filter((w) => w.code !== current?.code);
  const unplaced = others.filter((w) => !w.plan_grids.length);
  const placed = others.filter((w) => w.plan_grids.length);
  for (const [key, group, where] of [
    ['workers_unplaced', unplaced, (w) => (w.holds ? tf('worker_now_at', { code: w.holds }) : t('worker_free'))],
    ['workers_placed', placed, (w) => tf('worker_in_plan', { codes: w.plan_grids.join(lang === 'zh' ? '、' : ', ') })]]) {
    if (!group.length) continue;
    const list = Object.assign(document.createElement('optgroup'), { label: t(key) });
    for (const w of [...group].sort((a, b) => near(a) - near(b))) {   // stable: the server's order within
      list.append(new Option(`${name(w)}${lang === 'zh' ? `（${where(w)}）` : ` (${where(w)})`}`, w.code));
    }
    worker.add(list);
  }
  worker.add(new Option(t('worker_new'), NEW));
  nameZh.defaultValue = nameZh.value;          // untouched, Ctrl+Z is the plan's undo
  nameEn.defaultValue = nameEn.value;
  const newName = Object.assign(document.createElement('input'), { name: 'new_worker', maxLength: 100 });
  const newField = field('new_worker_name', newName);
  newField.hidden = true;
  worker.addEventListener('change', () => {
    newField.hidden = worker.value !== NEW;
    newName.required = worker.value === NEW;
    if (worker.value === NEW) newName.focus();
  });
  const submit = Object.assign(document.createElement('button'), { type: 'submit', textContent: t('save') });
  form.append(heading, field('name_zh', nameZh), field('name_en', nameEn), field('grid_kind', kind),
    field('full_time_worker', worker), newField, submit);
  form.onsubmit = (event) => {
    event.preventDefault();
    const body = { feature: feature.id, name_zh: nameZh.value.trim(), name_en: nameEn.value.trim(),
      versions: { [feature.id]: feature.properties.version } };
    if (worker.value === NEW) body.new_worker = newName.value.trim();
    else if (worker.value !== (current?.code ?? '')) body.worker = worker.value || null;
    if (kind.value !== kind.dataset.was) {
      const [chosen, site] = kind.value.split(':');
      Object.assign(body, { kind: chosen, site_kind: site || null });
    }
    save(body);
  };
  form.hidden = false;
  if (fresh) nameZh.focus();
}

// "综合网格", then "专属网格 · 学校" for each kind of site; `value`: comprehensive or special:<site kind>
function kindSelect(properties, siteKinds) {
  const select = Object.assign(document.createElement('select'), { name: 'kind' });
  select.add(new Option(t('grid_comprehensive'), 'comprehensive'));
  const special = (name) => `${t('grid_special')} · ${name}`;
  for (const k of siteKinds) select.add(new Option(special(lang === 'zh' ? k.name_zh : k.name_en), `special:${k.code}`));
  const was = properties.kind === 'special' ? `special:${properties.site_kind ?? ''}` : 'comprehensive';
  // a special grid of no kind in the table (none given, or a kind since removed) keeps its own
  if (![...select.options].some((o) => o.value === was)) select.add(new Option(special(properties.site_kind || t('site_kind_none')), was));
  select.value = was;
  select.dataset.was = was;
  return select;
}
