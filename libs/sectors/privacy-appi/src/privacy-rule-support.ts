import { Arg, Bounded, Evidence, Field, Type, type RuleTimers } from '@kanshi/policy-sdk';

// Payload readers and argument schemas come from the SDK; the local names stay for the rules.
export const text = Field.text;
export const texts = Field.texts;
export const num = Field.number;
export const timeOf = Field.time;
export const DurationArg = Arg.duration;
export const NamesArg = Arg.names;

/*
 * Readers, argument builders and small state helpers the privacy rules share. Payloads were
 * checked against the contract, but optional and extra fields may be absent or of an odd type:
 * every reader answers `undefined` (or an empty list) instead of throwing.
 */

export type Payload = Readonly<Record<string, unknown>>;

/** Source citations shared by several privacy rules. */
export const APPI = 'Act on the Protection of Personal Information (APPI)';
export const APPI_2026_BILL = 'APPI amendment bill (Cabinet decision, Apr 2026)';

/** Data categories that are personal data in the APPI sense (everything but anonymised). */
export const PERSONAL_CATEGORIES = ['personal', 'sensitive', 'pseudonymised', 'biometric', 'minor'] as const;
/** Purposes that mean the data goes into model training. */
export const TRAINING_PURPOSES = ['training', 'retraining', 'fine_tuning'] as const;
/** Purposes that mean the data is handed to someone else. */
export const SHARING_PURPOSES = ['sharing', 'third_party_provision', 'export'] as const;

/** An epoch-ms time as the ISO string findings show. */
export const iso = Evidence.time;

/** A finding scope `<prefix>:<value>`, cut to the 200 characters a scope may have. */
export function scopeOf(prefix: string, value: string): string {
  return `${prefix}:${value}`.slice(0, 200);
}

/** The common fields of a `data_usage` payload the privacy rules read. */
export interface DataUsage {
  readonly datasetId: string;
  readonly purpose: string | undefined;
  readonly categories: readonly string[];
  readonly legalBasis: string | undefined;
}

export function dataUsageOf(payload: Payload): DataUsage {
  return {
    datasetId: text(payload, 'dataset_id') ?? 'unknown-dataset',
    purpose: text(payload, 'purpose'),
    categories: texts(payload, 'data_categories'),
    legalBasis: text(payload, 'legal_basis'),
  };
}

/** The `data_usage` categories that are in `wanted`. */
export function categoriesIn(usage: DataUsage, wanted: readonly string[]): string[] {
  return usage.categories.filter((category) => wanted.includes(category));
}

export function purposeIn(usage: DataUsage, purposes: readonly string[]): boolean {
  return usage.purpose !== undefined && purposes.includes(usage.purpose);
}

/**
 * Who outside the organisation receives the data of a `data_usage` event, or `undefined` when
 * nobody does. A named `recipient_org` counts unless it is one of `internalRecipients` (the
 * tenant's own entities, entrusted processors, joint users); without a named organisation, a
 * sharing purpose or a `recipient_country` still means the data leaves.
 */
export function externalRecipient(payload: Payload, usage: DataUsage, args: { sharingPurposes: readonly string[]; internalRecipients: readonly string[] }): string | undefined {
  const org = text(payload, 'recipient_org');
  if (org !== undefined) return args.internalRecipients.includes(org) ? undefined : org;
  const country = text(payload, 'recipient_country');
  if (country !== undefined || purposeIn(usage, args.sharingPurposes)) return country === undefined ? 'unnamed recipient' : `unnamed recipient in ${country}`;
  return undefined;
}

/**
 * Sets timer `name` at `at` unless `at` has already passed at `now`: then it answers `true`
 * so the caller reports at once (an event that arrives late gives the finding the timer
 * would have given, with the same occurrence).
 */
export function dueNowOrLater(timers: RuleTimers, name: string, at: number, now: number): boolean {
  if (at <= now) {
    timers.clear(name);
    return true;
  }
  timers.set(name, at);
  return false;
}

