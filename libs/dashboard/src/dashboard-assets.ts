import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Names of the browser files the dashboard serves: flat, lower-case, a known extension. Anything
 * else is a 404, so a request can never reach outside the folder (no `..`, no dotfiles, no maps).
 */
export const DASHBOARD_ASSET_NAME = /^[a-z][a-z0-9-]*\.(?:js|css|svg)$/;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  html: 'text/html; charset=utf-8',
};

/** The Content-Type of a dashboard file, from its extension. */
export function dashboardContentType(name: string): string {
  return CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}

/**
 * Headers of every dashboard answer. The policy allows scripts, styles and requests from this
 * origin only: the page builds its DOM with `textContent`, and the policy makes sure no inline
 * script or style could run even if something slipped through. `no-cache` makes the browser
 * revalidate (ETag) after a deploy, since file names carry no content hash.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/**
 * The folder holding the built dashboard (`index.html`, the CSS and the compiled `*.js`). The
 * SWC build compiles `libs/dashboard/browser` beside this file's compiled copy, so the built api
 * finds it next door. When the api runs from the TypeScript sources (Jest), the folder beside
 * the sources holds `.ts` only, so the build output in `dist/` is used; `null` when there is none.
 */
export function resolveDashboardAssets(moduleDir: string = __dirname): string | null {
  const candidates = [join(moduleDir, '..', 'browser'), join(moduleDir, '..', '..', '..', 'dist', 'libs', 'dashboard', 'browser')];
  return candidates.find((dir) => existsSync(join(dir, 'app.js')) && existsSync(join(dir, 'index.html'))) ?? null;
}
