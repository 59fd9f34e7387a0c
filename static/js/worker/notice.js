// What the phone has to tell the worker, in the page (never alert(), which stops everything
// and cannot be read again): one line over the top of the map, gone after a while or on a tap.
const SHOW_MS = 10_000;

export function notices(element) {
  const text = element.querySelector('span');
  let timer = null;
  element.querySelector('.dismiss').addEventListener('click', (e) => { e.stopPropagation(); element.hidden = true; });
  element.addEventListener('click', () => { if (element.dataset.href) window.location.href = element.dataset.href; });
  return {
    // kind: 'info' | 'error' | 'new'; href: where a tap on it leads (signing in again)
    show(message, kind = 'info', href = null) {
      // errors arriving together (an outbox's worth of refusals) are all kept, newest first
      const stacking = kind === 'error' && !element.hidden && element.dataset.kind === 'error';
      text.textContent = stacking ? `${message}\n${text.textContent}`.split('\n').slice(0, 4).join('\n') : message;
      element.dataset.kind = kind;
      if (href) element.dataset.href = href;
      else delete element.dataset.href;
      element.hidden = false;
      clearTimeout(timer);
      if (!href) timer = setTimeout(() => { element.hidden = true; }, SHOW_MS);
    },
  };
}
