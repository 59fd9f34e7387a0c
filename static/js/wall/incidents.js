// Incidents on the wall: a dot per open incident in its status colour, overdue ones ringed in
// red (new ones pulse: pulse.js); clustered when zoomed out (a cluster holding an overdue one is red).
import { OPEN } from './styles.js';

function icon(status, overdue) {
  return L.divIcon({ className: `incident-icon s-${status}${overdue ? ' overdue' : ''}`, iconSize: [16, 16] });
}

export function incidentLayer(onSelect) {
  const markers = new Map();          // incident id → marker
  const cluster = L.markerClusterGroup({
    maxClusterRadius: 45,
    disableClusteringAtZoom: 17,
    chunkedLoading: true,
    iconCreateFunction: (c) => {
      const overdue = c.getAllChildMarkers().some((m) => m.incident.overdue);
      const n = c.getChildCount();
      return L.divIcon({ html: `<div><span>${n}</span></div>`, iconSize: [40, 40],
                         className: `marker-cluster${overdue ? ' has-overdue' : ''}` });
    },
  });

  function upsert(incident) {
    const { id, status, lon, lat } = incident;
    const existing = markers.get(id);
    if (!OPEN.has(status)) {          // closed, rejected or merged: off the wall
      if (existing) { cluster.removeLayer(existing); markers.delete(id); }
      return;
    }
    if (existing) {
      existing.incident = { ...existing.incident, ...incident };
      existing.setIcon(icon(status, existing.incident.overdue));
      cluster.refreshClusters(existing);
      return;
    }
    const marker = L.marker([lat, lon], { icon: icon(status, incident.overdue), keyboard: false });
    marker.incident = incident;
    marker.on('click', () => onSelect(id));
    markers.set(id, marker);
    cluster.addLayer(marker);
  }

  function load(incidents) {
    cluster.clearLayers();
    markers.clear();
    const fresh = [];
    for (const incident of incidents) {
      if (!OPEN.has(incident.status)) continue;
      const marker = L.marker([incident.lat, incident.lon],
                              { icon: icon(incident.status, incident.overdue), keyboard: false });
      marker.incident = incident;
      marker.on('click', () => onSelect(incident.id));
      markers.set(incident.id, marker);
      fresh.push(marker);
    }
    cluster.addLayers(fresh);
  }

  return {
    layer: cluster, upsert, load,
    has: (code) => [...markers.values()].some((m) => m.incident.code === code),
    get: (id) => markers.get(id)?.incident,
    count: () => markers.size,
  };
}

// API features → the flat shape the stream's events carry
export function fromFeature(feature) {
  const p = feature.properties;
  const [lon, lat] = feature.geometry.coordinates;
  return { id: feature.id, code: p.code, status: p.status, category: p.category, overdue: p.overdue,
           lon, lat, grid: p.grid, level: p.level, severity: p.severity, reported_at: p.reported_at,
           category_name: p.category_name, grid_name: p.grid_name };
}
