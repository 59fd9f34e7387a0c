// The areas a planner looks at one at a time: each street, followed by its communities. A city
// has a hundred streets and 1,200 communities and planners redraw one of them at a time, so the
// current division is shown an area at a time, the one chosen here (remembered in this browser),
// and a new plan is of an area from the same list. Names only: their shapes are not needed.
import { t, lang, localName } from '../i18n.js';
import { getJson } from '../http.js';

const STORE = 'gridmap.planner.area';
const NAMES = 'skipGeometry=true&sortby=code&limit=10000&properties=code,name_zh,name_en';

// [{ code, level, name_zh, name_en }]: a street, then its communities; communities whose
// street the user may not see come last
export async function loadAreas() {
  const [streets, communities] = await Promise.all([
    getJson(`/ogcapi/collections/streets/items?${NAMES}`),
    getJson(`/ogcapi/collections/communities/items?${NAMES},street`),
  ]);
  const area = (level) => (f) => ({ ...f.properties, level });
  const under = new Map();
  for (const community of communities.features.map(area('community'))) {
    if (!under.has(community.street)) under.set(community.street, []);
    under.get(community.street).push(community);
  }
  const listed = streets.features.map(area('street')).flatMap((s) => {
    const own = under.get(s.code) ?? [];
    under.delete(s.code);
    return [s, ...own];
  });
  return [...listed, ...[...under.values()].flat()];
}

// "街道 · 振兴街道（ZX-01-01）", a community set in under its street
export function areaLabel(area) {
  const code = lang === 'zh' ? `（${area.code}）` : ` (${area.code})`;
  return `${t(`level_${area.level}`)} · ${localName(area)}${code}`;
}

export function fillAreas(select, areas) {
  select.replaceChildren(...areas.map((area) => {
    // a no-break space is kept where an option's leading spaces are not
    const option = new Option(`${area.level === 'community' ? '\u00a0\u00a0\u00a0' : ''}${areaLabel(area)}`, area.code);
    option.title = areaLabel(area);
    return option;
  }));
}

// The area chosen last in this browser, while the user may still see it; else the first street.
export function rememberedArea(areas) {
  const code = localStorage.getItem(STORE);
  return areas.find((a) => a.code === code) ?? areas.find((a) => a.level === 'street') ?? areas[0] ?? null;
}

export function remember(area) {
  localStorage.setItem(STORE, area.code);
}

// The grids collection's filter for an area's grids ('' for a district or a city: all)
export function gridFilter(area) {
  return ['street', 'community'].includes(area?.level) ? `${area.level}=${encodeURIComponent(area.code)}` : '';
}
