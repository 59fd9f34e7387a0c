// A photo from the scene opened large over the page; a click anywhere or Esc closes it and
// gives the focus back to the photo it came from.
import { t } from '../i18n.js';

let overlay = null;
let cameFrom = null;

function close() {
  if (!overlay) return;
  overlay.remove();
  overlay = null;
  document.removeEventListener('keydown', onKey);
  cameFrom?.focus();
}

function onKey(e) {
  if (e.key === 'Escape') close();
}

export function showPhoto(src, from) {
  close();
  cameFrom = from;
  overlay = document.createElement('div');
  overlay.className = 'viewer';
  overlay.setAttribute('role', 'dialog');
  overlay.setAttribute('aria-modal', 'true');
  overlay.setAttribute('aria-label', t('dept_photo'));
  const image = Object.assign(document.createElement('img'), { src, alt: t('dept_photo') });
  const shut = Object.assign(document.createElement('button'), { type: 'button', textContent: t('close'), className: 'shut' });
  overlay.append(image, shut);
  overlay.addEventListener('click', close);
  document.addEventListener('keydown', onKey);
  document.body.append(overlay);
  shut.focus();
}
