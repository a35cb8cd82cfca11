// What every page gets from the router.
import type { KanshiApi } from './api.js';
import type { Identity } from './types.js';

export interface PageContext {
  readonly api: KanshiApi;
  readonly identity: Identity;
  /** The element the page renders into (emptied before). */
  readonly view: HTMLElement;
  /** Path segments after the page name (`#/alerts/<id>` → `[<id>]`) and the route's query. */
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  /** Runs when the user leaves the page (timers stop there). */
  onLeave(cleanup: () => void): void;
  /** False once the user has moved on: late answers must not draw over the next page. */
  isCurrent(): boolean;
}

/** Navigates within the page (hash routing: the api serves one document). */
export function go(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}
