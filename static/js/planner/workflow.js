// The workflow buttons a plan offers the signed-in role in its present state: planners submit
// and withdraw, reviewers approve or reject (with a reason), filers file with a date.
import { t } from '../i18n.js';
import { sendJson } from '../http.js';
import { dateField, cityInstant, cityNow } from './datefield.js';

const STEPS = [
  ['submit', 'write', ['draft', 'rejected']],
  ['withdraw', 'write', ['submitted']],
  ['approve', 'review', ['submitted']],
  ['reject', 'review', ['submitted']],
  ['file', 'file', ['approved']],
];

export function workflowButtons(container, plan, can, { act }) {
  container.replaceChildren();
  const note = Object.assign(document.createElement('input'), { type: 'text', placeholder: t('note'), id: 'workflow-note' });
  const date = Object.assign(document.createElement('input'), { type: 'text', id: 'workflow-date' });
  let chosen = null;                    // the date field, once offered (planner/datefield.js)
  let offered = 0;
  for (const [action, role, from] of STEPS) {
    if (!can[role] || !from.includes(plan.status)) continue;
    const button = Object.assign(document.createElement('button'), { type: 'button', textContent: t(`step_${action}`) });
    button.dataset.action = action;
    // one press is one step: every button waits while it is sent (the plan is read again after)
    button.addEventListener('click', () => {
      for (const other of container.querySelectorAll('button')) other.disabled = true;
      return act(() => {
        const request = { note: note.value };
        if (action === 'file' && chosen?.value) request.effective_from = cityInstant(chosen.value).toISOString();
        return sendJson('POST', `/api/v1/plans/${plan.id}/${action}`, request);
      }, { saved: t(`done_${action}`) });
    });
    container.append(button);
    offered += 1;
  }
  if (offered) container.prepend(note);
  if (can.file && plan.status === 'approved') {
    // in force from: now or a past moment (the server refuses a future one), the city's time
    const label = Object.assign(document.createElement('label'), { htmlFor: 'workflow-date', textContent: t('effective_from') });
    container.append(label, date);
    // in the page's language: the browser's own date and time input speaks the browser's
    chosen = dateField(date, { time: true, max: cityNow() });
  }
}
