import { randomUUID } from 'node:crypto';
import type { TelemetryEvent, TelemetryPayloadMap } from '@kanshi/contracts';
import { DEMO_TENANT, type DemoModel } from './demo-models';

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

function round(value: number, digits = 4): number {
  return Number(value.toFixed(digits));
}

/** A plausible event of a random type for a demo model. */
export function demoEvent(model: DemoModel, now: Date = new Date()): TelemetryEvent {
  const type: DemoEventType = pick(['prediction', 'prediction', 'prediction', 'explanation', 'drift_metric', 'performance_metric', 'human_override']);
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
    payload: payloadFor(type, model, traceId),
  };
}

/** The event types the demo emits; each payload is valid under its type's schema. */
type DemoEventType = 'prediction' | 'explanation' | 'drift_metric' | 'performance_metric' | 'human_override';

function payloadFor(type: DemoEventType, model: DemoModel, traceId: string): TelemetryPayloadMap[DemoEventType] {
  const medical = model.sectors.includes('medical');
  switch (type) {
    case 'prediction': {
      const score = round(Math.random());
      return {
        input_hash: randomUUID().replace(/-/g, ''),
        score,
        decision: model.modelId.includes('credit') ? (score > 0.35 ? 'approve' : 'decline') : score > 0.5 ? 'flag' : 'pass',
        decision_impact: model.sectors.includes('platform') ? 'low' : 'high',
        segment: medical ? pick(['outpatient', 'inpatient', 'screening']) : pick(['salaried', 'self-employed', 'students']),
        subject_pseudo_id: `subj-${randomUUID().slice(0, 8)}`,
        out_of_distribution: Math.random() < 0.01,
      } satisfies TelemetryPayloadMap['prediction'];
    }
    case 'explanation':
      return {
        trace_id: traceId,
        reason_codes: [medical ? pick(['NODULE_SIZE', 'GROUND_GLASS_OPACITY']) : pick(['DTI_HIGH', 'SHORT_TENURE', 'LOW_INCOME'])],
        method: 'shap',
      } satisfies TelemetryPayloadMap['explanation'];
    case 'drift_metric':
      return {
        feature: medical ? pick(['pixel_intensity', 'slice_thickness']) : pick(['income', 'age', 'dwell_time']),
        metric: 'psi',
        value: round(Math.random() * 0.3),
        window: '24h',
      } satisfies TelemetryPayloadMap['drift_metric'];
    case 'performance_metric':
      return {
        metric: medical ? 'sensitivity' : 'auc',
        value: round(0.8 + Math.random() * 0.1),
        n: 500,
        window: '7d',
        dataset_ref: 'real_world',
      } satisfies TelemetryPayloadMap['performance_metric'];
    case 'human_override':
      return {
        trace_id: traceId,
        reviewer_role: medical ? 'radiologist' : 'credit-officer',
        action: pick(['confirm', 'confirm', 'override'] as const),
        reason: 'manual review',
      } satisfies TelemetryPayloadMap['human_override'];
  }
}
