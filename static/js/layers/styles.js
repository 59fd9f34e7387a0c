// One style table for the map and its legend, so the two never disagree. `fill` is said for
// every shape and point: vector tiles start from a plain path's options, which fill nothing.
export const layerStyles = {
  streets: { color: '#7b3294', weight: 4, fill: false },
  communities: { color: '#c2185b', weight: 3, fill: false, dashArray: '8 4' },
  grids: { color: '#1565c0', weight: 1.5, fill: true, fillColor: '#64b5f6', fillOpacity: 0.15 },
  buildings: { color: '#6d4c41', weight: 0.6, fill: true, fillColor: '#bcaaa4', fillOpacity: 0.8 },
  roads: { color: '#9e9e9e', weight: 1.2 },
  cameras: { radius: 4, color: '#e65100', weight: 1, fill: true, fillColor: '#ff9800', fillOpacity: 0.9 },
  parts: { radius: 3, color: '#37474f', weight: 1, fill: true, fillColor: '#90a4ae', fillOpacity: 0.9 },
};

// City parts are coloured by the national standard's major class (GB/T 30428.2, 大类 01–06).
export const partGroupColors = {
  '01': '#00838f', '02': '#5e35b1', '03': '#6d4c41', '04': '#2e7d32', '05': '#ad1457', '06': '#c62828',
};

// A feature's style: its layer's, and for a part its major class's colour.
export function featureStyle(collection, props) {
  const style = layerStyles[collection];
  if (collection !== 'parts' || !partGroupColors[props.group]) return style;
  return { ...style, fillColor: partGroupColors[props.group], color: '#263238' };
}
