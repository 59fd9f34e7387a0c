// One style table for the map and its legend, so the two never disagree.
export const layerStyles = {
  streets: { color: '#7b3294', weight: 4, fill: false },
  communities: { color: '#c2185b', weight: 3, fill: false, dashArray: '8 4' },
  grids: { color: '#1565c0', weight: 1.5, fillColor: '#64b5f6', fillOpacity: 0.15 },
  buildings: { color: '#6d4c41', weight: 0.6, fillColor: '#bcaaa4', fillOpacity: 0.8 },
  roads: { color: '#9e9e9e', weight: 1.2 },
  cameras: { radius: 4, color: '#e65100', weight: 1, fillColor: '#ff9800', fillOpacity: 0.9 },
};
