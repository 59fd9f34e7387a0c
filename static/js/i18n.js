// UI strings, one catalogue per language. Default from the browser; the choice is remembered.
const catalogues = {
  zh: {
    title: 'Gridmap 网格地图', switch_language: 'English',
    streets: '街道', communities: '社区', grids: '网格', buildings: '楼栋', roads: '道路',
    cameras: '视频监控', legend: '图例', households: '户数', population: '人口',
    address: '地址', grid: '所属网格', community: '所属社区', code: '编码', kind: '类型',
    levels: '层数', loading: '加载中…', load_failed: '图层加载失败',
    comprehensive: '综合网格', special: '专属网格', logout: '退出登录',
    role_admin: '管理员', role_operator: '指挥中心值班员', role_planner: '规划员',
    role_reviewer: '审核员', role_filer: '备案员', role_worker: '网格员', role_viewer: '访客',
  },
  en: {
    title: 'Gridmap', switch_language: '中文',
    streets: 'Streets', communities: 'Communities', grids: 'Grids', buildings: 'Buildings',
    roads: 'Roads', cameras: 'Cameras', legend: 'Legend', households: 'Households',
    population: 'Residents', address: 'Address', grid: 'Grid', community: 'Community',
    code: 'Code', kind: 'Kind', levels: 'Levels', loading: 'Loading…',
    load_failed: 'Layer failed to load', comprehensive: 'Comprehensive grid',
    special: 'Special grid', logout: 'Log out',
    role_admin: 'Administrator', role_operator: 'Operator', role_planner: 'Planner',
    role_reviewer: 'Reviewer', role_filer: 'Filer', role_worker: 'Grid worker', role_viewer: 'Viewer',
  },
};

const stored = localStorage.getItem('gridmap.lang');
export let lang = stored || (navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en');

export function t(key) {
  return catalogues[lang][key] ?? catalogues.en[key] ?? key;
}

// Names in the data come in both languages: name_zh / name_en.
export function localName(props) {
  return (lang === 'zh' ? props.name_zh : props.name_en) || props.name_zh || props.name_en || props.name || props.code || '';
}

export function translatePage() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  document.title = t('title');
}

export function switchLanguage() {
  lang = lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('gridmap.lang', lang);
}
