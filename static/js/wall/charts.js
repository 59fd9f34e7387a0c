// The wall's charts (Apache ECharts, bundled from npm): today by hour against yesterday and the
// same weekday last week, the last 30 days, by category, by channel, open by status, the on-time
// rate as a gauge, and the streets and communities side by side. One request answers every panel
// (GET /api/v1/wall/charts, each panel one SQL aggregate on the server); the stream's events ask
// again, a moment after a burst, instead of every panel polling. Every bar, slice and point
// carries the incident-list filter of the incidents behind it: a click lists them.
import { getJson } from '../http.js';
import { t, tf, pick } from '../i18n.js';

const STATUS_COLOURS = { reported: '#29b6f6', assigned: '#42a5f5', accepted: '#7e57c2', in_progress: '#ffa726',
                         reopened: '#ec407a', escalated: '#ef5350' };
const TEXT = '#e6edf7';
const MUTED = '#9fb2d0';
const GRID_LINE = '#24324f';
const TOP = 6;
// a canvas needs a real font family ("inherit" is not one: it falls back to 10 px sans-serif)
const FONT = '"Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", sans-serif';               // categories and areas: the busiest, the rest in the list behind a click

function fontSize() {
  return Math.round(parseFloat(getComputedStyle(document.documentElement).fontSize) * 0.9);
}

// Tooltips drawn on the canvas (richText): the page's CSP allows no inline style, which ECharts'
// HTML tooltips would need.
function base(size) {
  return {
    backgroundColor: 'transparent',
    textStyle: { color: TEXT, fontSize: size, fontFamily: FONT },
    tooltip: { renderMode: 'richText', trigger: 'item', textStyle: { fontSize: size } },
    animation: false,            // a wall redraws all day: no motion that is not news
  };
}

function axis(extra = {}) {
  const size = fontSize();
  return { axisLabel: { color: MUTED, fontSize: size }, axisLine: { lineStyle: { color: GRID_LINE } },
           splitLine: { lineStyle: { color: GRID_LINE } }, ...extra };
}

function namedBars(items) {
  const size = fontSize();
  const shown = items.slice().reverse();
  return {
    ...base(size),
    grid: { left: 4, right: size * 2.2, top: 2, bottom: 2, containLabel: true },
    xAxis: { type: 'value', show: false, minInterval: 1 },
    yAxis: axis({ type: 'category', data: shown.map((d) => d.label), axisTick: { show: false },
                  axisLabel: { color: TEXT, fontSize: size * 0.9, width: size * 4.2, overflow: 'truncate' } }),
    series: [{ type: 'bar', barMaxWidth: size * 1.1,
               label: { show: true, position: 'right', color: TEXT, fontSize: size * 0.9 },
               data: shown.map((d) => ({ value: d.value, filter: d.filter, caption: d.label, itemStyle: { color: d.colour } })) }],
  };
}

// the categories past the busiest, as one bar whose click lists all of them
function others(rest) {
  const sum = (key) => rest.reduce((n, c) => n + c[key], 0);
  const codes = rest.map((c) => c.code).join(',');
  const first = rest[0];
  const widen = (filter) => ({ ...filter, category: codes });
  return { code: codes, name: { zh: tf('others_n', { n: rest.length }), en: tf('others_n', { n: rest.length }) },
           reported: sum('reported'), overdue: sum('overdue'), filter: widen(first.filter),
           filters: { overdue: widen(first.filters.overdue) } };
}

const shortDay = (iso) => { const [, m, d] = iso.split('-'); return `${Number(m)}/${Number(d)}`; };

