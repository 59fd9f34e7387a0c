// A new task must be noticed by a worker whose phone is in a pocket: a sound, a vibration and,
// when the worker allowed it and the page is in the background, a system notification.
import { t } from '../i18n.js';

let audio = null;

// Browsers let a page make sound only after a touch: the context is made on the first one.
function prepareSound() {
  const make = () => {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) audio = new Context();
    if (audio?.state === 'suspended') audio.resume();
  };
  for (const type of ['pointerdown', 'keydown']) window.addEventListener(type, make, { passive: true });
}

function chime() {
  if (!audio || audio.state !== 'running') return false;
  const start = audio.currentTime;
  for (const [offset, pitch] of [[0, 880], [0.18, 1175]]) {
    const tone = audio.createOscillator();
    const volume = audio.createGain();
    tone.frequency.value = pitch;
    volume.gain.setValueAtTime(0.001, start + offset);
    volume.gain.exponentialRampToValueAtTime(0.3, start + offset + 0.02);
    volume.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.16);
    tone.connect(volume).connect(audio.destination);
    tone.start(start + offset);
    tone.stop(start + offset + 0.17);
  }
  return true;
}

export function alerts({ askButton }) {
  prepareSound();
  const canNotify = 'Notification' in window;
  function showAsk() {
    askButton.hidden = !canNotify || Notification.permission !== 'default';
  }
  askButton.addEventListener('click', async () => {
    await Notification.requestPermission();
    showAsk();
  });
  showAsk();

  return {
    // {title, body, tag}: tag folds repeated notices of one task into one
    raise({ title, body, tag }) {
      const raised = { sound: chime(), vibrated: false, notified: false };
      if (navigator.vibrate) raised.vibrated = navigator.vibrate([200, 100, 200]);
      if (canNotify && Notification.permission === 'granted' && document.visibilityState === 'hidden') {
        try {
          const notice = new Notification(title, { body, tag, lang: document.documentElement.lang, renotify: true });
          notice.onclick = () => { window.focus(); notice.close(); };
          raised.notified = true;
        } catch { /* some phones allow notifications only from a service worker */ }
      }
      return raised;
    },
    label: () => t('new_task'),
  };
}
