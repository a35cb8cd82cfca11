/**
 * A span of time as Kanshi writes it in rules and settings: a whole number and a unit, `ms`,
 * `s`, `m`, `h` or `d` (`'30s'`, `'4h'`, `'3d'`).
 */
export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h|d)$';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = new RegExp(DURATION_PATTERN.replace('[0-9]+', '([0-9]+)'));

/** Milliseconds in a duration such as `'30s'`, or `undefined` when the text is not one. */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