/** Most "already reported" marks a privacy rule keeps per model, the oldest forgotten first. */
export const MAX_REPORTED_MARKS = 1000;

/** Remembers `key` in a list of the newest {@link MAX_REPORTED_MARKS}; `true` the first time it is seen. */
export function firstTime(seen: string[], key: string, keep = MAX_REPORTED_MARKS): boolean {
  return Bounded.remember(seen, key, keep);
}

/** A published document version (a `disclosure` event), in force from `at`. */
export interface Published {
  readonly version: string;
  readonly at: number;
  readonly fields?: readonly string[];
}

/**
 * Records a publication in a list ordered by time, keeping the newest `keep`. A version
 * published in advance (a `published_time` after the event) takes effect at that time, so
 * what was in force at a given moment is answered by {@link inForceAt}.
 */
export function recordPublication(list: Published[], published: Published, keep = 20): void {
  const at = list.findIndex((p) => p.at > published.at);
  list.splice(at === -1 ? list.length : at, 0, published);
  if (list.length > keep) list.splice(0, list.length - keep);
}

/** The publication in force at `time`: the latest published at or before it. */
export function inForceAt(list: readonly Published[], time: number): Published | undefined {
  let found: Published | undefined;
  for (const published of list) if (published.at <= time) found = published;
  return found;
}

/**
 * The report of an incident due to one of `regulators` (upper case) of one of `kinds` (lower
 * case), from its `report_clocks`: whether one was submitted, and the earliest due time the
 * producer gave.
 */
export function reportClockOf(payload: Payload, regulators: readonly string[], kinds: readonly string[]): { submitted: boolean; due: number | undefined } {
  let due: number | undefined;
  for (const clock of Field.reportClocks(payload)) {
    if (!regulators.includes(clock.regulator) || !kinds.includes(clock.kind)) continue;
    if (clock.submitted !== undefined) return { submitted: true, due: clock.due };
    if (clock.due !== undefined && (due === undefined || clock.due < due)) due = clock.due;
  }
  return { submitted: false, due };
}

/** The arguments that say which incidents are reportable breaches (P8 and P13 share them). */
export const BREACH_ARGS = {
  incidentTypes: NamesArg(['breach'], 'Incident types that are personal-data breaches.'),
  triggers: NamesArg(['sensitive_data', 'financial_loss', 'improper_purpose', 'over_1000_people'], 'appi_triggers values that make a breach reportable.'),
  peopleThreshold: Type.Integer({ default: 1000, minimum: 0, description: 'records_affected above this makes a breach reportable (over_1000_people).' }),
  regulators: NamesArg(['PPC'], 'report_clocks regulator values of the breach report (upper case).'),
};

/** A personal-data breach as an incident reports it, with the APPI triggers it meets (none: not reportable). */
export interface Breach {
  readonly id: string;
  readonly awareness: number;
  readonly triggers: string[];
  readonly recordsAffected: number | null;
}

/**
 * The breach an `incident` payload reports, or `undefined` when it is no breach (another type,
 * no id or no parsable awareness time). `records_affected` above the threshold counts as
 * `over_1000_people` even when `appi_triggers` omits it.
 */
export function breachOf(payload: Payload, args: { incidentTypes: readonly string[]; triggers: readonly string[]; peopleThreshold: number }): Breach | undefined {
  const id = text(payload, 'incident_id');
  const awareness = timeOf(payload, 'awareness_time');
  const type = text(payload, 'type');
  if (id === undefined || awareness === undefined || type === undefined || !args.incidentTypes.includes(type)) return undefined;
  const recordsAffected = num(payload, 'records_affected') ?? null;
  const triggers = texts(payload, 'appi_triggers').filter((t) => args.triggers.includes(t));
  if (recordsAffected !== null && recordsAffected > args.peopleThreshold && !triggers.includes('over_1000_people') && args.triggers.includes('over_1000_people')) {
    triggers.push('over_1000_people');
  }
  return { id, awareness, triggers, recordsAffected };
}
