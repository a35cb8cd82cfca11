import type { ShareVerdict } from './windows';

/** The shape of an `observed` key: lower-case words joined by `_`, as the API spells its fields. */
const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/**
 * The `observed` part of a finding, written one way in every sector module: snake_case keys
 * (the API's and the telemetry contract's spelling), times as ISO 8601 strings, windows as
 * `window_start` and `window_end`. The conformance kit refuses a finding whose `observed` has
 * a key of another shape, so a module's own specs catch it before an alert shows it.
 *
 * @example
 * ```ts
 * return {
 *   observed: { ...Evidence.window(judged), share: Evidence.rounded(share), awareness_time: Evidence.time(awareness) },
 * };
 * ```
 */
export const Evidence = {
  /** An epoch-ms time as the ISO 8601 string evidence shows. */
  time: (epochMs: number): string => new Date(epochMs).toISOString(),

  /** A judged window's bounds (end exclusive), as every windowed finding shows them. */
  window: (window: { readonly start: number; readonly end: number }): { window_start: string; window_end: string } => ({
    window_start: new Date(window.start).toISOString(),
    window_end: new Date(window.end).toISOString(),
  }),

  /** A value rounded for display (`digits` decimals); judge on the exact value, show this one. */
  rounded: (value: number, digits = 6): number => Number(value.toFixed(digits)),

  /**
   * How a small sample was judged, for the `observed` of a share judged with
   * {@link Stats.shareAtLeast} or {@link Stats.shareAtMost}: nothing when the window had
   * `minSamples` (the share decided), else `min_samples` and `judged_by` (`wilson_upper_95`,
   * `wilson_lower_95`, or `too_few_samples` for an insufficient window).
   */
  sample: (verdict: ShareVerdict, minSamples: number): { min_samples?: number; judged_by?: string } =>
    verdict.bound === 'share'
      ? {}
      : { min_samples: minSamples, judged_by: verdict.bound === 'none' ? 'too_few_samples' : `wilson_${verdict.bound}_95` },

  /**
   * Why `observed` is not in the evidence shape, or `undefined` when it is: each key of an
   * object `observed` must be snake_case. Nested objects are not checked, because they may be
   * keyed by names from telemetry (features, segments).
   */
  keyProblem: (observed: unknown): string | undefined => {
    if (typeof observed !== 'object' || observed === null || Array.isArray(observed)) return undefined;
    for (const key of Object.keys(observed)) {
      if (!SNAKE_CASE.test(key)) return `observed key "${key}" is not snake_case: write "${snakeCase(key)}"`;
    }
    return undefined;
  },
};

/** `incidentId` → `incident_id`, `windowP99` → `window_p99`. */
function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}
