// JSON over fetch with the session cookie; writes carry the CSRF token. A failed answer becomes
// an Error whose message is the server's own description.
const csrf = () => document.querySelector('meta[name=csrf-token]')?.content || '';
// the server says what is wrong in the language the page is in
const language = () => document.documentElement.lang || 'zh';

export class HttpError extends Error {
  constructor(status, body) {
    super(body?.description || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json', 'Accept-Language': language() } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new HttpError(response.status, body);
  return body;
}

export async function sendJson(method, url, data, headers = {}) {
  const response = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf(), 'Accept-Language': language(), ...headers },
    body: data === undefined ? undefined : JSON.stringify(data),
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new HttpError(response.status, body);
  return body;
}

export function postJson(url, data, headers = {}) {
  return sendJson('POST', url, data, headers);
}
