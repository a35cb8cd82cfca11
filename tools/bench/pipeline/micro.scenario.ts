import { BUILT_IN_SECTOR_MODULES } from '@kanshi/policy-catalog';
import { CONTRACT_BENCH_SECONDS, measureContract } from '../contract-validation.bench';
import { RULE_BENCH_SECONDS, runCase } from '../rule-evaluation.bench';
import { measureSignatures } from '../signature.bench';
import { round } from './bench-support';
import type { BenchContext, Figure, Scenario, ScenarioResult } from './scenario';

/**
 * (6) Micro: the per-event cost of validation and of rule evaluation, measured in this process
 * by the contract and policy micro-benchmarks (`npm run bench:contracts`, `npm run bench:rules`).
 */
function run(context: BenchContext): Promise<ScenarioResult> {
  // Quick: a smoke run of the harness; the figures mean nothing.
  const contractSeconds = context.quick ? 0.05 : CONTRACT_BENCH_SECONDS;
  const ruleSeconds = context.quick ? 0.3 : RULE_BENCH_SECONDS;
  context.log(`micro: contract validation, ${contractSeconds} s per case`);
  const contract = measureContract(contractSeconds);
  context.log(`micro: rule evaluation with all built-in modules, about ${ruleSeconds} s`);
  const rules = runCase(BUILT_IN_SECTOR_MODULES, ruleSeconds);
  const evaluateNs = rules.evaluateNs / rules.events;
  const tickNs = rules.tickNs / rules.events;
  context.log(`micro: telemetry signatures (sign, check), about ${contractSeconds * 4} s each`);
  const signatures = measureSignatures(contractSeconds * 4);
  const decodeNs = 1e9 / contract.meanDecodePerSecond;
  const figures: Figure[] = [
    { name: 'validate (parsed event)', value: round(1e9 / contract.meanValidatePerSecond), unit: 'ns/event' },
    { name: 'decode (bytes: JSON.parse + validate)', value: round(1e9 / contract.meanDecodePerSecond), unit: 'ns/event' },
    { name: 'evaluate, all modules (route, rules, group findings)', value: round(evaluateNs), unit: 'ns/event' },
    { name: 'rule timers (advanceTo), spread per event', value: round(tickNs, 1), unit: 'ns/event' },
    { name: 'decode + evaluate + timers on one core', value: round(1e9 / (decodeNs + evaluateNs + tickNs)), unit: 'events/s' },
    { name: 'signature check (engine: header, key, HMAC-SHA256)', value: round(signatures.verifyNs), unit: 'ns/event' },
    { name: 'signature check, share of check + decode + evaluate + timers', value: round((100 * signatures.verifyNs) / (signatures.verifyNs + decodeNs + evaluateNs + tickNs), 1), unit: '%' },
    { name: 'signing (producer: HMAC-SHA256 and header)', value: round(signatures.signNs), unit: 'ns/event' },
  ];
  return Promise.resolve({
    id: 'micro',
    title: microScenario.title,
    figures,
    settings: {
      contractSecondsPerCase: contractSeconds,
      contractCases: contract.cases.length,
      ruleSeconds,
      rules: rules.rules,
      evaluatedEvents: rules.events,
      findings: rules.findings,
      ticks: rules.ticks,
      timerFindings: rules.timerFindings,
      signatureRecords: signatures.records,
      signatureMeanValueBytes: round(signatures.meanValueBytes),
    },
    notes: [
      'Validation: the mean over the contract\'s valid examples, one per event type, unweighted (npm run bench:contracts prints each case and the invalid ones).',
      'Evaluation: the seeded telemetry mix of tools/bench/telemetry-mix.ts (about 1% breaking a rule), findings grouped into alert jobs per batch of 500, as npm run bench:rules measures its "all modules" case.',
      'decode + evaluate + timers is the CPU ceiling of one engine process before Kafka, Redis and PostgreSQL: no I/O, no batching overheads; the signature check comes on top of it, once per record.',
      'Signatures: the records of the same mix, keyed tenant:model, each tenant with an ingest key; the check is what the engine runs on every record before it decodes it (authenticateRecord).',
      'Measured in the runner\'s process, one core, after the JIT has warmed up.',
    ],
  });
}

export const microScenario: Scenario = {
  id: 'micro',
  title: 'Micro: validation and rule evaluation per event (in process, one core)',
  deadlineMs: ({ quick }) => (quick ? 60_000 : 120_000),
  run,
};
