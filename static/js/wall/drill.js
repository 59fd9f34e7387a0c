// The incidents behind a chart's bar or a heat map's hexagon: the list the server gives for the
// datum's own filter (the same numbers the chart counted), each opening its card. Or a side
// panel's list whole, when its room showed only part of it: the lines the panel made (`items`),
// of `total` (the server sends the first ones of a longer list).
import { getJson } from '../http.js';
import { t, tf, pick, when } from '../i18n.js';
import { placeName } from './panel.js';

const SHOWN = 200;

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

export function drillPanel({ element, onSelect }) {
  let asked = 0;

  async function show({ title, filter, items, total }) {
    const mine = ++asked;
    delete element.dataset.count;          // until this list's own count is known
    if (items) {
      const list = el('ol');
      list.append(...items);
      const count = total === undefined ? [] : [el('p', tf('n_incidents', { n: total }))];
      if (total > items.length) list.append(el('li', tf('more_n', { n: total - items.length }), 'more'));
      element.replaceChildren(closeButton(), el('h2', title), ...count, list);
      element.dataset.count = String(total ?? items.length);
      element.hidden = false;
      return;
    }
    const query = new URLSearchParams({ ...filter, limit: String(SHOWN) });
    element.replaceChildren(el('h2', title), el('p', t('loading')));
    element.hidden = false;
    const answer = await getJson(`/api/v1/incidents?${query}`);
    if (mine !== asked) return;            // a later click asked for another list
    const list = el('ol');
    for (const f of answer.features) {
      const p = f.properties;
      const item = el('li', null, p.overdue ? 'late' : '');
      item.dataset.code = p.code;
      item.append(el('span', p.overdue ? t('overdue_now') : t(`status_${p.status}`), 'state'),
                  `${when(p.reported_at, 'short')} ${pick(p.category_name)} · ${placeName(p)} `, el('span', p.code, 'code'));
      item.addEventListener('click', () => onSelect(f.id, f.geometry.coordinates));
      list.append(item);
    }
    element.replaceChildren(closeButton(), el('h2', title), el('p', tf('n_incidents', { n: answer.numberMatched })), list);
    element.dataset.count = String(answer.numberMatched);
  }

  function closeButton() {
    const close = el('button', '×', 'close');
    close.type = 'button';
    close.setAttribute('aria-label', t('close'));
    close.addEventListener('click', hide);
    return close;
  }

  function hide() {
    asked += 1;
    element.hidden = true;
  }

  return { show, hide };
}
