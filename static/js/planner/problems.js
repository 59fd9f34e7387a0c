// The plan's problems as a list: every one of them, grouped by kind with each group's count,
// blocking kinds first. An item shows its place on the map; some offer a one-click fix: a
// sliver, or a grid under the household standard, is merged into the neighbour it shares the
// longest boundary with; a building cut by a grid line goes wholly into the grid holding most
// of it.
import { t, tf } from '../i18n.js';

const ORDER = ['invalid', 'gap', 'overlap', 'edge', 'sliver', 'outside', 'no_community', 'cut_building',
  'households', 'strip', 'no_worker', 'worker_many_grids'];

// a group this long starts folded (its count in its heading); the reader's folding is kept
const FOLDED_OVER = 25;

const rank = (kind) => (ORDER.includes(kind) ? ORDER.indexOf(kind) : ORDER.length);

// The one-click fix a problem offers, as its button says it ({label, title}), or null.
export function fixOf(problem) {
  const p = problem.properties;
  const merge = { label: t('fix_merge'), title: t('fix_merge_title') };
  if (p.kind === 'sliver') return p.grids.length === 1 ? merge : null;
  if (p.kind === 'households') {
    return p.grids.length === 1 && Array.isArray(p.range) && p.households < p.range[0] ? merge : null;
  }
  if (p.kind === 'cut_building' && Number.isInteger(p.building) && p.grids.length > 1) {
    // the grids come largest share first: the first takes the building
    return { label: tf('fix_whole', { code: p.grids[0] }), title: t('fix_whole_title') };
  }
  return null;
}

// `folded`: the kinds folded, `seen`: the kinds listed before (both kept across refreshes);
// `show(n)`: the nth problem on the map; `fix(problem)`, when the reader may edit, mends one.
export function problemList(container, problems, { folded, seen, show, fix, message }) {
  container.replaceChildren();
  const groups = new Map();
  problems.features.forEach((problem, n) => {
    const { kind } = problem.properties;
    if (!groups.has(kind)) groups.set(kind, []);
    groups.get(kind).push([problem, n]);
  });
  const kinds = [...groups.keys()].sort((a, b) => {
    const blockingFirst = Number(!groups.get(a)[0][0].properties.blocking) - Number(!groups.get(b)[0][0].properties.blocking);
    return blockingFirst || rank(a) - rank(b);
  });
  for (const kind of kinds) {
    const items = groups.get(kind);
    const blocking = items.some(([p]) => p.properties.blocking);
    if (!seen.has(kind)) {
      seen.add(kind);
      if (items.length > FOLDED_OVER) folded.add(kind);
    }
    const group = document.createElement('details');
    group.className = `group ${blocking ? 'blocking' : 'warning'}`;
    group.dataset.kind = kind;
    group.open = !folded.has(kind);
    group.addEventListener('toggle', () => (group.open ? folded.delete(kind) : folded.add(kind)));
    const summary = document.createElement('summary');
    summary.append(t(`kind_${kind}`) === `kind_${kind}` ? kind : t(`kind_${kind}`), ' ',
      Object.assign(document.createElement('span'), { className: 'count', textContent: String(items.length) }));
    const list = document.createElement('ol');
    for (const [problem, n] of items) {
      const item = document.createElement('li');
      item.className = problem.properties.blocking ? 'blocking' : 'warning';
      item.dataset.kind = kind;
      item.dataset.n = String(n);
      const text = Object.assign(document.createElement('span'), { className: 'text', textContent: message(problem) });
      item.append(text);
      if (problem.geometry) {
        item.classList.add('placed');
        item.tabIndex = 0;
        item.title = t('show_on_map');
        item.addEventListener('click', (event) => { if (!event.target.closest('button')) show(n); });
        item.addEventListener('keydown', (event) => { if (event.key === 'Enter') show(n); });
      }
      const offered = fix && fixOf(problem);
      if (offered) {
        const button = Object.assign(document.createElement('button'), {
          type: 'button', className: 'fix', textContent: offered.label, title: offered.title });
        button.addEventListener('click', () => fix(problem));
        item.append(' ', button);
      }
      list.append(item);
    }
    group.append(summary, list);
    container.append(group);
  }
  if (!problems.features.length) {
    container.append(Object.assign(document.createElement('p'), { className: 'none', textContent: t('no_problems') }));
  }
}

// "网格线 96% 沿道路、铁路或河流": how much of the plan's lines a worker can see on the ground
export function onGround(problems) {
  const share = problems.on_ground?.share;
  return share == null ? '' : tf('on_ground', { share: `${Math.round(share * 100)}%` });
}

// "25（必须解决 15）": how many, and how many block submission
export function problemCount(problems) {
  const blocking = problems.features.filter((p) => p.properties.blocking).length;
  return tf('problem_count', { n: problems.features.length, blocking });
}
