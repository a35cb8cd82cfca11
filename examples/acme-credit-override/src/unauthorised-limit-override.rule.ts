import { CountWindow, defineRule, durationMs, Type } from '@kanshi/policy-sdk';

/**
 * ACME-1: ACME Bank's own policy for manual credit-limit overrides. Only named roles may
 * override the limit model, and a reviewer who overrides too often in a day is reviewed in turn.
 */
export const unauthorisedLimitOverride = defineRule({
  id: 'ACME-1',
  title: 'Credit-limit override by an unauthorised role, or too many overrides in a day',
  rationale:
    'The credit-limit model may only be overridden by credit officers; a burst of overrides by one reviewer ' +
    'suggests the model is being worked around rather than challenged.',
  source: 'ACME Bank Credit Policy Manual §12.4 (manual limit overrides)',
  defaultSeverity: 'medium',
  reads: ['human_override'],
  args: Type.Object({
    allowedRoles: Type.Array(Type.String(), { default: ['credit_officer', 'senior_underwriter'], description: 'Roles allowed to override the limit.' }),
    maxPerReviewerPerDay: Type.Integer({ default: 20, minimum: 1, description: 'Overrides one reviewer role may make in one UTC day.' }),
  }),
  window: { kind: 'tumbling', size: '1d' },
  initialState: () => CountWindow.create('1d', '2d'),
  evaluate: ({ event, time, args, state }) => {
    const { action, reviewer_role: role } = event.payload as { action?: unknown; reviewer_role?: unknown };
    if (action !== 'override') return undefined;
    const reviewer = typeof role === 'string' ? role : '(unknown)';
    if (!args.allowedRoles.includes(reviewer)) {
      return { scope: `role:${reviewer}`, observed: { reviewer_role: reviewer }, severity: 'high' };
    }
    CountWindow.add(state, time, { [reviewer]: 1 });
    const day = CountWindow.bucketStart(state, time);
    const count = CountWindow.bucket(state, day)[reviewer] ?? 0;
    // Fires once, on the override that crosses the limit.
    return count === args.maxPerReviewerPerDay + 1
      ? { scope: `reviewer:${reviewer}`, observed: { overrides: count, day: new Date(day).toISOString().slice(0, 10) }, occurrence: `${reviewer}@${new Date(day).toISOString()}` }
      : undefined;
  },
});

/** One UTC day, for tests and callers. */
export const DAY = durationMs('1d');
