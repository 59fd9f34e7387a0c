// Colours of the wall, shared by the map and its legend so the two never disagree.
export const STATUSES = ['reported', 'assigned', 'accepted', 'in_progress', 'resolved', 'reopened', 'escalated'];
export const OPEN = new Set(['reported', 'assigned', 'accepted', 'in_progress', 'reopened', 'escalated', 'resolved']);

export const outlines = {
  streets: { color: '#ce93d8', weight: 3, fill: false, interactive: false },
  communities: { color: '#f48fb1', weight: 2, fill: false, dashArray: '8 4', interactive: false },
};

// Roads and buildings are the quiet ground the rest stands on: dim, thin, never a status colour.
export const tiles = {
  buildings: { color: '#26324a', weight: 0.4, fill: true, fillColor: '#1a2438', fillOpacity: 0.8 },
  roads: { color: '#2f3b55', weight: 1 },
  'camera-coverage': { color: '#80cbc4', weight: 0.5, fill: true, fillColor: '#80cbc4', fillOpacity: 0.15 },
  'camera-blind-spots': { color: '#ff4081', weight: 2.5, opacity: 0.85 },
};

// Grids are shaded by today's load in classes cut at the quantiles the server sends
// (services/live/wall.py): the first class is "nothing today", then from cool to hot.
export const LOAD_FILLS = [
  // cool to deep violet: red stays the colour of lateness (a red edge, the overdue count)
  { fillColor: '#1e3a5f', fillOpacity: 0.2 },
  { fillColor: '#26a69a', fillOpacity: 0.3 },
  { fillColor: '#42a5f5', fillOpacity: 0.35 },
  { fillColor: '#7e57c2', fillOpacity: 0.42 },
  { fillColor: '#ab47bc', fillOpacity: 0.5 },
  { fillColor: '#e040fb', fillOpacity: 0.55 },
];

// the class of a load: 0 for none, then 1 + the number of breaks above 1 it reaches
export function loadClass(load, breaks) {
  if (!load) return 0;
  let cls = 0;
  for (const b of breaks) if (load >= b) cls += 1;
  return Math.min(cls, LOAD_FILLS.length - 1);
}

// A special grid (专属网格: a school, a hospital, a park… carved out as a grid of its own) is
// shaded by its load like any other, and outlined apart: dashed amber, wide enough to find a
// school's small grid at city scale; overdue, red like any other but still dashed, so that
// lateness does not hide what the grid is.
export const SPECIAL_GRID = { color: '#ffca28', weight: 3, dashArray: '8 5' };
const OVERDUE_EDGE = { color: '#ff5252', weight: 2.5 };

export function gridStyle(load, breaks = [], kind = 'comprehensive') {
  const fill = LOAD_FILLS[loadClass(load?.load || 0, breaks)];
  const special = kind === 'special';
  const edge = special ? SPECIAL_GRID : { color: '#4f83cc', weight: 1 };
  const late = load?.overdue ? { ...OVERDUE_EDGE, ...(special ? { weight: SPECIAL_GRID.weight, dashArray: SPECIAL_GRID.dashArray } : {}) } : {};
  return { ...edge, ...late, ...fill };
}

// Cameras are equipment, not cases: a grey-blue square, in no incident status's colour.
export const cameraStyle = { radius: 4, color: '#263238', weight: 2, fillColor: '#b0bec5', fillOpacity: 0.95 };

// a street chief's segment: a bright dashed line along the road it answers for
export const segmentStyle = { color: '#4dd0e1', weight: 4, opacity: 0.8, dashArray: '10 6' };

// the heat map's ramp, from a few incidents to many
export const HEAT_RAMP = ['#fff59d', '#ffcc80', '#ff8a65', '#f4511e', '#b71c1c'];
