import { randomUUID } from 'node:crypto';
import type { PredictionPayload, TelemetryEvent } from '@kanshi/contracts';

/** The prediction payload the factory sends by default. */
const PREDICTION: PredictionPayload = { input_hash: 'a3f1c2d4e5b6', score: 0.42, decision: 'approve' };

/**
 * A valid v1 prediction event; override any field. An event of another type needs a payload
 * valid for that type (see libs/contracts/examples).
 */
export function telemetryEvent(overrides: Partial<TelemetryEvent> & Pick<TelemetryEvent, 'tenant_id' | 'model_id'>): TelemetryEvent {
  return {
    schema_version: '1.0',
    event_id: randomUUID(),
    event_type: 'prediction',
    timestamp: new Date().toISOString(),
    model_version: '1.0.0',
    payload: { ...PREDICTION },
    ...overrides,
  };
}