// What each panel draws, and how a click on a datum becomes a list of incidents.
const PANELS = {
  by_hour(panel, answer) {
    const size = fontSize();
    const nowHour = Number(answer.now.slice(11, 13));      // the city's hour: `now` carries its offset
    const series = [['today', '#4fc3f7', 4, 'solid'], ['yesterday', '#9fb2d0', 2, 'solid'], ['last_week', '#ce93d8', 2, 'dashed']];
    return {
      ...base(size),
      legend: { top: 0, right: 0, textStyle: { color: MUTED, fontSize: size }, itemWidth: 18 },
      grid: { left: 8, right: 8, top: size * 2, bottom: 4, containLabel: true },
      tooltip: { renderMode: 'richText', trigger: 'axis', textStyle: { fontSize: size } },
      xAxis: axis({ type: 'category', data: [...Array(24).keys()].map((h) => tf('hour_n', { n: h })),
                    axisLabel: { color: MUTED, fontSize: size, interval: 5 } }),
      yAxis: axis({ type: 'value', minInterval: 1 }),
      series: series.map(([name, colour, width, type]) => ({
        name: t(`series_${name}`), type: 'line', smooth: true, symbolSize: name === 'today' ? 7 : 4,
        lineStyle: { color: colour, width, type }, itemStyle: { color: colour },
        data: panel.series[name].points.map((p) => ({ value: name === 'today' && p.hour > nowHour ? null : p.count,
                                                      filter: p.filter, caption: tf('hour_n', { n: p.hour }) })),
      })),
    };
  },
  by_day(panel) {
    const size = fontSize();
    return {
      ...base(size),
      legend: { top: 0, right: 0, textStyle: { color: MUTED, fontSize: size }, itemWidth: 18 },
      grid: { left: 8, right: 8, top: size * 2, bottom: 4, containLabel: true },
      tooltip: { renderMode: 'richText', trigger: 'axis', textStyle: { fontSize: size } },
      xAxis: axis({ type: 'category', data: panel.days.map((d) => shortDay(d.date)), axisLabel: { color: MUTED, fontSize: size, interval: 6 } }),
      yAxis: axis({ type: 'value', minInterval: 1 }),
      series: [
        { name: t('series_reported'), type: 'bar', itemStyle: { color: '#1e88e5' },
          data: panel.days.map((d) => ({ value: d.reported, filter: d.filter, caption: shortDay(d.date) })) },
        { name: t('series_closed'), type: 'line', symbolSize: 4, itemStyle: { color: '#66bb6a' }, lineStyle: { color: '#66bb6a', width: 2 },
          data: panel.days.map((d) => ({ value: d.closed, filter: d.filters.closed, caption: shortDay(d.date) })) },
      ],
    };
  },
  by_category(panel) {
    const size = fontSize();
    const rest = panel.categories.slice(TOP - 1);
    const top = panel.categories.length > TOP ? [...panel.categories.slice(0, TOP - 1), others(rest)] : panel.categories;
    top.reverse();
    return {
      ...base(size),
      grid: { left: 8, right: 16, top: 4, bottom: 4, containLabel: true },
      xAxis: axis({ type: 'value', minInterval: 1 }),
      yAxis: axis({ type: 'category', data: top.map((c) => pick(c.name)), axisLabel: { color: TEXT, fontSize: size * 0.9, interval: 0 } }),
      series: [
        { name: t('series_reported'), type: 'bar', barGap: '-100%', itemStyle: { color: '#1e88e5' },
          data: top.map((c) => ({ value: c.reported, filter: c.filter, caption: pick(c.name) })) },
        { name: t('series_overdue'), type: 'bar', itemStyle: { color: '#ff5252' },
          data: top.map((c) => ({ value: c.overdue, filter: c.filters.overdue, caption: pick(c.name) })) },
      ],
    };
  },
  // channels and open statuses: short bars with their names, read at a glance (pies' outer
  // labels do not fit half a column)
  by_channel(panel) {
    return namedBars(panel.channels.filter((c) => c.count).map((c) => ({
      label: t(`channel_${c.channel}`), value: c.count, filter: c.filter, colour: '#26a69a' })));
  },
  open_by_status(panel) {
    return namedBars(panel.statuses.filter((s) => s.count).map((s) => ({
      label: t(`status_${s.status}`), value: s.count, filter: s.filter, colour: STATUS_COLOURS[s.status] })));
  },
  on_time(panel) {
    const size = fontSize();
    const rate = panel.rate === null ? 0 : Math.round(panel.rate * 100);
    return {
      ...base(size),
      tooltip: { show: false },
      series: [{ type: 'gauge', startAngle: 200, endAngle: -20, min: 0, max: 100, radius: '118%', center: ['50%', '72%'],
                 progress: { show: true, width: size * 0.6, itemStyle: { color: rate >= 90 ? '#66bb6a' : rate >= 75 ? '#ffb300' : '#ff5252' } },
                 axisLine: { lineStyle: { width: size * 0.6, color: [[1, GRID_LINE]] } },
                 axisTick: { show: false }, splitLine: { show: false }, axisLabel: { show: false }, pointer: { show: false },
                 anchor: { show: false }, title: { show: false },
                 detail: { offsetCenter: [0, '12%'], fontSize: size * 1.6, fontWeight: 700, color: TEXT,
                           formatter: () => (panel.rate === null ? '–' : `${rate}%`) },
                 data: [{ value: rate, filter: panel.filter, caption: t('series_late') }] }],
    };
  },
  by_area(panel, answer, section) {
    const size = fontSize();
    // streets side by side when there are several, else the one street's communities: a street
    // beside its own communities dwarfs them on one scale
    const areas = (panel.streets.length > 1 ? panel.streets : panel.communities).slice(0, TOP);
    const room = Math.max(40, section.clientWidth / Math.max(1, areas.length) - 14);  // each name's width, a gap between
    const names = areas.map((a) => pick(a.name));
    const bar = (key, colour, filterOf) => ({
      name: t(`series_${key}`), type: 'bar', itemStyle: { color: colour },
      data: areas.map((a, i) => ({ value: a[key], filter: filterOf(a), caption: names[i] })),
    });
    return {
      ...base(size),
      legend: { top: 0, right: 0, textStyle: { color: MUTED, fontSize: size }, itemWidth: 14 },
      grid: { left: 8, right: 8, top: size * 2, bottom: 4, containLabel: true },
      tooltip: { renderMode: 'richText', trigger: 'axis', textStyle: { fontSize: size } },
      xAxis: axis({ type: 'category', data: names, axisLabel: { color: TEXT, fontSize: size * 0.8, interval: 0, overflow: 'truncate', width: room } }),
      // the rates' scale reaches past 100%: a full mark's label stays under the legend, not in it
      yAxis: [axis({ type: 'value', minInterval: 1 }), axis({ type: 'value', min: 0, max: 125, show: false })],
      series: [
        bar('reported', '#1e88e5', (a) => a.filter), bar('open', '#ffa726', (a) => a.filters.open),
        bar('overdue', '#ff5252', (a) => a.filters.overdue),
        { name: t('series_on_time'), type: 'line', yAxisIndex: 1, symbolSize: 8, itemStyle: { color: '#66bb6a' },
          label: { show: true, color: '#a5d6a7', fontSize: size * 0.85, formatter: (p) => (p.value === null ? '' : `${p.value}%`) },
          data: areas.map((a, i) => ({ value: a.on_time_rate === null ? null : Math.round(a.on_time_rate * 100),
                                      filter: a.filters.late, caption: names[i] })) },
      ],
    };
  },
};

