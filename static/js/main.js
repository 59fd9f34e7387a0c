import { translatePage, switchLanguage } from './i18n.js';
import { buildMap } from './map.js';

translatePage();
document.getElementById('lang').addEventListener('click', () => {
  switchLanguage();
  window.location.reload();
});
buildMap(document.getElementById('map'));
