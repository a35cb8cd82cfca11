import { Arg, Bounded, CountWindow, defineRule, Evidence, Field, Stats, Type, Windows, type RuleResult, type WindowedState, type WindowPlan } from '@kanshi/policy-sdk';
import { byPrefix, dailySliding, iso, limited } from './general-rule-support';

const args = Type.Object({
  minRatio: Type.Number({ default: 0.8, minimum: 0, maximum: 1, description: 'Lowest tolerated ratio of the smallest to the largest positive-outcome rate across the groups of one attribute.' }),
  positiveOutcomes: Arg.names(['approve', 'approved', 'accept', 'accepted'], 'Decision values that count as a positive outcome for the subject.'),
  window: Arg.duration('7d', 'Rolling window the outcome rates are computed over; judged once a day.'),
  lateness: Arg.lateness('1h', 'predictions', 'day'),
  // Counted per group, not per window, so the SDK's wording of minSamples would mislead.
  minSamples: Type.Integer({ default: 500, minimum: 1, description: 'Fewest predictions a group needs in the window to be compared; at least two groups must qualify.' }),
  maxGroupsPerAttribute: Type.Integer({ default: 50, minimum: 2, maximum: 1000, description: 'Distinct values of one attribute tracked per day; further values are not counted (keeps state small).' }),
  maxAttributes: Type.Integer({ default: 16, minimum: 1, maximum: 64, description: 'Distinct attributes tracked per day; further attributes are not counted. Either cap reached is reported once a day (scope state-limit).' }),
});

type G4Args = { window: string; lateness: string; maxGroupsPerAttribute: number; maxAttributes: number };

/** Per day: two tallies per group, one group count per attribute, and the attribute count. */
const plan = (a: G4Args): WindowPlan => ({ ...dailySliding(a), maxNames: a.maxAttributes * (2 * a.maxGroupsPerAttribute + 1) + 1 });

/** Tally of the distinct attributes counted in a day. */
const ATTRIBUTES = '#attributes';

type GroupValue = string | number | boolean;

/** Tally names: JSON of [attribute, value], so any attribute name or value round-trips. */
function groupKey(attribute: string, value: GroupValue): string {
  return JSON.stringify([attribute, value]);
}

/** Tally of the distinct groups of one attribute counted in a day. */
function groupsKey(attribute: string): string {
  return `g:${JSON.stringify(attribute)}`;
}

function parseGroup(key: string): [string, GroupValue] | undefined {
  try {
    const parsed: unknown = JSON.parse(key);
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string') {
      const value: unknown = parsed[1];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [parsed[0], value];
    }
  } catch {
    // Not a group tally.
  }
  return undefined;
}

interface Group {
  readonly value: GroupValue;
  readonly n: number;
  readonly rate: number;
}

/**
 * G4: demographic parity across the restricted subgroup attributes of predictions. Each
 * prediction with a `decision` and `restricted_attributes` counts once per attribute, in the
 * group of its value; predictions without either are skipped. At each day's close, per
 * attribute (its own scope), the groups with at least `minSamples` predictions over the
 * rolling window are compared: lowest positive rate / highest positive rate. Per day at most
 * `maxAttributes` attributes and `maxGroupsPerAttribute` values of each are counted, the first
 * seen; past either the rule says so (scope `state-limit`). Each value costs O(1): the day keeps
 * a count of its attributes and of each attribute's groups.
 */
