// DOM building without HTML strings: every value from the API goes in as a text node or an
// attribute value, so nothing it contains can become markup.
import { formatTime, severityLabel, statusLabel, t } from './i18n.js';
import type { ProblemDetails } from './types.js';

export type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Readonly<Record<string, AttrValue>>;

/** `document.createElement` with attributes (`false`/`null`/`undefined` left out) and children (strings as text). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null = null, ...children: (Child | readonly Child[])[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/** Replaces an element's children (`null`/`false` children left out, strings as text). */
export function fill(element: HTMLElement, ...children: (Child | readonly Child[])[]): void {
  element.replaceChildren();
  append(element, children);
}

function append(parent: Node, children: readonly (Child | readonly Child[])[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (typeof child === 'string' || typeof child === 'number') parent.appendChild(document.createTextNode(String(child)));
    else if (child instanceof Node) parent.appendChild(child);
    else append(parent, child);
  }
}

/**
 * Adds an event listener whose handler may be async; a throw or a rejection goes to the error
 * banner. The handler starts synchronously, so its `preventDefault()` comes in time.
 */
export function on<K extends keyof HTMLElementEventMap>(element: HTMLElement, type: K, handler: (event: HTMLElementEventMap[K]) => void | Promise<void>): void {
  element.addEventListener(type, (event) => {
    try {
      const result = handler(event);
      if (result instanceof Promise) result.catch(showError);
    } catch (error) {
      showError(error);
    }
  });
}

/** Something the user must fix in a form: shown in the banner, not logged as a fault. */
export class InputError extends Error {
  override name = 'InputError';
}

/** The severity as a coloured badge that also says it in words (colour is never the only cue). */
export function severityBadge(severity: string): HTMLElement {
  return h('span', { class: `badge severity severity-${severity}`, 'data-severity': severity }, h('span', { class: 'severity-mark', 'aria-hidden': 'true' }), severityLabel(severity));
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge status status-${status}`, 'data-status': status }, statusLabel(status));
}

/** A `<time>` in the user's zone and language; the exact instant in its tooltip. */
export function timeCell(iso: string | null): HTMLElement {
  if (iso === null) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: iso }, formatTime(iso));
}

export function loading(): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, t('loading'));
}

/** An error from the API (problem details) or the network. */
export class ApiError extends Error {
  constructor(readonly problem: ProblemDetails) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
  }
}

function banner(): HTMLElement {
  const element = document.getElementById('banner');
  if (!element) throw new Error('index.html lacks #banner');
  return element;
}

/** Shows an error in the banner at the top: title, status, detail and the fields named. */
export function showError(error: unknown): void {
  const problem: ProblemDetails =
    error instanceof ApiError ? error.problem : { title: t('errorTitle'), status: 0, detail: error instanceof Error ? error.message : String(error) };
  const heading = problem.status > 0 ? `${problem.title} (${problem.status})` : problem.title;
  const fields = (problem.errors ?? []).map((e) => h('li', null, h('code', null, e.field), ': ', e.message));
  showBanner('error', h('div', null, h('strong', { class: 'banner-title' }, heading), problem.detail ? h('p', { class: 'banner-detail' }, problem.detail) : null, fields.length > 0 ? h('ul', null, fields) : null));
  if (!(error instanceof ApiError) && !(error instanceof InputError)) console.error(error);
}

/** Shows a short confirmation in the banner. */
export function showNotice(text: string): void {
  showBanner('notice', h('div', null, text));
}

function showBanner(kind: 'error' | 'notice', content: HTMLElement): void {
  const close = h('button', { type: 'button', class: 'banner-close', 'aria-label': t('dismiss') }, '×');
  close.addEventListener('click', clearBanner);
  const element = banner();
  element.className = `banner banner-${kind}`;
  element.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  element.replaceChildren(content, close);
  element.hidden = false;
}

/** A text field of a form, trimmed ('' when absent). */
export function formText(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/** Clears a confirmation (an error stays until dismissed: it may explain why the page changed). */
export function clearNotice(): void {
  if (banner().classList.contains('banner-notice')) clearBanner();
}

export function clearBanner(): void {
  const element = banner();
  element.hidden = true;
  element.replaceChildren();
}
