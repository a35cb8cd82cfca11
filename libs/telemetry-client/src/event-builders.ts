import { randomUUID } from 'node:crypto';
import {
  EVENT_TYPES,
  TELEMETRY_SCHEMA_VERSION,
  validateTelemetryEvent,
  type EventType,
  type TelemetryEvent,
  type TelemetryPayloadMap,
  type TypedTelemetryEvent,
} from '@kanshi/contracts';
import { TelemetryValidationError } from './errors';

/** The envelope fields of an event: everything but its type and payload. */
export type EventEnvelope = Omit<TelemetryEvent, 'event_type' | 'payload'>;

/** Envelope fields a builder fills when they are left out. */
export type DefaultedEnvelopeField = 'schema_version' | 'event_id' | 'timestamp';

/** Envelope fields an event must name: the tenant and the model. */
export type EventIdentity = Pick<EventEnvelope, 'tenant_id' | 'model_id'>;

/** What a builder takes for an event of type `K`, given envelope fields `E` the caller provides. */
export type EventInput<K extends EventType, E> = E & { readonly payload: TelemetryPayloadMap[K] };

/** One builder per event type: `builders.drift_metric({ tenant_id, model_id, payload })`. */
export type EventBuilders<E> = { readonly [K in EventType]: (input: EventInput<K, E>) => TypedTelemetryEvent<K> };

/** Envelope fields a builder accepts: the identity (required or defaulted) and any optional field. */
export type BuilderFields = Partial<EventEnvelope>;

/**
 * Builds one event: envelope defaults (`schema_version` current, `event_id` a random UUID,
 * `timestamp` now), then the contract's validator. Throws {@link TelemetryValidationError}
 * listing every issue (`pointer`, `rule`, `expected`) when the contract refuses the event.
 */
export function buildEvent<K extends EventType>(
  eventType: K,
  input: EventInput<K, EventIdentity & BuilderFields>,
  now: () => Date = () => new Date(),
): TypedTelemetryEvent<K> {
  const event = {
    schema_version: TELEMETRY_SCHEMA_VERSION,
    event_id: randomUUID(),
    timestamp: now().toISOString(),
    ...input,
    event_type: eventType,
  };
  return assertValidEvent(event) as TypedTelemetryEvent<K>;
}

/** Checks any value against the contract; returns it typed, or throws {@link TelemetryValidationError}. */
export function assertValidEvent(value: unknown): TelemetryEvent {
  const checked = validateTelemetryEvent(value);
  if (!checked.ok) throw new TelemetryValidationError(checked.reason, checked.issues);
  return checked.event;
}

/**
 * Typed builders for every event type of the contract.
 *
 * Without defaults each call names `tenant_id` and `model_id`; with defaults (a tenant and a
 * model, and any other envelope field such as `model_version` or `sector`) each call gives the
 * payload and whatever it overrides.
 *
 * @example
 * const events = eventBuilders({ tenant_id: 'acme-bank', model_id: 'credit-scoring', model_version: '3.4.1' });
 * client.send(events.drift_metric({ payload: { feature: 'income', metric: 'psi', value: 0.31 } }));
 */
export function eventBuilders(): EventBuilders<EventIdentity & BuilderFields>;
export function eventBuilders(defaults: EventIdentity & BuilderFields): EventBuilders<BuilderFields>;
export function eventBuilders(defaults: BuilderFields = {}): EventBuilders<BuilderFields> {
  const entries = EVENT_TYPES.map((type) => [
    type,
    (input: EventInput<typeof type, BuilderFields>) => buildEvent(type, { ...defaults, ...input } as EventInput<typeof type, EventIdentity>),
  ]);
  return Object.freeze(Object.fromEntries(entries)) as EventBuilders<BuilderFields>;
}

/** Builders without defaults: every call names the tenant and the model. */
export const telemetryEvents: EventBuilders<EventIdentity & BuilderFields> = eventBuilders();
