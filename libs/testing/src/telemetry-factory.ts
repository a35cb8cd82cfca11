import { randomUUID } from 'node:crypto';
import type { TelemetryEvent } from '@kanshi/contracts';

/** A valid v1 prediction event; override any field. */
export function telemetryEvent(overrides: Partial<TelemetryEvent> & Pick<TelemetryEvent, 'tenant_id' | 'model_id'>): TelemetryEvent {
  return {
    schema_version: '1.0',
    event_id: randomUUID(),
    event_type: 'prediction',
    timestamp: new Date().toISOString(),
    model_version: '1.0.0',
    payload: { score: 0.42, decision: 'approve' },
    ...overrides,
  };
}
