// Colours of the wall, shared by the map and its legend so the two never disagree.
export const STATUSES = ['reported', 'assigned', 'accepted', 'in_progress', 'resolved', 'reopened', 'escalated'];
export const OPEN = new Set(['reported', 'assigned', 'accepted', 'in_progress', 'reopened', 'escalated', 'resolved']);

export const outlines = {
  streets: { color: '#ce93d8', weight: 3, fill: false, interactive: false },
  communities: { color: '#f48fb1', weight: 2, fill: false, dashArray: '8 4', interactive: false },
};

export const tiles = {
  buildings: { color: '#5d6b85', weight: 0.5, fill: true, fillColor: '#2b3750', fillOpacity: 0.9 },
  roads: { color: '#46536d', weight: 1.2 },
  'camera-coverage': { color: '#ffb74d', weight: 0.5, fill: true, fillColor: '#ffb74d', fillOpacity: 0.18 },
  'camera-blind-spots': { color: '#ff4081', weight: 2.5, opacity: 0.85 },
};

// Grids are shaded by their open incidents; a red edge when any is overdue.
export const LOAD_CLASSES = [
  { key: 'load_0', min: 0, fillColor: '#1e3a5f', fillOpacity: 0.25 },
  { key: 'load_1', min: 1, fillColor: '#fdd835', fillOpacity: 0.3 },
  { key: 'load_3', min: 3, fillColor: '#fb8c00', fillOpacity: 0.4 },
  { key: 'load_6', min: 6, fillColor: '#e53935', fillOpacity: 0.5 },
];

export function gridStyle(load) {
  const open = load?.open || 0;
  const cls = [...LOAD_CLASSES].reverse().find((c) => open >= c.min);
  return { color: load?.overdue ? '#ff5252' : '#4f83cc', weight: load?.overdue ? 2.5 : 1,
           fillColor: cls.fillColor, fillOpacity: cls.fillOpacity };
}

export const cameraStyle = { radius: 4, color: '#ffb74d', weight: 1, fillColor: '#ff9800', fillOpacity: 0.9 };

// a street chief's segment: a bright dashed line along the road it answers for
export const segmentStyle = { color: '#4dd0e1', weight: 4, opacity: 0.8, dashArray: '10 6' };
