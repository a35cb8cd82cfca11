import { SectorModule } from '@kanshi/policy-sdk';
import { g1ModelNotInInventory } from './g1-model-not-in-inventory.rule';
import { g2FeatureDriftPsi } from './g2-feature-drift-psi.rule';
import { g3PrimaryMetricDrop } from './g3-primary-metric-drop.rule';
import { g4SubgroupOutcomeDisparity } from './g4-subgroup-outcome-disparity.rule';
import { g5GeneratedContentUnlabelled } from './g5-generated-content-unlabelled.rule';
import { g6PredictionTraceability } from './g6-prediction-traceability.rule';
import { g7HighImpactWithoutReview } from './g7-high-impact-without-review.rule';
import { g8IncidentResponseOverdue } from './g8-incident-response-overdue.rule';
import { g9GuardrailViolationRate } from './g9-guardrail-violation-rate.rule';
import { g10ServingAvailability } from './g10-serving-availability.rule';
import { g11TransparencyReportStale } from './g11-transparency-report-stale.rule';

/** Checks from the AI Guidelines for Business that apply to every model in every sector. */
@SectorModule({
  id: 'general',
  description: 'AI Promotion Act and AI Guidelines for Business: checks for every model',
  sectors: 'all',
  rules: [
    g1ModelNotInInventory,
    g2FeatureDriftPsi,
    g3PrimaryMetricDrop,
    g4SubgroupOutcomeDisparity,
    g5GeneratedContentUnlabelled,
    g6PredictionTraceability,
    g7HighImpactWithoutReview,
    g8IncidentResponseOverdue,
    g9GuardrailViolationRate,
    g10ServingAvailability,
    g11TransparencyReportStale,
  ],
  compatibility: '^0.2.3',
})
export class GeneralSectorModule {}
