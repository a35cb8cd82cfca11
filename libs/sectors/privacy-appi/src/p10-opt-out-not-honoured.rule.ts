import { Bounded, defineRule, durationMs, Type, type RuleFinding } from '@kanshi/policy-sdk';
import { APPI, dataUsageOf, dueNowOrLater, DurationArg, firstTime, iso, NamesArg, purposeIn, scopeOf, text, texts, timeOf, TRAINING_PURPOSES } from './privacy-rule-support';

/** An opt-out request of one subject for one scope, as the rule keeps it. */
interface StoredOptOut {
  requestedAt: number;
  appliedAt: number | null;
  /** Kept by earlier versions; the key holds both. */
  subject?: string;
  scope?: string;
}

/** An opt-out with its subject and scope, read back from its key. */
interface OptOut extends StoredOptOut {
  subject: string;
  scope: string;
}

interface State {
  /** By `<scope>|<subject>` (a scope never holds `|`). */
  optOuts: Record<string, StoredOptOut>;
  /** Occurrences already reported. */
  fired: string[];
}

const SLA = 'sla|';
const keyOf = (scope: string, subject: string) => `${scope}|${subject}`;
const slaOccurrence = (optOut: OptOut) => `sla:${keyOf(optOut.scope, optOut.subject)}@${iso(optOut.requestedAt)}`;

/** The opt-out tracked under `key`, with its subject and scope. */
function optOutAt(state: State, key: string): OptOut | undefined {
  const stored = Bounded.get(state.optOuts, key);
  if (stored === undefined) return undefined;
  const bar = key.indexOf('|');
  return { ...stored, scope: key.slice(0, bar), subject: key.slice(bar + 1) };
}

/** Pending opt-outs outrank applied ones (whose SLA is settled); newer outrank older. */
const PENDING = 1e15;
const worth = (o: StoredOptOut) => (o.appliedAt === null ? PENDING : 0) + o.requestedAt;

function slaFinding(optOut: OptOut, sla: string): RuleFinding {
  return {
    scope: scopeOf('opt_out', optOut.scope),
    occurrence: slaOccurrence(optOut),
    dueAt: new Date(optOut.requestedAt + durationMs(sla)),
    observed: {
      reason: optOut.appliedAt === null ? 'not_applied' : 'applied_late',
      subject_pseudo_id: optOut.subject,
      opt_out_scope: optOut.scope,
      requested_at: iso(optOut.requestedAt),
      applied_at: optOut.appliedAt === null ? null : iso(optOut.appliedAt),
    },
  };
}


/**
 * P10: an opt-out is not honoured. Two findings:
 * - SLA: an `opt_out` request (`action: request`, clock from `action_time`, else the event
 *   time) with no `applied_time` reported within the SLA (7 days): a timer per subject and
 *   scope fires at the deadline; an `opt_out` event for the same subject and scope carrying
 *   `applied_time` cancels it (and is a finding itself when applied after the deadline). A
 *   `revoke` forgets the request. One scope per opt-out scope, `dueAt` = request + SLA.
 * - Snapshot: a training `data_usage` event lists, in `subject_pseudo_ids` (an optional field
 *   the contract does not define yet: the pseudo-ids in the training snapshot), a subject
 *   that opted out of training before the event. One scope per dataset. Events without the
 *   field are not judged.
 * State holds one entry per opted-out subject and scope, bounded by `maxTrackedOptOuts`: past
 * it the oldest applied ones are forgotten first, then the oldest pending ones (their SLA timer
 * with them), and the rule says so once a day (scope `state-limit`).
 */
