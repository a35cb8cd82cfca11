import { randomUUID } from 'node:crypto';
import type { EventType, TelemetryEvent } from '@kanshi/contracts';
import { DEMO_TENANT, type DemoModel } from './demo-models';

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

function round(value: number, digits = 4): number {
  return Number(value.toFixed(digits));
}

/** A plausible event of a random type for a demo model. */
export function demoEvent(model: DemoModel, now: Date = new Date()): TelemetryEvent {
  const type: EventType = pick(['prediction', 'prediction', 'prediction', 'explanation', 'drift_metric', 'performance_metric', 'human_override']);
  const traceId = randomUUID();
  const sector = model.sectors[0] ?? 'general';
  return {
    schema_version: '1.0',
    event_id: randomUUID(),
    event_type: type,
    timestamp: now.toISOString(),
    tenant_id: DEMO_TENANT.id,
    model_id: model.modelId,
    model_version: model.version,
    environment: 'production',
    sector,
    jurisdiction: 'JP',
    trace_id: traceId,
    payload: payloadFor(type, model),
  };
}

function payloadFor(type: EventType, model: DemoModel): Record<string, unknown> {
  switch (type) {
    case 'prediction': {
      const score = round(Math.random());
      return {
        input_hash: randomUUID().replace(/-/g, ''),
        score,
        decision: model.modelId.includes('credit') ? (score > 0.35 ? 'approve' : 'decline') : score > 0.5 ? 'flag' : 'pass',
        decision_impact: model.sectors.includes('platform') ? 'low' : 'high',
        segment: pick(['salaried', 'self-employed', 'students']),
      };
    }
    case 'explanation':
      return { reason_codes: [pick(['DTI_HIGH', 'SHORT_TENURE', 'LOW_INCOME', 'NODULE_SIZE'])], method: 'shap' };
    case 'drift_metric':
      return { feature: pick(['income', 'age', 'pixel_intensity', 'dwell_time']), metric: 'psi', value: round(Math.random() * 0.3), window: '24h' };
    case 'performance_metric':
      return { metric: model.sectors.includes('medical') ? 'sensitivity' : 'auc', value: round(0.8 + Math.random() * 0.1), n: 500, window: '7d' };
    case 'human_override':
      return { reviewer_role: 'credit-officer', action: pick(['confirm', 'confirm', 'override']), reason: 'manual review' };
    case 'model_deployment':
    case 'data_usage':
    case 'incident':
    case 'consent':
    case 'opt_out':
    case 'disclosure':
      return {};
  }
}
