// Kanshi dashboard: the entry module the page loads (`<script type="module" src="/assets/app.js">`).
//
// How it is built: these are plain TypeScript ES modules, no framework and no bundler. The repo's
// one SWC pass (scripts/build.sh) compiles them with this folder's own .swcrc, which keeps the
// `import`/`export` statements (the root .swcrc emits CommonJS for Node), so the browser loads
// dist/libs/dashboard/browser/*.js as they are, next to the copied index.html and CSS. TypeScript
// rather than JSDoc'd JavaScript because the repo's type check and type-aware lint then cover it
// the same way as the rest of the code (this folder's tsconfig.json adds the DOM types).
//
// Routes (hash routing: the api serves one document): #/sign-in, #/alerts?filters, #/alerts/<id>,
// #/posture, #/silences, #/evidence. The api also answers /alerts/<id> (the link notifications carry) with
// this page, which turns it into #/alerts/<id>.
import { forgetRules, storedKey, whenUnauthorized, type KanshiApi } from './api.js';
import { clearBanner, clearNotice, h, InputError, on, showError } from './dom.js';
import { lang, setLang, t, timeZone, type MessageKey } from './i18n.js';
import { go, type PageContext } from './page.js';
import { renderAlert } from './page-alert.js';
import { renderInbox } from './page-inbox.js';
import { renderPosture } from './page-posture.js';
import { renderSignIn, signIn } from './page-sign-in.js';
import { renderSilences } from './page-silences.js';
import { renderEvidence } from './page-evidence.js';
import type { Identity } from './types.js';

interface Session {
  readonly api: KanshiApi;
  readonly identity: Identity;
}

let session: Session | null = null;
/** Where to go after signing in, when the user arrived at a deeper link. */
let returnTo = '#/alerts';
/** Bumped on every navigation, so a page's late answers know they are stale. */
let generation = 0;
let leaving: (() => void)[] = [];

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html lacks #${id}`);
  return found;
}

interface Route {
  readonly page: string;
  readonly params: string[];
  readonly query: URLSearchParams;
}

function parseRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = hash.split('?', 2);
  const [page = '', ...params] = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
  return { page: page === '' ? 'alerts' : page, params, query: new URLSearchParams(search) };
}

function navLink(href: string, label: string, active: boolean): HTMLElement {
  return h('a', { href, class: active ? 'nav-link active' : 'nav-link', 'aria-current': active ? 'page' : null }, label);
}

function renderHeader(route: Route): void {
  const toggle = h('button', { type: 'button', class: 'button lang-toggle', id: 'lang-toggle', lang: lang() === 'ja' ? 'en' : 'ja', 'aria-label': t('switchLanguageLabel') }, t('switchLanguage'));
  on(toggle, 'click', () => {
    setLang(lang() === 'ja' ? 'en' : 'ja');
    render();
  });
  const parts: HTMLElement[] = [h('a', { href: '#/alerts', class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '監'), h('span', null, t('appName')), h('span', { class: 'tagline' }, t('appTagline')))];
  if (session) {
    const { identity } = session;
    const signOut = h('button', { type: 'button', class: 'button secondary', id: 'sign-out' }, t('signOut'));
    on(signOut, 'click', () => {
      endSession();
      clearBanner();
      go('#/sign-in');
    });
    const roles = identity.roles === null ? t('rolesUnknown') : identity.roles.join(', ');
    parts.push(
      h(
        'nav',
        { 'aria-label': 'Kanshi' },
        navLink('#/alerts', t('navInbox'), route.page === 'alerts'),
        navLink('#/posture', t('navPosture'), route.page === 'posture'),
        navLink('#/silences', t('navSilences'), route.page === 'silences'),
        // Bundles are for the keys that may make them (admin, risk officer).
        identity.canAct ? navLink('#/evidence', t('navEvidence'), route.page === 'evidence') : null,
      ),
      h(
        'div',
        { class: 'who' },
        identity.keyName !== null ? h('span', { class: 'who-key' }, t('signedInAs', { key: identity.keyName, tenant: identity.tenantName ?? identity.tenantId ?? '?' })) : null,
        h('span', { class: 'who-roles', id: 'who-roles', title: `${t('roles')}: ${roles}` }, `${t('roles')}: ${roles}`),
        identity.canAct ? null : h('span', { class: 'tag read-only' }, t('readOnly')),
      ),
      toggle,
      signOut,
    );
  } else {
    parts.push(toggle);
  }
  element('header').replaceChildren(h('div', { class: 'header-inner' }, parts));
  element('footer').replaceChildren(h('span', null, t('timeZone', { zone: timeZone() })));
}

function endSession(): void {
  session = null;
  storedKey.clear();
  forgetRules();
}

const PAGES: Readonly<Record<string, (ctx: PageContext) => Promise<void>>> = {
  alerts: (ctx) => (ctx.params.length > 0 ? renderAlert(ctx) : renderInbox(ctx)),
  posture: renderPosture,
  silences: renderSilences,
  evidence: renderEvidence,
};

/** Draws the page the route names; called on every navigation and on a language switch. */
function render(): void {
  for (const cleanup of leaving) cleanup();
  leaving = [];
  const mine = ++generation;
  clearNotice();
  const route = parseRoute();
  document.documentElement.lang = lang();
  const titles: Readonly<Record<string, MessageKey>> = { posture: 'navPosture', silences: 'navSilences', evidence: 'navEvidence' };
  document.title = `${t('appName')} — ${t(titles[route.page] ?? 'navInbox')}`;
  const view = element('view');
  view.setAttribute('data-page', route.page === 'alerts' && route.params.length > 0 ? 'alert' : route.page);
  if (!session) {
    if (route.page !== 'sign-in') {
      returnTo = location.hash || '#/alerts';
      go('#/sign-in');
      return;
    }
    renderHeader(route);
    renderSignIn(view, (key, started) => {
      storedKey.set(key);
      session = started;
      clearBanner();
      go(returnTo === '#/sign-in' ? '#/alerts' : returnTo);
    });
    return;
  }
  if (route.page === 'sign-in') {
    go('#/alerts');
    return;
  }
  renderHeader(route);
  const page = PAGES[route.page];
  if (!page) {
    go('#/alerts');
    return;
  }
  const ctx: PageContext = {
    api: session.api,
    identity: session.identity,
    view,
    params: route.params,
    query: route.query,
    onLeave: (cleanup) => leaving.push(cleanup),
    isCurrent: () => generation === mine,
  };
  page(ctx).catch((error: unknown) => {
    if (generation !== mine) return;
    view.replaceChildren();
    showError(error);
  });
}

async function boot(): Promise<void> {
  // Notification links point at /alerts/<id>; the page routes by hash.
  const deepLink = /^\/alerts\/([^/]+)\/?$/.exec(location.pathname);
  if (deepLink?.[1]) history.replaceState(null, '', `/#/alerts/${deepLink[1]}`);
  setLang(lang());
  whenUnauthorized(() => {
    if (!session) return;
    endSession();
    returnTo = location.hash || '#/alerts';
    go('#/sign-in');
    showError(new InputError(t('keyRefused')));
  });
  const key = storedKey.get();
  if (key !== null) {
    try {
      session = await signIn(key);
    } catch (error) {
      storedKey.clear();
      showError(error);
    }
  }
  window.addEventListener('hashchange', render);
  render();
}

boot().catch(showError);