export function wallCharts({ onDrill }) {
  const charts = new Map();          // panel name → {chart, section}
  let period = 'today';
  let answer = null;
  for (const section of document.querySelectorAll('.chart[data-panel]')) {
    const chart = echarts.init(section.querySelector('.plot'), null, { renderer: 'canvas' });
    const name = section.dataset.panel;
    chart.on('click', (params) => {
      const datum = params.data;
      if (!datum?.filter) return;
      const title = [(section.querySelector('h2 span') || section.querySelector('h2'))?.textContent || t(`chart_${name}`), datum.caption, params.seriesName]
        .filter((part) => part && !part.startsWith('series')).join(' · ');
      onDrill({ title, filter: datum.filter, period: answer?.period });
    });
    charts.set(name, { chart, section });
  }
  window.addEventListener('resize', () => { for (const { chart } of charts.values()) chart.resize(); });

  function draw() {
    if (!answer) return;
    for (const [name, { chart, section }] of charts) {
      const panel = answer.panels[name];
      if (!panel) continue;
      chart.setOption(PANELS[name](panel, answer, section), { notMerge: true });
      section.dataset.drawn = 'true';
    }
    for (const small of document.querySelectorAll('.period-name')) small.textContent = t(`period_${period}`);
    document.getElementById('charts').dataset.period = period;
  }

  async function refresh() {
    answer = await getJson(`/api/v1/wall/charts?period=${encodeURIComponent(period)}`);
    draw();
    return answer;
  }

  return {
    refresh,
    setPeriod(name) { period = name; return refresh(); },
    period: () => period,
    // for the browser tests: where on the page a datum's bar (or point) is, to click it there
    pixelOf(name, seriesIndex, dataIndex) {
      const { chart, section } = charts.get(name);
      const option = chart.getOption();
      const value = option.series[seriesIndex].data[dataIndex].value;
      const across = option.yAxis[0].type === 'category';
      const middle = option.series[seriesIndex].type === 'bar' ? value / 2 : value;
      const [x, y] = chart.convertToPixel({ seriesIndex }, across ? [middle, dataIndex] : [dataIndex, middle]);
      const box = section.querySelector('.plot').getBoundingClientRect();
      return { x: box.left + x, y: box.top + y, value };
    },
    chart: (name) => charts.get(name)?.chart,
  };
}

