// The OGC API's pages (app/api/layers/html.py): the page's features on a small map, and the
// collection's filter form. The map has no basemap unless the city configured one: command
// centres run on closed networks, and the features alone say where they are.

const element = document.getElementById('ogc-map');
const data = document.getElementById('ogc-map-data');
if (element && data && window.L) {
  const { basemap, zoomIn, zoomOut } = element.dataset;
  const map = L.map(element, { zoomControl: false, maxZoom: 19 });
  // the data's source, not the library's (Leaflet's prefix carries a flag buyers ask to remove)
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution('© OpenStreetMap');
  L.control.zoom({ zoomInTitle: zoomIn, zoomOutTitle: zoomOut }).addTo(map);
  L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
  if (basemap) L.tileLayer(basemap, { maxZoom: 19 }).addTo(map);
  const shapes = L.geoJSON(JSON.parse(data.textContent), {
    style: { color: '#0d47a1', weight: 2, fillColor: '#1565c0', fillOpacity: 0.12 },
    pointToLayer: (_feature, latlng) => L.circleMarker(latlng, { radius: 6, fillOpacity: 0.6 }),
    onEachFeature: (feature, shape) => {
      const { label, href } = feature.properties || {};
      if (label) {
        // a name is data: text, never markup
        const tip = document.createElement('span');
        tip.textContent = label;
        shape.bindTooltip(tip, { sticky: true });
      }
      if (href) shape.on('click', () => { window.location.href = href; });
    },
  }).addTo(map);
  const bounds = shapes.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12], maxZoom: 18 });
  else map.setView([0, 0], 1);
}

// the filter form leaves out the fields left empty: an empty filter would match nothing
const form = document.querySelector('form.query');
if (form) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const asked = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (String(value).trim()) asked.append(name, String(value).trim());
    }
    window.location.href = `${form.action}?${asked}`;
  });
}
