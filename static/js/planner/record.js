// The plan's record, newest first: who (by name) did what and when — each workflow step and
// each edit in force with the grids it was about. It is the net change (the server's `events`):
// an undo takes its edit's entry back instead of adding one, a redo puts it back; an edit
// undone is struck through while Redo can still make it again. And the undo and redo buttons,
// which say what they would take back or make again.
import { t, tf, lang, when } from '../i18n.js';

const list = (codes) => (codes || []).join(lang === 'zh' ? '、' : ', ');

// the person behind an event, as the incident history names them (gridmap_actor)
export function who(by, actor) {
  if (by?.kind === 'person') return (lang === 'zh' ? by.zh : by.en) || by.zh || by.en;
  if (by?.kind === 'role') return t(`role_${by.role}`);
  if (by?.kind === 'system') return t('actor_system');
  if (by?.kind === 'account') return t('actor_account');
  return actor;
}

// "拆分网格 HEL-01-01-01-01、HEL-01-01-01-06"
// "改为专属网格（学校） HEL-01-01-01-03"; names given with it: "命名并指定网格员，改为综合网格 …"
export function editDone(data) {
  let what = t(`edit_${data?.op}`);
  if (data?.became) what = data.op === 'kind' ? became(data.became) : `${what}${t('comma')}${became(data.became)}`;
  return `${what} ${list(data?.grids)}`.trim();
}

function became(kind) {
  if (kind.kind !== 'special') return t('edit_became_comprehensive');
  const site = (lang === 'zh' ? kind.site_zh : kind.site_en) || kind.site_zh || kind.site_en || kind.site_kind;
  return site ? tf('edit_became_special_site', { site }) : t('edit_became_special');
}

// "生成建议方案：7 个网格，每格 300–1000 户"
function proposedWhat(data) {
  const range = { low: data.min_households, high: data.max_households };
  return data.grids == null ? tf('step_proposed_range', range) : tf('step_proposed_what', { ...range, grids: data.grids });
}

export function listEvents(container, events, count) {
  container.replaceChildren();
  count.textContent = events.length ? `(${events.length})` : '';
  for (const event of [...events].reverse()) {
    const item = document.createElement('li');
    item.dataset.action = event.action;
    const time = Object.assign(document.createElement('time'), { dateTime: event.at, textContent: when(event.at, 'short') });
    const name = Object.assign(document.createElement('b'), { className: 'who', textContent: who(event.by, event.actor) });
    let what = t(`step_${event.action}`);
    if (event.action === 'edit') what = editDone(event.data);
    if (event.action === 'proposed' && event.data?.max_households) what = proposedWhat(event.data);
    const step = Object.assign(document.createElement('span'), { className: 'what', textContent: what });
    if (event.undone) {
      item.classList.add('undone');
      step.title = t('undone');
    }
    item.append(time, ' ', name, ' ', step);
    // a proposal recorded before its figures moved into data carries them as an English note
    if (event.note && !(event.action === 'proposed' && event.data?.max_households)) item.append(`${t('colon')}${event.note}`);
    if (event.map) {
      const link = Object.assign(document.createElement('a'), { href: event.map, target: '_blank', textContent: t('printable_map') });
      item.append(' ', link);
    }
    container.append(item);
  }
}

// the buttons' state from the plan (or an edit's answer): {undo: {op, grids} | null, redo: …}
export function journalButtons(undo, redo, state) {
  for (const [button, step, key] of [[undo, state.undo, 'undo_what'], [redo, state.redo, 'redo_what']]) {
    button.disabled = !step;
    button.title = step ? tf(key, { what: editDone(step) }) : t(key === 'undo_what' ? 'nothing_to_undo' : 'nothing_to_redo');
    button.dataset.op = step?.op || '';
  }
}
