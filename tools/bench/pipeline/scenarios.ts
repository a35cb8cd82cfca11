import { alertPathScenario } from './alert-path.scenario';
import { alertmanagerScenario } from './alertmanager.scenario';
import { alertStormScenario } from './alert-storm.scenario';
import { ceilingScenario } from './ceiling.scenario';
import { engineScenario } from './engine.scenario';
import { evidenceScenario } from './evidence.scenario';
import { failoverScenario } from './failover.scenario';
import { floodScenario } from './flood.scenario';
import { latencyScenario } from './latency.scenario';
import { microScenario } from './micro.scenario';
import { naiveHandlerScenario } from './naive-handler.scenario';
import type { Scenario } from './scenario';
import { scaleOutScenario } from './scale-out.scenario';
import { tracingScenario } from './tracing.scenario';

/**
 * Every scenario of `npm run bench`, in the order they run (the numbering). A scenario
 * reporting a ratio to another runs after it. Add a scenario with one import and one line in
 * its slot below.
 */
export const SCENARIOS: readonly Scenario[] = [
  // (1) the ceiling, (2) the engine
  ceilingScenario,
  engineScenario,
  // Tracing's cost: the engine again with tracing on (after it: the ratio reads it).
  tracingScenario,
  // (3) what a team would write (naive handler): here, after the engine it is compared with.
  naiveHandlerScenario,
  // (4) latency at fixed rates
  latencyScenario,
  // (5) alert path: here, and its peer, Prometheus Alertmanager, fed the same findings (after it: the ratio reads it).
  alertPathScenario,
  alertmanagerScenario,
  // (5) fairness in an incident storm: another tenant's critical alerts.
  alertStormScenario,
  // (6) micro (validation, evaluation per event): here.
  microScenario,
  // (8) scale-out
  scaleOutScenario,
  // (9) failover after a kill -9
  failoverScenario,
  // (10) one tenant's flood against another's critical alerts
  floodScenario,
  // (11) the evidence ledger's cost
  evidenceScenario,
];
