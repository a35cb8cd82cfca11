import { defineRule, Field, Type, type ModelProfile } from '@kanshi/policy-sdk';
import { FSA_MRM, iso, reportedTier, riskTier } from './finance-rule-helpers';

interface F2State {
  /** Latest `validation_date` a deployment reported (epoch ms). */
  reportedValidation: number | null;
  /** Latest `risk_tier` a deployment reported, used when the inventory has none. */
  reportedTier: string | null;
  /** The occurrence last reported, so an overdue validation is one finding, not one per event. */
  reported: string | null;
}

/** `time` plus whole calendar months, in UTC, the day clamped to the end of a shorter month. */
export function addMonths(time: number, months: number): number {
  const date = new Date(time);
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target.getTime() + (time - Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

function lastValidation(model: ModelProfile | undefined, state: F2State): number | null {
  const inventory = model?.lastValidatedAt ? Date.parse(model.lastValidatedAt) : NaN;
  const dates = [inventory, state.reportedValidation ?? NaN].filter((t) => Number.isFinite(t));
  return dates.length === 0 ? null : Math.max(...dates);
}

type Judgement = { kind: 'unknown' } | { kind: 'overdue' | 'due'; tier: string; validated: number | null; due: number | null; months: number };

function judge(model: ModelProfile | undefined, state: F2State, tierMonths: Readonly<Record<string, number>>, now: number): Judgement {
  const tier = riskTier(model, state.reportedTier);
  const months = tier === null ? undefined : tierMonths[tier];
  if (tier === null || months === undefined) return { kind: 'unknown' };
  const validated = lastValidation(model, state);
  if (validated === null) return { kind: 'overdue', tier, validated, due: null, months };
  const due = addMonths(validated, months);
  return { kind: due <= now ? 'overdue' : 'due', tier, validated, due, months };
}

function overdueFinding(state: F2State, j: Extract<Judgement, { kind: 'overdue' | 'due' }>, now: number) {
  const occurrence = j.due === null ? 'never-validated' : `due:${iso(j.due)}`;
  if (state.reported === occurrence) return undefined;
  state.reported = occurrence;
  return {
    occurrence,
    observed: {
      tier: j.tier,
      last_validated_at: j.validated === null ? null : iso(j.validated),
      due_at: j.due === null ? null : iso(j.due),
      interval_months: j.months,
      days_overdue: j.due === null ? null : Math.floor((now - j.due) / 86_400_000),
    },
    ...(j.due === null ? {} : { dueAt: new Date(j.due) }),
  };
}

/**
 * F2: the independent validation is older than the tier allows. The last validation is the
 * later of the inventory's `lastValidatedAt` and the latest deployment's `validation_date`; the
 * tier is the inventory's, else the deployment's `risk_tier`. Any event of the model re-judges
 * it and arms a timer at the due date, so the finding comes on the day even when no event
 * arrives then. A model with a tier but no validation on record is overdue at once
 * (`lastValidatedAt: null`); a model without a tier, or with a tier missing from `tierMonths`,
 * is not judged. One finding per due date; a newer validation clears it.
 */
export const f2ValidationOverdue = defineRule({
  id: 'F2',
  title: 'Model validation overdue for its risk tier',
  rationale:
    'Models must be independently re-validated at a frequency that matches their risk rating; ' +
    'a model past its validation date runs on assurance that has lapsed.',
  source: `${FSA_MRM}, principles 2 and 6 (risk rating, independent validation)`,
  defaultSeverity: 'high',
  reads: ['model_deployment', 'prediction', 'performance_metric', 'drift_metric'],
  args: Type.Object({
    tierMonths: Type.Record(Type.String(), Type.Integer({ minimum: 1 }), {
      default: { T1: 12, T2: 24, T3: 36 },
      description: 'Longest time between validations, in calendar months, per risk tier.',
    }),
  }),
  recovery: { clearFor: '1m' },
  initialState: (): F2State => ({ reportedValidation: null, reportedTier: null, reported: null }),
  evaluate: ({ event, time, model, state, args, timers }) => {
    if (!model) return undefined;
    if (event.event_type === 'model_deployment') {
      const date = Field.text(event.payload, 'validation_date');
      const parsed = date === undefined ? NaN : Date.parse(date);
      if (Number.isFinite(parsed)) state.reportedValidation = Math.max(state.reportedValidation ?? parsed, parsed);
      state.reportedTier = reportedTier(event) ?? state.reportedTier;
    }
    const j = judge(model, state, args.tierMonths, time);
    if (j.kind === 'unknown') {
      timers.clear('due');
      return undefined;
    }
    if (j.kind === 'due') {
      if (j.due !== null) timers.set('due', j.due);
      if (state.reported === null) return undefined;
      state.reported = null;
      return { kind: 'clear' };
    }
    timers.clear('due');
    return overdueFinding(state, j, time);
  },
  onTimer: ({ model, state, args, time, timers }) => {
    const j = judge(model, state, args.tierMonths, time);
    if (j.kind === 'unknown') return undefined;
    if (j.kind === 'due') {
      // The validation was renewed after the timer was set: wait for the new date.
      if (j.due !== null) timers.set('due', j.due);
      return undefined;
    }
    return overdueFinding(state, j, time);
  },
});
