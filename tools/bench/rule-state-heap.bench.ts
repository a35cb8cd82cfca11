import { TELEMETRY_SCHEMA_VERSION, type TelemetryEvent } from '@kanshi/contracts';
import { BUILT_IN_SECTOR_MODULES } from '@kanshi/policy-catalog';
import { FindingCollector, PolicyEvaluator, SectorModuleRegistry } from '@kanshi/policy-core';
import { modelProfile, type ModelProfile } from '@kanshi/policy-sdk';
import { GeneralSectorModule } from '@kanshi/sector-general';

/**
 * What rule state costs per model, on one core: feeds N synthetic models through the engine's
 * evaluator with every built-in module, once as models outside the inventory (a producer making
 * up model ids) and once as registered finance models, and prints the heap the evaluator keeps
 * per model (after a full GC) and the rule-state records a checkpoint would hold. Then the cost
 * of G4 on one prediction carrying thousands of restricted attributes (fed to the evaluator
 * directly, past the contract's attribute cap). Prints figures; asserts nothing.
 *   npm run bench:state [-- --models 20000] [-- --attributes 6000] [-- --wide-events 3]
 */

const START = Date.parse('2026-03-02T00:00:00Z');
const TENANT = 'bench-tenant';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with node --expose-gc (npm run bench:state does)');
  collect();
  collect();
}

const EVENTS_PER_MODEL = 4;

/** The events one model sends: a traced high-impact decision, a PSI report, a metric and an incident. */
function eventsOf(modelId: string, n: number, time: number): TelemetryEvent[] {
  const envelope = (type: TelemetryEvent['event_type'], suffix: string, payload: Record<string, unknown>): TelemetryEvent => ({
    schema_version: TELEMETRY_SCHEMA_VERSION,
    event_id: `${modelId}-${suffix}`,
    event_type: type,
    timestamp: new Date(time).toISOString(),
    tenant_id: TENANT,
    model_id: modelId,
    model_version: '1.0.0',
    trace_id: `tr-${n}`,
    payload,
  });
  return [
    envelope('prediction', 'p', {
      input_hash: `h${n}`,
      score: 0.4,
      decision: 'approve',
      decision_impact: 'high',
      restricted_attributes: { age_band: '30-39', gender: 'F' },
    }),
    envelope('drift_metric', 'd', { feature: 'income', metric: 'psi', value: 0.02 }),
    envelope('performance_metric', 'm', { metric: 'auc', value: 0.8, baseline: 0.81, n: 1000 }),
    envelope('incident', 'i', { incident_id: `INC-${n}`, type: 'malfunction', severity: 'high', awareness_time: new Date(time).toISOString() }),
  ];
}

interface HeapResult {
  readonly bytesPerModel: number;
  readonly recordsPerModel: number;
  readonly rowsWrittenPerModel: number;
  /** CPU time of the process per event (less disturbed by other work on the machine than wall time). */
  readonly cpuUsPerEvent: number;
}

/** Heap kept per model after `models` models sent their events; `registered` puts them in the inventory. */
function heapPerModel(models: number, registered: boolean): HeapResult {
  const evaluator = new PolicyEvaluator(SectorModuleRegistry.load(BUILT_IN_SECTOR_MODULES));
  const inventory = new Map<string, ModelProfile>();
  for (let i = 0; i < models; i++) {
    if (registered) inventory.set(`m-${i}`, modelProfile({ tenantId: TENANT, modelId: `m-${i}`, sectors: ['finance'], riskTier: 'T1' }));
  }
  gc();
  const before = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  let rows = 0;
  let collector = new FindingCollector();
  for (let i = 0; i < models; i++) {
    const modelId = `m-${i}`;
    for (const event of eventsOf(modelId, i, START + i)) evaluator.evaluate(event, inventory.get(modelId), collector, 0);
    // A checkpoint every 500 models, as the engine takes one per batch.
    if (i % 500 === 499) {
      rows += evaluator.runtime.takeChanges(0).length;
      collector = new FindingCollector();
    }
  }
  rows += evaluator.runtime.takeChanges(0).length;
  const cpu = process.cpuUsage(cpu0);
  collector = new FindingCollector();
  gc();
  const after = process.memoryUsage().heapUsed;
  const records = evaluator.runtime.snapshot().length;
  return {
    bytesPerModel: (after - before) / models,
    recordsPerModel: records / models,
    rowsWrittenPerModel: rows / models,
    cpuUsPerEvent: (cpu.user + cpu.system) / (models * EVENTS_PER_MODEL),
  };
}

/**
 * Milliseconds G4 (with the rest of `general`) takes on each of `events` predictions carrying
 * `count` restricted attributes, every one with a value not seen before that day: the worst case
 * for a rule that tracks groups per attribute and day.
 */
function wideAttributes(count: number, events: number): { ms: number[]; bytes: number } {
  const evaluator = new PolicyEvaluator(SectorModuleRegistry.load([GeneralSectorModule]));
  const model = modelProfile({ tenantId: TENANT, modelId: 'wide', sectors: ['general'] });
  const ms: number[] = [];
  let bytes = 0;
  for (let e = 0; e < events; e++) {
    const attributes: Record<string, string> = {};
    for (let i = 0; i < count; i++) attributes[`attribute_${i}`] = `value-${e}`;
    const event: TelemetryEvent = {
      schema_version: TELEMETRY_SCHEMA_VERSION,
      event_id: `wide-${e}`,
      event_type: 'prediction',
      timestamp: new Date(START + e).toISOString(),
      tenant_id: TENANT,
      model_id: 'wide',
      payload: { decision: 'approve', restricted_attributes: attributes },
    };
    bytes = Buffer.byteLength(JSON.stringify(event));
    const t0 = process.hrtime.bigint();
    evaluator.evaluate(event, model, new FindingCollector(), 0);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms, bytes };
}

function main(): void {
  const models = arg('--models', 20_000);
  const attributes = arg('--attributes', 6_000);
  process.stdout.write(`rule state per model, every built-in module, ${models.toLocaleString('en-US')} models (node ${process.version})\n`);
  process.stdout.write('each model sends a traced high-impact prediction, a PSI report, an AUC report and a high-severity incident\n\n');
  process.stdout.write(`${'models'.padEnd(24)}${'heap/model'.padStart(12)}${'records/model'.padStart(15)}${'rows written/model'.padStart(20)}${'CPU/event'.padStart(12)}\n`);
  for (const [name, registered] of [
    ['outside the inventory', false],
    ['in the inventory', true],
  ] as const) {
    const r = heapPerModel(models, registered);
    process.stdout.write(
      `${name.padEnd(24)}${`${Math.round(r.bytesPerModel).toLocaleString('en-US')} B`.padStart(12)}${r.recordsPerModel.toFixed(1).padStart(15)}` +
        `${r.rowsWrittenPerModel.toFixed(1).padStart(20)}${`${r.cpuUsPerEvent.toFixed(1)} µs`.padStart(12)}\n`,
    );
  }
  const events = arg('--wide-events', 3);
  const wide = wideAttributes(attributes, events);
  process.stdout.write(
    `\nG4: ${events} predictions, each with ${attributes.toLocaleString('en-US')} restricted attributes of new values (${Math.round(wide.bytes / 1024)} KiB each), ` +
      `evaluated by the general module: ${wide.ms.map((t) => `${t.toFixed(1)} ms`).join(', ')}\n`,
  );
}

if (require.main === module) main();
