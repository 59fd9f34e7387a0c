// /r/<token>: a resident's own case — its status and what happens next in words, its times,
// the city's note, their own words and photos — and, once it is closed, their one rating;
// "not solved" sends it back with what they write.
import { t, when } from '../i18n.js';
import { startPage, ask, fill, pickName, badge, Refusal } from './page.js';

startPage('pub_follow_title');

const box = document.getElementById('case');
const token = box.dataset.token;
const base = `/api/v1/public/follow/${encodeURIComponent(token)}`;
const form = document.getElementById('rating');
const ratingMessage = document.getElementById('rating-message');

function text(id, value) {
  const element = document.getElementById(id);
  element.textContent = value ?? '';
  return element;
}

function show(c) {
  text('code', c.code);
  text('category', pickName(c.category.name));
  const status = text('status', badge(c.status_words));
  status.dataset.status = c.status;
  status.dataset.overdue = String(Boolean(c.overdue));
  text('next', c.next);
  document.getElementById('note-box').hidden = !c.note;
  text('note', c.note);
  const times = document.getElementById('times');
  times.replaceChildren();
  const rows = [['pub_reported_at', c.reported_at], ['pub_responded_at', c.responded_at],
    ['pub_resolved_at', c.resolved_at], ['pub_closed_at', c.closed_at]];
  // the limits still ahead of the case
  if (!c.responded_at && ['reported', 'assigned'].includes(c.status)) rows.splice(1, 0, ['pub_respond_by', c.due_respond_at]);
  if (!c.resolved_at && !['closed', 'rejected'].includes(c.status)) rows.splice(2, 0, ['pub_resolve_by', c.due_resolve_at]);
  for (const [key, value] of rows) {
    if (!value) continue;
    times.append(Object.assign(document.createElement('dt'), { textContent: t(key) }),
      Object.assign(document.createElement('dd'), { textContent: when(value, 'short') }));
  }
  text('promise', fill('pub_promise_line', c.promise));
  document.getElementById('steps').replaceChildren(...c.steps.map((s) => {
    const item = document.createElement('li');
    item.dataset.step = s.step;
    item.append(t(`pub_step_${s.step}`) + (s.satisfaction ? ` ${'★'.repeat(s.satisfaction)}` : ''));
    const time = Object.assign(document.createElement('time'), { dateTime: s.at, textContent: when(s.at, 'short') });
    item.append(time);
    return item;
  }));
  text('description', c.description);
  text('address-line', [c.address, pickName(c.community)].filter(Boolean).join(' · '));
  document.getElementById('own-photos').replaceChildren(...[...c.photos, ...c.published_photos].map((id, index) => {
    const item = document.createElement('li');
    item.append(Object.assign(document.createElement('img'), { src: `${base}/photos/${id}`, alt: `${t('pub_photo')} ${index + 1}`, loading: 'lazy' }));
    return item;
  }));
  const contact = [c.contact.phone, c.contact.email].filter(Boolean).join(' / ');
  text('contact-line', contact ? fill('pub_contact_line', { contact }) : t('pub_no_contact'));
  document.getElementById('public-line').hidden = !c.public;
  form.hidden = !c.can_rate;
  const rated = document.getElementById('rated');
  rated.hidden = !c.rating;
  if (c.rating) {
    text('rated-stars', '★'.repeat(c.rating.satisfaction) + '☆'.repeat(5 - c.rating.satisfaction))
      .setAttribute('aria-label', t(`pub_star_${c.rating.satisfaction}`));
    text('rated-comment', c.rating.comment);
  }
  box.setAttribute('aria-busy', 'false');
  box.dataset.status = c.status;
}

async function load() {
  try {
    show((await ask(base)).body);
  } catch (error) {
    const message = document.getElementById('load-message');
    message.textContent = error instanceof Refusal ? error.message : t('pub_load_failed');
    message.hidden = false;
    box.setAttribute('aria-busy', 'false');
  }
}

// -- the rating ---------------------------------------------------------------------------------

const stars = [...form.querySelectorAll('.star')];
function paint() {
  const chosen = Number(form.elements.satisfaction.value || 0);
  stars.forEach((star, index) => { star.dataset.on = String(index < chosen); });
  text('star-words', chosen ? t(`pub_star_${chosen}`) : '');
}
for (const input of form.querySelectorAll('input[name=satisfaction]')) input.addEventListener('change', paint);
form.elements.not_solved.addEventListener('change', () => {
  text('comment-label', t(form.elements.not_solved.checked ? 'pub_comment_needed' : 'pub_comment'));
});

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  ratingMessage.hidden = true;
  const satisfaction = Number(form.elements.satisfaction.value || 0);
  if (!satisfaction) {
    ratingMessage.textContent = t('pub_need_stars');
    ratingMessage.hidden = false;
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const { body } = await ask(`${base}/rating`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ satisfaction, comment: form.elements.comment.value.trim(), not_solved: form.elements.not_solved.checked }),
    });
    show(body);
    document.getElementById('rated').scrollIntoView({ block: 'start', behavior: 'smooth' });
  } catch (error) {
    ratingMessage.textContent = error instanceof Refusal
      ? Object.values(error.body.errors || {}).join('\n') || error.message : t('pub_offline');
    ratingMessage.hidden = false;
    if (error instanceof Refusal && error.status === 409) load();      // rated meanwhile, or not closed
  } finally {
    button.disabled = false;
  }
});

load();
