// /q/<token>: a door plate's page (扫码定责) and its "not found": the page in the reader's
// language, names from the server in that language too (each element carries both).
import { lang } from '../i18n.js';
import { startPage } from './page.js';

const found = document.body.classList.contains('plate-page');
startPage(found ? 'pub_plate_title' : 'pub_plate_gone');
for (const element of document.querySelectorAll('[data-zh]:not(option)')) {
  element.textContent = element.dataset[lang] || element.dataset.zh;
}
document.body.dataset.ready = 'true';
