// Finding my way on the phone: a button that brings the map back to where I stand, and — when
// I stand outside my grid — an arrow and the distance to its nearest edge.
import { t } from '../i18n.js';

function distance(metres) {
  return metres < 1000 ? `${Math.round(metres)} ${t('metres')}` : `${(metres / 1000).toFixed(1)} ${t('kilometres')}`;
}

export function wayfinding(map, { here, notices }) {
  const locate = L.control({ position: 'topleft' });
  locate.onAdd = () => {
    const button = L.DomUtil.create('button', 'locate');
    button.id = 'locate';
    button.type = 'button';
    button.title = t('locate_me');
    button.setAttribute('aria-label', t('locate_me'));
    button.textContent = '◎';
    L.DomEvent.disableClickPropagation(button);
    button.addEventListener('click', () => {
      const position = here();
      if (position) map.setView([position.lat, position.lon], Math.max(map.getZoom(), 17));
      else notices.show(t('no_geolocation'), 'error');
    });
    return button;
  };
  locate.addTo(map);

  const guide = L.control({ position: 'topright' });
  let arrow = null;
  let words = null;
  let box = null;
  guide.onAdd = () => {
    box = L.DomUtil.create('div', 'to-grid');
    box.id = 'to-grid';
    box.hidden = true;
    arrow = L.DomUtil.create('span', 'arrow', box);
    arrow.textContent = '↑';
    words = L.DomUtil.create('span', 'words', box);
    return box;
  };
  guide.addTo(map);

  return {
    // `way`: {metres, bearing} to my grid, or null when I am inside it
    show(way) {
      box.hidden = !way;
      if (!way) return;
      arrow.style.transform = `rotate(${Math.round(way.bearing)}deg)`;
      box.dataset.metres = String(Math.round(way.metres));
      words.textContent = `${t('to_my_grid')} ${distance(way.metres)}`;
    },
  };
}