export const p10OptOutNotHonoured = defineRule({
  id: 'P10',
  title: 'Opt-out not applied within the SLA, or opted-out subject in a training snapshot',
  rationale:
    'Once a person opts out, their data must stop being used for that purpose promptly; an opt-out that is ' +
    'not applied, or data of an opted-out person that still reaches a training set, breaks that promise.',
  source: `${APPI} Art. 27(2) (opt-out) and Art. 35 (cessation of use); Telecommunications Business Act Art. 27-12 (opt-out route)`,
  defaultSeverity: 'high',
  reads: ['opt_out', 'data_usage'],
  args: Type.Object({
    sla: DurationArg('7d', 'Time from the opt-out request within which it must be applied.'),
    snapshotPurposes: NamesArg(TRAINING_PURPOSES, 'data_usage purposes that build a training snapshot.'),
    snapshotScopes: NamesArg(['training'], 'Opt-out scopes whose subjects must not appear in a training snapshot.'),
    maxTrackedOptOuts: Type.Integer({
      default: 2000,
      minimum: 1,
      maximum: 20_000,
      description: 'Opt-outs kept per model for the SLA and snapshot checks; past it the oldest applied ones are forgotten first, reported once a day (scope state-limit).',
    }),
  }),
  initialState: (): State => ({ optOuts: {}, fired: [] }),
  evaluate: ({ event, args, state, timers, time }) => {
    const { payload } = event;
    if (event.event_type === 'data_usage') {
      const usage = dataUsageOf(payload);
      if (!purposeIn(usage, args.snapshotPurposes)) return undefined;
      const found = texts(payload, 'subject_pseudo_ids').filter((subject) =>
        args.snapshotScopes.some((scope) => {
          const optOut = Bounded.get(state.optOuts, keyOf(scope, subject));
          return optOut !== undefined && optOut.requestedAt < time;
        }),
      );
      if (found.length === 0) return undefined;
      return { scope: scopeOf('dataset', usage.datasetId), observed: { reason: 'in_training_snapshot', dataset_id: usage.datasetId, subjects: found.slice(0, 20), count: found.length } };
    }
    const subject = text(payload, 'subject_pseudo_id');
    const scope = text(payload, 'scope');
    if (subject === undefined || scope === undefined) return undefined;
    const key = keyOf(scope, subject);
    if (text(payload, 'action') === 'revoke') {
      Bounded.delete(state.optOuts, key);
      timers.clear(`${SLA}${key}`);
      return undefined;
    }
    if (text(payload, 'action') !== 'request') return undefined;
    // A repeated request keeps the first one's clock.
    const stored: StoredOptOut = Bounded.get(state.optOuts, key) ?? { requestedAt: timeOf(payload, 'action_time') ?? time, appliedAt: null };
    const applied = timeOf(payload, 'applied_time');
    stored.appliedAt ??= applied ?? null;
    const { kept, dropped } = Bounded.set(state.optOuts, key, stored, { max: args.maxTrackedOptOuts, rank: worth });
    for (const [gone] of dropped) timers.clear(`${SLA}${gone}`);
    const limit = kept && dropped.length === 0 ? undefined : Bounded.limitFinding('opt-outs', args.maxTrackedOptOuts, time, { forgotten: dropped.length + (kept ? 0 : 1) });
    if (!kept) return limit;
    const optOut = optOutAt(state, key) as OptOut;
    const deadline = optOut.requestedAt + durationMs(args.sla);
    let sla: RuleFinding | undefined;
    if (applied !== undefined) {
      timers.clear(`${SLA}${key}`);
      sla = optOut.appliedAt !== null && optOut.appliedAt > deadline && firstTime(state.fired, slaOccurrence(optOut)) ? slaFinding(optOut, args.sla) : undefined;
    } else if (optOut.appliedAt === null && dueNowOrLater(timers, `${SLA}${key}`, deadline, time) && firstTime(state.fired, slaOccurrence(optOut))) {
      sla = slaFinding(optOut, args.sla);
    }
    return [limit, sla].filter((f): f is RuleFinding => f !== undefined);
  },
  onTimer: ({ timer, state, args }) => {
    const optOut = optOutAt(state, timer.name.slice(SLA.length));
    if (!timer.name.startsWith(SLA) || optOut === undefined || optOut.appliedAt !== null) return undefined;
    return firstTime(state.fired, slaOccurrence(optOut)) ? slaFinding(optOut, args.sla) : undefined;
  },
});
