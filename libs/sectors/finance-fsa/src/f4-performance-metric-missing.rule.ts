import { Arg, defineRule, durationMs, Type } from '@kanshi/policy-sdk';
import { FSA_MRM, iso, reportedTier, riskTier } from './finance-rule-helpers';

interface F4State {
  /** Newest `performance_metric` event time, or `null` before the first. */
  lastMetricAt: number | null;
  /** When the rule first saw the model in use, the start of the silence before any metric. */
  watchingSince: number | null;
  reportedTier: string | null;
  /** An alert is open: the next metric clears it, and no new timer is armed until then. */
  silent: boolean;
}

const SILENCE = 'silence';

/**
 * F4: a model of a monitored tier (default T1) has sent no `performance_metric` for longer
 * than `maxSilence`. Every metric moves the `silence` timer to metric time + `maxSilence`;
 * other events of the model (predictions, deployments) start the clock when no metric was
 * ever seen, so a tier-1 model that never reports is caught too. One finding per silence
 * (occurrence: when it began); the next metric clears it.
 */
export const f4PerformanceMetricMissing = defineRule({
  id: 'F4',
  title: 'No performance metric for a tier-1 model',
  rationale:
    'High-risk models must be monitored continuously; a tier-1 model that stops reporting performance ' +
    'can degrade without anyone seeing it.',
  source: `${FSA_MRM}, principle 5 (ongoing monitoring)`,
  defaultSeverity: 'high',
  reads: ['performance_metric', 'prediction', 'model_deployment'],
  args: Type.Object({
    maxSilence: Arg.duration('48h', 'Longest time without any performance_metric event.'),
    tiers: Arg.names(['T1'], 'Risk tiers whose models must report performance.'),
  }),
  recovery: { clearFor: '1h' },
  initialState: (): F4State => ({ lastMetricAt: null, watchingSince: null, reportedTier: null, silent: false }),
  evaluate: ({ event, time, model, state, args, timers }) => {
    if (!model) return undefined;
    state.reportedTier = reportedTier(event) ?? state.reportedTier;
    const tier = riskTier(model, state.reportedTier);
    if (tier === null || !args.tiers.includes(tier)) {
      timers.clear(SILENCE);
      return undefined;
    }
    if (event.event_type === 'performance_metric') {
      state.lastMetricAt = Math.max(state.lastMetricAt ?? time, time);
      timers.set(SILENCE, state.lastMetricAt + durationMs(args.maxSilence));
      if (!state.silent) return undefined;
      state.silent = false;
      return { kind: 'clear' };
    }
    state.watchingSince ??= time;
    if (!state.silent && timers.get(SILENCE) === undefined) {
      timers.set(SILENCE, (state.lastMetricAt ?? state.watchingSince) + durationMs(args.maxSilence));
    }
    return undefined;
  },
  onTimer: ({ timer, model, state, args }) => {
    const tier = riskTier(model, state.reportedTier);
    if (timer.name !== SILENCE || tier === null || !args.tiers.includes(tier)) return undefined;
    const since = state.lastMetricAt ?? state.watchingSince ?? timer.at - durationMs(args.maxSilence);
    state.silent = true;
    return {
      occurrence: `silent-since:${iso(since)}`,
      observed: { tier, last_metric_at: state.lastMetricAt === null ? null : iso(state.lastMetricAt), silent_since: iso(since), silent_hours: (timer.at - since) / 3_600_000 },
    };
  },
});
