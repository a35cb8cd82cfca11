/** Kanshi's release, as in the root `package.json` (a spec keeps them equal). */
export const KANSHI_VERSION = '0.1.0';
