import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES, TELEMETRY_SCHEMA_VERSION, validateTelemetryEvent, type EventType, type TelemetryPayloadMap } from '@kanshi/contracts';
import { thrownBy } from '../test/thrown-by';
import { TelemetryValidationError } from './errors';
import { assertValidEvent, buildEvent, eventBuilders, telemetryEvents } from './event-builders';

/** The contract's own valid example payload of each type. */
function examplePayload<K extends EventType>(type: K): TelemetryPayloadMap[K] {
  const file = join(__dirname, '..', '..', 'contracts', 'examples', `${type}.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { payload: TelemetryPayloadMap[K] }).payload;
}

const NOW = new Date('2026-03-02T00:05:00.000Z');

describe('event builders', () => {
  it('has a builder for every event type of the contract, each making a valid event of its type', () => {
    expect(Object.keys(telemetryEvents).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) {
      const build = telemetryEvents[type] as (input: { tenant_id: string; model_id: string; payload: unknown }) => { event_type: string };
      const event = build({ tenant_id: 'acme', model_id: 'credit', payload: examplePayload(type) });
      expect(event.event_type).toBe(type);
      expect(validateTelemetryEvent(event).ok).toBe(true);
    }
  });

  it('fills the envelope defaults: current schema version, a UUID event id, the time now', () => {
    const event = buildEvent('drift_metric', { tenant_id: 'acme', model_id: 'credit', payload: { feature: 'income', metric: 'psi', value: 0.2 } }, () => NOW);
    expect(event).toEqual({
      schema_version: TELEMETRY_SCHEMA_VERSION,
      event_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      timestamp: '2026-03-02T00:05:00.000Z',
      event_type: 'drift_metric',
      tenant_id: 'acme',
      model_id: 'credit',
      payload: { feature: 'income', metric: 'psi', value: 0.2 },
    });
    const other = buildEvent('drift_metric', { tenant_id: 'acme', model_id: 'credit', payload: { feature: 'income', metric: 'psi', value: 0.2 } });
    expect(other.event_id).not.toBe(event.event_id);
  });

  it('keeps envelope fields the caller gives, and the builder type always wins', () => {
    const input = { tenant_id: 'acme', model_id: 'credit', event_id: 'e-1', timestamp: '2026-01-01T09:00:00+09:00', sector: 'finance' as const };
    const event = buildEvent('human_override', { ...input, event_type: 'prediction', payload: { action: 'override' } } as never);
    expect(event).toMatchObject({ ...input, event_type: 'human_override' });
  });

  it('merges builder defaults with each call', () => {
    const events = eventBuilders({ tenant_id: 'acme', model_id: 'credit', model_version: '3.4.1' });
    const event = events.performance_metric({ model_version: '3.5.0', payload: { metric: 'auc', value: 0.81 } });
    expect(event).toMatchObject({ tenant_id: 'acme', model_id: 'credit', model_version: '3.5.0', event_type: 'performance_metric' });
  });

  it("throws the contract's issues (pointer, rule, expected) before anything is queued", () => {
    const bad = { tenant_id: 'acme', model_id: 'credit', payload: { feature: 'income', metric: 'wasserstein', value: 1 } } as never;
    const thrown = thrownBy(() => telemetryEvents.drift_metric(bad));
    expect(thrown).toBeInstanceOf(TelemetryValidationError);
    const error = thrown as TelemetryValidationError;
    expect(error.reason).toBe('SCHEMA_INVALID');
    expect(error.issues).toEqual([expect.objectContaining({ pointer: '/payload/metric', rule: 'enum', expected: ['psi', 'ks', 'js'] })]);
    expect(error.message).toContain('/payload/metric');
  });

  it('reports a missing required field with its pointer, and a tenant id the key cannot carry', () => {
    const thrown = thrownBy(() => telemetryEvents.incident({ tenant_id: 'a:b', model_id: 'm', payload: { incident_id: 'i-1' } } as never));
    expect((thrown as TelemetryValidationError).issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/tenant_id', rule: 'pattern' }),
        expect.objectContaining({ pointer: '/payload/type', rule: 'required' }),
      ]),
    );
  });

  it('assertValidEvent refuses a future major version with the one reason that matters', () => {
    expect(thrownBy(() => assertValidEvent({ schema_version: '2.0' }))).toMatchObject({ reason: 'UNSUPPORTED_VERSION' });
  });
});
