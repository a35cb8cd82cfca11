import { Bounded, Field, type WindowPlan } from '@kanshi/policy-sdk';

type Payload = Readonly<Record<string, unknown>>;

/** Most "reported once" marks a medical rule keeps per model, the oldest forgotten first. */
export const MAX_REPORTED_MARKS = 500;

/** Remembers `key` in a list of the newest {@link MAX_REPORTED_MARKS}; `true` the first time it is seen. */
export function firstTime(seen: string[], key: string, keep = MAX_REPORTED_MARKS): boolean {
  return Bounded.remember(seen, key, keep);
}

/**
 * The plan of a rule judged once per tumbling window, read from its `window` and `lateness`
 * arguments on every call so that a tenant's override takes effect at once.
 */
export function tumblingPlan(args: { readonly window: string; readonly lateness: string }): WindowPlan {
  return { bucket: args.window, lateness: args.lateness };
}

/** The fields of an `incident` payload the medical rules read; `undefined` without an id. */
export function incidentOf(payload: Payload): { id: string; type: string | undefined; harm: string | undefined; awareness: number | undefined } | undefined {
  const id = Field.text(payload, 'incident_id');
  if (id === undefined) return undefined;
  return { id, type: Field.text(payload, 'type'), harm: Field.text(payload, 'patient_harm'), awareness: Field.time(payload, 'awareness_time') };
}

/** Scope of a finding about one incident. */
export const incidentScope = (id: string, suffix?: string): string => `incident:${id}${suffix === undefined ? '' : `/${suffix}`}`.slice(0, 200);
