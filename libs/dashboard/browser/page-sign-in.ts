// Sign-in: an API key pasted once, checked against the API, then kept for the tab.
import { KanshiApi } from './api.js';
import { ApiError, h, on } from './dom.js';
import { t } from './i18n.js';
import type { Identity } from './types.js';

/** Roles that read alerts; a producer key only sends telemetry. */
const READER_ROLES = ['admin', 'risk_officer', 'viewer'];

/** Checks a key and says who it is; a key that cannot read alerts is refused here, with why. */
export async function signIn(key: string): Promise<{ api: KanshiApi; identity: Identity }> {
  const api = new KanshiApi(key);
  let identity: Identity;
  try {
    identity = await api.identify();
  } catch (error) {
    if (error instanceof ApiError && error.problem.status === 403) {
      throw new ApiError({ ...error.problem, detail: t('keyCannotRead', { detail: error.problem.detail ?? error.problem.title }) });
    }
    throw error;
  }
  if (identity.roles !== null && !identity.roles.some((r) => READER_ROLES.includes(r))) {
    throw new ApiError({ title: 'Forbidden', status: 403, detail: t('keyCannotRead', { detail: `${t('roles')}: ${identity.roles.join(', ')}` }) });
  }
  return { api, identity };
}

export function renderSignIn(view: HTMLElement, signedIn: (key: string, session: { api: KanshiApi; identity: Identity }) => void): void {
  const input = h('input', { id: 'api-key', name: 'api_key', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'kanshi_…' });
  const submit = h('button', { type: 'submit', class: 'button primary', id: 'sign-in' }, t('signIn'));
  const form = h(
    'form',
    { class: 'card sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, t('signInTitle')),
    h('p', { class: 'muted' }, t('signInIntro')),
    h('label', { class: 'field block', for: 'api-key' }, h('span', { class: 'field-label' }, t('apiKey'))),
    input,
    submit,
  );
  on(form, 'submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (key === '') return;
    submit.setAttribute('disabled', '');
    submit.textContent = t('signingIn');
    try {
      signedIn(key, await signIn(key));
    } finally {
      submit.removeAttribute('disabled');
      submit.textContent = t('signIn');
    }
  });
  view.replaceChildren(form);
  input.focus();
}
