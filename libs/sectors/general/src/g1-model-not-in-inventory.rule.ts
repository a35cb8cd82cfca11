import { DAY_MS, defineRule, durationMs, Arg, Type, type ModelProfile, type RuleFinding } from '@kanshi/policy-sdk';
import { iso } from './general-rule-support';

/** The inventory fields that make an entry governed, by the name the inventory API gives them. */
const ENTRY_FIELDS = {
  owner: (model: ModelProfile) => model.owner,
  risk_tier: (model: ModelProfile) => model.riskTier,
  intended_use: (model: ModelProfile) => model.intendedUse,
} as const;
type EntryField = keyof typeof ENTRY_FIELDS;

/** The scope of the finding about an incomplete entry, apart from the unregistered model's. */
const ENTRY_SCOPE = 'inventory-entry';
const RECHECK = 'incomplete';

const blank = (value: string | null): boolean => value === null || !/\S/.test(value);

/** Whether the entry has every required field; checked on every event, so it allocates nothing. */
function isComplete(model: ModelProfile, required: readonly EntryField[]): boolean {
  for (const field of required) if (blank(ENTRY_FIELDS[field](model))) return false;
  return true;
}

function missingFields(model: ModelProfile, required: readonly EntryField[]): EntryField[] {
  return required.filter((field) => blank(ENTRY_FIELDS[field](model)));
}

function incompleteFinding(model: ModelProfile, missing: EntryField[], time: number): RuleFinding {
  const day = iso(Math.floor(time / DAY_MS) * DAY_MS).slice(0, 10);
  return {
    scope: ENTRY_SCOPE,
    severity: 'medium',
    occurrence: `incomplete@${day}`,
    observed: { model_id: model.modelId, missing, checked_on: day },
  };
}

/**
 * G1: telemetry from a model nobody registered (high), or from a model whose inventory entry
 * lacks an owner, a risk tier or an intended use (`requiredFields`; medium, scope
 * `inventory-entry`). Without them there is nobody accountable, no tier to set the checks by
 * and no use to judge against, so none of the other checks can be trusted. The incomplete entry
 * is reported on the model's first event, again once a day (`recheckEvery`) while it stays
 * incomplete, and cleared (the alert resolves) once the entry is completed: at the model's next
 * event or next recheck, whichever comes first. Unregistered models are judged without any
 * state; the recheck is a timer of the registered model alone.
 */
export const g1ModelNotInInventory = defineRule({
  id: 'G1',
  title: 'Model has no inventory entry, or one without owner, risk tier or intended use',
  rationale:
    'Every model in use must be registered with an owner, a risk tier and an intended use; ' +
    'an unregistered model, or one registered without them, escapes governance, validation and monitoring.',
  source: 'AI Guidelines for Business v1.1 (governance, accountability); AI Promotion Act Basic Plan',
  defaultSeverity: 'high',
  reads: 'all',
  args: Type.Object({
    requiredFields: Type.Array(Type.Union((Object.keys(ENTRY_FIELDS) as EntryField[]).map((field) => Type.Literal(field))), {
      default: Object.keys(ENTRY_FIELDS),
      uniqueItems: true,
      description: 'Inventory fields an entry must have to be governed (owner, risk_tier, intended_use); an entry without one is a medium finding.',
    }),
    recheckEvery: Arg.duration('1d', 'How often an incomplete entry is reported again, and checked for completion when the model sends nothing.'),
  }),
  // The clear is final (a report submitted, an entry completed): the alert resolves at once.
  recovery: { clearFor: '0s' },
  evaluate: ({ event, model, args, time, timers }) => {
    if (model === undefined) {
      return { observed: { model_id: event.model_id, model_version: event.model_version ?? null, event_type: event.event_type } };
    }
    const watched = timers.get(RECHECK) !== undefined;
    if (isComplete(model, args.requiredFields)) {
      if (!watched) return undefined;
      timers.clear(RECHECK);
      return { kind: 'clear', scope: ENTRY_SCOPE };
    }
    if (watched) return undefined;
    timers.set(RECHECK, time + durationMs(args.recheckEvery));
    return incompleteFinding(model, missingFields(model, args.requiredFields), time);
  },
  onTimer: ({ timer, model, args, timers }) => {
    if (timer.name !== RECHECK) return undefined;
    // Retired or removed from the inventory since: G1's other finding takes over at its next event.
    if (model === undefined) return undefined;
    const missing = missingFields(model, args.requiredFields);
    if (missing.length === 0) return { kind: 'clear', scope: ENTRY_SCOPE };
    timers.set(RECHECK, timer.at + durationMs(args.recheckEvery));
    return incompleteFinding(model, missing, timer.at);
  },
});