export const g4SubgroupOutcomeDisparity = defineRule({
  id: 'G4',
  title: 'Outcome rates differ too much between subgroups',
  rationale:
    'When one group receives positive outcomes at well under the rate of another, the model may treat people ' +
    'unfairly on a restricted attribute; fairness must be monitored in use, not only at validation.',
  source: 'AI Guidelines for Business v1.1 (fairness); Appropriateness Guideline (Dec 2025): risk-based lifecycle monitoring',
  defaultSeverity: 'high',
  reads: ['prediction'],
  args,
  window: Windows.spec('sliding'),
  recovery: { clearFor: '1d' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, state, timers, args: a }) => {
    const decision = Field.text(event.payload, 'decision');
    const attributes = event.payload['restricted_attributes'];
    if (decision === undefined || typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) return undefined;
    const positive = a.positiveOutcomes.includes(decision) ? 1 : 0;
    let refused: { kind: string; limit: number } | undefined;
    Windows.record(state, plan(a), time, timers, (window) => {
      const day = CountWindow.bucket(window, CountWindow.bucketStart(window, time));
      const tallies: Record<string, number> = {};
      const has = (name: string) => Bounded.has(day, name) || Bounded.has(tallies, name);
      let attributeCount = day[ATTRIBUTES] ?? 0;
      for (const [attribute, value] of Object.entries(attributes as Record<string, unknown>)) {
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
        const key = groupKey(attribute, value);
        const n = `n:${key}`;
        // Only a value new to the day can push a cap; its counts make that check O(1).
        if (!has(n)) {
          const groups = groupsKey(attribute);
          const known = (day[groups] ?? 0) + (tallies[groups] ?? 0);
          if (known === 0 && attributeCount >= a.maxAttributes) {
            refused ??= { kind: 'subgroup attributes', limit: a.maxAttributes };
            continue;
          }
          if (known >= a.maxGroupsPerAttribute) {
            refused ??= { kind: 'subgroups per attribute', limit: a.maxGroupsPerAttribute };
            continue;
          }
          if (known === 0) {
            attributeCount++;
            tallies[ATTRIBUTES] = (tallies[ATTRIBUTES] ?? 0) + 1;
          }
          tallies[groups] = (tallies[groups] ?? 0) + 1;
        }
        tallies[n] = 1;
        tallies[`p:${key}`] = positive;
      }
      return Object.keys(tallies).length === 0 || CountWindow.add(window, time, tallies);
    });
    return refused && Bounded.limitFinding(refused.kind, refused.limit, time, { per: 'day' });
  },
  onTimer: ({ timer, state, args: a }) => {
    const judged = Windows.judge(state, plan(a), timer.name);
    if (!judged) return undefined;
    const positives = byPrefix(judged.totals, 'p:');
    const byAttribute = new Map<string, Group[]>();
    for (const [key, n] of byPrefix(judged.totals, 'n:')) {
      const group = parseGroup(key);
      if (!group || n < a.minSamples) continue;
      const [attribute, value] = group;
      byAttribute.set(attribute, [...(byAttribute.get(attribute) ?? []), { value, n, rate: (positives.get(key) ?? 0) / n }]);
    }
    const results: RuleResult[] = [];
    for (const [attribute, groups] of byAttribute) {
      if (groups.length < 2) continue;
      groups.sort((x, y) => x.rate - y.rate);
      const lowest = groups[0] as Group;
      const highest = groups[groups.length - 1] as Group;
      // Nobody got a positive outcome: every rate is equal, there is no disparity to measure.
      if (highest.rate === 0) continue;
      const ratio = lowest.rate / highest.rate;
      const scope = limited(attribute);
      if (!Stats.below(ratio, a.minRatio)) {
        results.push({ kind: 'clear', scope });
        continue;
      }
      results.push({
        scope,
        // Named by the start of the judged span, not of the closed day, to match `window_start`.
        occurrence: iso(judged.start),
        observed: {
          attribute,
          ratio: Evidence.rounded(ratio),
          lowest: { value: lowest.value, n: lowest.n, rate: Evidence.rounded(lowest.rate) },
          highest: { value: highest.value, n: highest.n, rate: Evidence.rounded(highest.rate) },
          groups: groups.slice(0, 20).map((g) => ({ value: g.value, n: g.n, rate: Evidence.rounded(g.rate) })),
          ...Evidence.window(judged),
        },
      });
    }
    return results;
  },
});
