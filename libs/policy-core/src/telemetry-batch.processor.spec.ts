import { REPARTITIONED_FROM_HEADER, SIGNATURE_HEADER, signTelemetryRecord, type IngestCredential, type TelemetryEvent } from '@kanshi/contracts';
import { telemetryPartition } from '@kanshi/messaging';
import { defineRule, modelProfile, SectorModule, Type, type ModelProfile } from '@kanshi/policy-sdk';
import { EngineQuotas } from './engine-quotas';
import { StaticIngestKeyring } from './ingest-keyring';
import { StaticModelInventory } from './model-inventory';
import { PolicyEvaluator } from './policy-evaluator';
import { SectorModuleRegistry } from './sector-module-registry';
import { TelemetryBatchProcessor, type RepartitionMarks, type TelemetryRecord } from './telemetry-batch.processor';

/** Fires on every event of a model missing from the inventory (like G1). */
const unregistered = defineRule({
  id: 'U1',
  title: 'Unregistered model',
  rationale: 'For the test.',
  source: 'Test guideline',
  defaultSeverity: 'high',
  reads: 'all',
  args: Type.Object({}),
  evaluate: ({ event, model }) => (model === undefined ? { observed: event.model_id } : undefined),
});

const throwing = defineRule({
  id: 'X1',
  title: 'Always throws',
  rationale: 'For the test.',
  source: 'Test guideline',
  defaultSeverity: 'low',
  reads: ['incident'],
  args: Type.Object({}),
  evaluate: () => {
    throw new Error('plug-in bug');
  },
});

@SectorModule({ id: 'test-general', description: 'Test', sectors: 'all', rules: [unregistered, throwing], compatibility: '^0.2.0' })
class TestGeneralModule {}

const knownModel: ModelProfile = modelProfile({
  tenantId: 'acme',
  modelId: 'known',
  name: 'Known model',
  sectors: ['finance'],
  riskTier: 'T2',
  owner: 'risk',
  intendedUse: 'credit',
});

function event(overrides: Partial<TelemetryEvent> = {}): TelemetryEvent {
  return {
    schema_version: '1.0',
    event_id: 'evt-1',
    event_type: 'prediction',
    timestamp: '2025-10-01T00:00:00Z',
    tenant_id: 'acme',
    model_id: 'unknown',
    payload: {},
    ...overrides,
  };
}

let nextOffset = 0;

/** Ingest keys of the two tenants (the secrets are 43 url-safe characters, as issued). */
const ACME_KEY: IngestCredential = { keyId: 'aaaaaaaaaaaa', secret: 'a'.repeat(43) };
const GLOBEX_KEY: IngestCredential = { keyId: 'bbbbbbbbbbbb', secret: 'b'.repeat(43) };
const keyring = new StaticIngestKeyring([
  { ...ACME_KEY, tenantId: 'acme' },
  { ...GLOBEX_KEY, tenantId: 'globex' },
]);

/**
 * A record as a producer writes it: signed with the ingest key of the tenant the event names
 * (`sign: false` leaves it unsigned, a credential signs with that one).
 */
function record(value: unknown, key: string | null = null, sign: IngestCredential | false | undefined = undefined): TelemetryRecord {
  nextOffset += 1;
  const bytes = value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
  const named = typeof value === 'object' && value !== null ? (value as { tenant_id?: unknown }).tenant_id : undefined;
  const credential = sign === false ? undefined : (sign ?? (named === 'globex' ? GLOBEX_KEY : ACME_KEY));
  const keyBytes = key === null ? null : Buffer.from(key, 'utf8');
  return {
    topic: 'kanshi.telemetry.v1',
    partition: 0,
    offset: String(nextOffset),
    key: keyBytes,
    value: bytes,
    ...(credential ? { headers: { [SIGNATURE_HEADER]: Buffer.from(signTelemetryRecord(credential, keyBytes, bytes)) } } : {}),
  };
}

/** Quotas no test below reaches, unless it says so. */
const roomy = () => new EngineQuotas({ eventsPerMinute: 1_000_000, unregisteredModelsPerDay: 1_000_000 });

function processor(maxEventBytes = 4096): TelemetryBatchProcessor {
  const evaluator = new PolicyEvaluator(SectorModuleRegistry.load([TestGeneralModule]));
  // globex is a tenant with no models yet.
  return new TelemetryBatchProcessor(evaluator, new StaticModelInventory([knownModel], ['acme', 'globex']), maxEventBytes, keyring, roomy());
}

describe('TelemetryBatchProcessor', () => {
  it('evaluates a good batch and counts events and findings', () => {
    const outcome = processor().process([
      record(event({ event_id: 'e1' }), 'acme:unknown'),
      record(event({ event_id: 'e2' }), 'acme:unknown'),
      record(event({ event_id: 'e3', model_id: 'known' }), 'acme:known'),
    ]);

    expect(outcome.evaluated).toBe(3);
    expect(outcome.findings).toBe(2);
    expect(outcome.deadLetters).toEqual([]);
    expect(outcome.alertJobs).toHaveLength(1);
    expect(outcome.alertJobs[0]).toMatchObject({ rule_id: 'U1', model_id: 'unknown', tenant_id: 'acme' });
  });

  it('dead-letters each bad record with its reason and still evaluates the good record after it', () => {
    const notJson = record('{oops', 'acme:unknown');
    const tombstone = record(null, 'acme:unknown');
    const tooLarge = record(event({ payload: { blob: 'x'.repeat(5000) } }), 'acme:unknown');
    const invalid = record({ ...event(), event_type: 'guess' }, 'acme:unknown');
    const futureVersion = record(event({ schema_version: '2.0' }), 'acme:unknown');
    const good = record(event({ event_id: 'after-the-bad-ones' }), 'acme:unknown');

    const outcome = processor().process([notJson, tombstone, tooLarge, invalid, futureVersion, good]);

    expect(outcome.deadLetters.map((d) => [d.record.offset, d.reason])).toEqual([
      [notJson.offset, 'NOT_JSON'],
      [tombstone.offset, 'NOT_JSON'],
      [tooLarge.offset, 'TOO_LARGE'],
      [invalid.offset, 'SCHEMA_INVALID'],
      [futureVersion.offset, 'UNSUPPORTED_VERSION'],
    ]);
    expect(outcome.evaluated).toBe(1);
    expect(outcome.alertJobs[0]?.findings.map((f) => f.event_id)).toEqual(['after-the-bad-ones']);
  });

  it('keeps the original record and a readable error on a dead letter', () => {
    const invalid = record({ ...event(), event_type: 'guess' }, 'acme:unknown');

    const [dead] = processor().process([invalid]).deadLetters;

    expect(dead?.record).toBe(invalid);
    expect(dead?.error).toContain('/event_type');
  });

  describe('speaks only for the tenant whose ingest key signed the record', () => {
    const reasons = (records: TelemetryRecord[]) => processor().process(records).deadLetters.map((d) => [d.reason, d.error]);

    it('refuses an unsigned record as UNAUTHENTICATED, naming the header', () => {
      const outcome = processor().process([record(event(), 'acme:unknown', false)]);
      expect(outcome.evaluated).toBe(0);
      expect(outcome.alertJobs).toEqual([]);
      expect(outcome.deadLetters.map((d) => d.reason)).toEqual(['UNAUTHENTICATED']);
      expect(outcome.deadLetters[0]?.error).toContain(SIGNATURE_HEADER);
    });

    it("refuses tenant B's key on a record of tenant A, whatever the record key says", () => {
      expect(reasons([record(event({ tenant_id: 'acme' }), 'acme:unknown', GLOBEX_KEY)])).toEqual([['UNAUTHENTICATED', expect.stringContaining('another tenant')]]);
      expect(reasons([record(event({ tenant_id: 'acme' }), null, GLOBEX_KEY)])).toEqual([['UNAUTHENTICATED', expect.stringContaining('another tenant')]]);
      // Keyed for B, signed by B, but the body names A: still not A.
      expect(reasons([record(event({ tenant_id: 'acme' }), 'globex:unknown', GLOBEX_KEY)]).map(([r]) => r)).toEqual(['TENANT_MISMATCH']);
    });

    it('refuses a record changed after signing, and a signature that is not v1', () => {
      const signed = record(event({ tenant_id: 'acme' }), 'acme:unknown');
      const changed = { ...signed, value: Buffer.from(JSON.stringify(event({ tenant_id: 'acme', event_id: 'forged' }))) };
      const rekeyed = { ...signed, key: Buffer.from('acme:other') };
      const garbled = { ...signed, headers: { [SIGNATURE_HEADER]: 'v1=abc' } };
      expect(reasons([changed, rekeyed, garbled])).toEqual([
        ['UNAUTHENTICATED', expect.stringContaining('does not match the record')],
        ['UNAUTHENTICATED', expect.stringContaining('does not match the record')],
        ['UNAUTHENTICATED', expect.stringContaining(`${SIGNATURE_HEADER} is not "k=<key id>,v1=<64 hex>"`)],
      ]);
    });

    it('marks a record signed with an unknown key for one retry after the keys reload', () => {
      const outcome = processor().process([record(event(), 'acme:unknown', { keyId: 'cccccccccccc', secret: 'c'.repeat(43) })]);
      expect(outcome.deadLetters).toEqual([expect.objectContaining({ reason: 'UNAUTHENTICATED', retryAfterRefresh: true })]);
    });

    it('judges an oversized record TOO_LARGE without hashing it', () => {
      expect(reasons([record(event({ payload: { blob: 'x'.repeat(5000) } }), 'acme:unknown', false)]).map(([r]) => r)).toEqual(['TOO_LARGE']);
    });

    it('accepts the gateway’s per-tenant signature for tenants that exist, and only for the tenant it was made for', () => {
      const root = { id: '0123abcd', secret: Buffer.alloc(32, 7) };
      const inventory = new StaticModelInventory([knownModel], ['acme', 'globex']);
      const withGateway = new StaticIngestKeyring([], [root], (t) => inventory.hasTenant(t));
      const gatewayProcessor = new TelemetryBatchProcessor(new PolicyEvaluator(SectorModuleRegistry.load([TestGeneralModule])), inventory, 4096, withGateway, roomy());
      const acmeSecret = withGateway.find('gw-0123abcd', 'acme')?.secret ?? '';
      const asGateway = { keyId: 'gw-0123abcd', secret: acmeSecret };

      const good = record(event({ tenant_id: 'acme', event_id: 'via-gateway' }), 'acme:unknown', asGateway);
      const misused = record(event({ tenant_id: 'globex', event_id: 'stolen' }), 'globex:unknown', asGateway);
      const outcome = gatewayProcessor.process([good, misused]);

      expect(outcome.evaluated).toBe(1);
      expect(outcome.deadLetters.map((d) => [d.record.offset, d.reason])).toEqual([[misused.offset, 'UNAUTHENTICATED']]);
      expect(withGateway.find('gw-0123abcd', 'no-such-tenant')).toBeUndefined();
    });
  });

  describe('moves a record on the wrong partition for its model to the right one, and counts a moved record once', () => {
    const PARTITIONS = 6;
    const home = (model: string, tenant = 'acme') => telemetryPartition(`${tenant}:${model}`, PARTITIONS);
    /** The record on `partition`, as read from there (moved records carry where they were read). */
    const at = (partition: number, r: TelemetryRecord, movedFrom?: string): TelemetryRecord => ({
      ...r,
      partition,
      ...(movedFrom ? { headers: { ...r.headers, [REPARTITIONED_FROM_HEADER]: movedFrom } } : {}),
    });
    const run = (records: TelemetryRecord[], partition: number, marks: RepartitionMarks = new Map(), options: { partitions?: number } = { partitions: PARTITIONS }) =>
      processor().process(records, partition, { partitions: options.partitions, marks });

    it('evaluates a record on its home partition and forwards one elsewhere, untouched and unevaluated', () => {
      const model = 'unknown';
      const elsewhere = (home(model) + 1) % PARTITIONS;
      const right = at(home(model), record(event({ event_id: 'right' }), `acme:${model}`));
      const wrong = at(elsewhere, record(event({ event_id: 'wrong' }), `acme:${model}`));
      // A producer without a key: its model's partition comes from the event itself.
      const keyless = at(elsewhere, record(event({ event_id: 'keyless' }), null));

      const onHome = run([right], home(model));
      const elsewhereOutcome = run([wrong, keyless], elsewhere);

      expect(onHome).toMatchObject({ evaluated: 1, forwards: [] });
      expect(elsewhereOutcome.evaluated).toBe(0);
      expect(elsewhereOutcome.alertJobs).toEqual([]);
      expect(elsewhereOutcome.forwards).toEqual([
        { record: wrong, partition: home(model) },
        { record: keyless, partition: home(model) },
      ]);
    });

    it('counts a record moved twice (the source replayed its batch) once, per tenant and source partition', () => {
      const model = 'unknown';
      const marks: RepartitionMarks = new Map();
      const moved = (id: string, from: string) => at(home(model), record(event({ event_id: id }), `acme:${model}`), from);
      const first = run([moved('m1', '2/10'), moved('m2', '2/11')], home(model), marks);
      const replayed = run([moved('m1', '2/10'), moved('m2', '2/11'), moved('m3', '2/12'), moved('m4', '4/3')], home(model), marks);

      expect(first).toMatchObject({ evaluated: 2, repartitionDuplicates: 0 });
      expect(replayed).toMatchObject({ evaluated: 2, repartitionDuplicates: 2 });
      expect(replayed.alertJobs[0]?.findings.map((f) => f.event_id)).toEqual(['m3', 'm4']);
      expect([...marks]).toEqual([
        ['acme/2', 12n],
        ['acme/4', 3n],
      ]);
    });

    it("lets no tenant's forged move marker hide another tenant's moved records", () => {
      const marks: RepartitionMarks = new Map();
      const globexModel = 'g-model';
      const partition = home(globexModel, 'globex');
      // globex signs a record of its own with a marker claiming a far offset of partition 2.
      const forged = at(partition, record(event({ tenant_id: 'globex', model_id: globexModel, event_id: 'forged' }), `globex:${globexModel}`), '2/999999');
      run([forged], partition, marks);
      const acmeModel = [...Array(50).keys()].map((i) => `a-${i}`).find((m) => home(m) === partition) ?? '';
      const acmeMoved = at(partition, record(event({ model_id: acmeModel, event_id: 'acme-moved' }), `acme:${acmeModel}`), '2/10');
      expect(run([acmeMoved], partition, marks)).toMatchObject({ evaluated: 1, repartitionDuplicates: 0 });
    });

    it('evaluates a moved record that is still misplaced where it is (it never moves twice), and moves nothing without a partition count', () => {
      const model = 'unknown';
      const elsewhere = (home(model) + 1) % PARTITIONS;
      const stillWrong = at(elsewhere, record(event({ event_id: 'still-wrong' }), `acme:${model}`), '0/5');
      expect(run([stillWrong], elsewhere)).toMatchObject({ evaluated: 1, forwards: [], misplacedEvaluated: 1 });
      const unplaced = at(elsewhere, record(event({ event_id: 'unplaced' }), `acme:${model}`));
      expect(run([unplaced], elsewhere, new Map(), {})).toMatchObject({ evaluated: 1, forwards: [] });
    });
  });

  describe('per-tenant quotas', () => {
    let now = Date.parse('2026-12-06T10:00:00Z');
    const quotas = (eventsPerMinute: number, unregisteredModelsPerDay = 1000) => new EngineQuotas({ eventsPerMinute, unregisteredModelsPerDay }, () => now);
    const withQuotas = (q: EngineQuotas) =>
      new TelemetryBatchProcessor(new PolicyEvaluator(SectorModuleRegistry.load([TestGeneralModule])), new StaticModelInventory([knownModel], ['acme', 'globex']), 4096, keyring, q);

    it("dead-letters a flooding tenant's events over its quota as QUOTA_EXCEEDED, reports the breach once, and leaves the other tenant alone", () => {
      // 18 a minute: 3 per 10 s window of arrival.
      const engine = withQuotas(quotas(18));
      const acme = Array.from({ length: 6 }, (_, i) => record(event({ event_id: `a${i}`, model_id: 'known' }), 'acme:known'));
      const globex = Array.from({ length: 3 }, (_, i) => record(event({ tenant_id: 'globex', event_id: `g${i}`, model_id: 'g' }), 'globex:g'));

      const outcome = engine.process([...acme, ...globex]);

      expect(outcome.evaluated).toBe(3 + 3);
      expect(outcome.deadLetters.map((d) => [d.record.offset, d.reason, d.tenantId])).toEqual(acme.slice(3).map((r) => [r.offset, 'QUOTA_EXCEEDED', 'acme']));
      expect(outcome.deadLetters[0]?.error).toContain('KANSHI_QUOTA_EVENTS_PER_MINUTE');
      expect(outcome.quotaBreaches).toEqual([expect.objectContaining({ tenantId: 'acme', quota: 'events-per-minute', limit: 18 })]);
      // Later in the same minute: still refused, not reported again.
      expect(engine.process([record(event({ event_id: 'a6', model_id: 'known' }), 'acme:known')])).toMatchObject({ evaluated: 0, quotaBreaches: [] });
      // The next window of 10 s admits more.
      now += 10_000;
      expect(engine.process([record(event({ event_id: 'a7', model_id: 'known' }), 'acme:known')]).evaluated).toBe(1);
    });

    it('meters events by their arrival in Kafka: a backlog read at once is judged at the pace it arrived, a flood is not', () => {
      const engine = withQuotas(quotas(18));
      const arrived = (ms: number, id: string) => ({ ...record(event({ event_id: id, model_id: 'known' }), 'acme:known'), timestamp: String(now - ms) });
      // A minute's backlog, 3 events in each 10 s of it (as after an outage), read in one batch: all judged.
      const backlog = Array.from({ length: 18 }, (_, i) => arrived(60_000 - Math.floor(i / 3) * 10_000, `b${i}`));
      expect(engine.process(backlog)).toMatchObject({ evaluated: 18, deadLetters: [] });
      // The same number arriving at one moment: a window's share.
      const flood = Array.from({ length: 18 }, (_, i) => arrived(0, `f${i}`));
      expect(engine.process(flood).evaluated).toBe(3);
    });

    it("never lets anyone exhaust another tenant's quota: records it cannot authenticate take nothing", () => {
      const engine = withQuotas(quotas(2));
      const forged = Array.from({ length: 5 }, (_, i) => record(event({ event_id: `f${i}` }), 'acme:unknown', GLOBEX_KEY));
      expect(engine.process(forged).deadLetters.map((d) => d.reason)).toEqual(Array(5).fill('UNAUTHENTICATED'));
      expect(engine.process([record(event({ event_id: 'real' }), 'acme:unknown')]).evaluated).toBe(1);
    });

    it('lets a tenant bring only so many new models outside the inventory a day; models it already brought go on', () => {
      const engine = withQuotas(quotas(1000, 2));
      const ghosts = ['g1', 'g2', 'g3'].map((m) => record(event({ event_id: `e-${m}`, model_id: m }), `acme:${m}`));
      const outcome = engine.process([...ghosts, record(event({ event_id: 'e-g1-again', model_id: 'g1' }), 'acme:g1'), record(event({ event_id: 'reg', model_id: 'known' }), 'acme:known')]);
      expect(outcome.evaluated).toBe(4);
      expect(outcome.deadLetters.map((d) => [d.record.offset, d.reason])).toEqual([[ghosts[2]?.offset, 'QUOTA_EXCEEDED']]);
      expect(outcome.deadLetters[0]?.error).toContain('KANSHI_QUOTA_UNREGISTERED_MODELS_PER_DAY');
      expect(outcome.quotaBreaches).toEqual([expect.objectContaining({ tenantId: 'acme', quota: 'unregistered-models-per-day', limit: 2 })]);
      // Spent: a record keyed for yet another new model is refused before anything else is read.
      const unsigned = record(event({ event_id: 'e-g4', model_id: 'g4' }), 'acme:g4', false);
      expect(engine.process([unsigned]).deadLetters.map((d) => d.reason)).toEqual(['QUOTA_EXCEEDED']);
      // A new UTC day starts a new count.
      now += 86_400_000;
      expect(engine.process([record(event({ event_id: 'e-g3-tomorrow', model_id: 'g3' }), 'acme:g3')]).evaluated).toBe(1);
    });
  });

  it('dead-letters an event whose tenant differs from the record key with TENANT_MISMATCH', () => {
    const outcome = processor().process([record(event({ tenant_id: 'acme' }), 'globex:unknown')]);

    expect(outcome.evaluated).toBe(0);
    expect(outcome.alertJobs).toEqual([]);
    expect(outcome.deadLetters).toHaveLength(1);
    expect(outcome.deadLetters[0]?.reason).toBe('TENANT_MISMATCH');
    expect(outcome.deadLetters[0]?.error).toContain('"globex"');
    expect(outcome.deadLetters[0]?.error).toContain('"acme"');
  });

  it('dead-letters an event of a tenant that does not exist with UNKNOWN_TENANT (or UNAUTHENTICATED without its key) and goes on', () => {
    // A key loaded a moment before its tenant: the inventory does not know the tenant yet.
    const initechKey = { keyId: 'dddddddddddd', secret: 'd'.repeat(43) };
    const early = new StaticIngestKeyring([{ ...initechKey, tenantId: 'initech' }]);
    const stranger = record(event({ tenant_id: 'initech', event_id: 'x1' }), 'initech:unknown', initechKey);
    const unsigned = record(event({ tenant_id: 'initech', event_id: 'x2' }), 'initech:unknown', false);
    const good = record(event({ event_id: 'after' }), 'acme:unknown', ACME_KEY);

    const evaluator = new PolicyEvaluator(SectorModuleRegistry.load([TestGeneralModule]));
    const outcome = new TelemetryBatchProcessor(evaluator, new StaticModelInventory([knownModel], ['acme']), 4096, {
      find: (keyId, tenant) => early.find(keyId, tenant) ?? keyring.find(keyId, tenant),
    }, roomy()).process([stranger, unsigned, good]);

    expect(outcome.deadLetters.map((d) => [d.record.offset, d.reason, d.retryAfterRefresh])).toEqual([
      [stranger.offset, 'UNKNOWN_TENANT', true],
      [unsigned.offset, 'UNAUTHENTICATED', undefined],
    ]);
    expect(outcome.deadLetters[0]?.error).toContain('"initech"');
    expect(outcome.evaluated).toBe(1);
    expect(outcome.alertJobs.map((j) => j.tenant_id)).toEqual(['acme']);
  });

  it('evaluates a record without a key', () => {
    const outcome = processor().process([record(event(), null)]);

    expect(outcome.evaluated).toBe(1);
    expect(outcome.deadLetters).toEqual([]);
  });

  it('looks the model up in the inventory: a known model raises no G1-like finding', () => {
    const outcome = processor().process([record(event({ model_id: 'known' }), 'acme:known')]);

    expect(outcome.evaluated).toBe(1);
    expect(outcome.findings).toBe(0);
  });

  it('does not share the model inventory across tenants', () => {
    const outcome = processor().process([record(event({ tenant_id: 'globex', model_id: 'known' }), 'globex:known')]);

    expect(outcome.findings).toBe(1);
  });

  it('reports rule failures without dead-lettering the event', () => {
    const outcome = processor().process([record(
        event({
          event_type: 'incident',
          event_id: 'inc-1',
          payload: { incident_id: 'INC-1', type: 'malfunction', severity: 'high', awareness_time: '2026-03-03T11:05:00+09:00' },
        }),
        'acme:unknown',
      )]);

    expect(outcome.evaluated).toBe(1);
    expect(outcome.deadLetters).toEqual([]);
    expect(outcome.ruleFailures).toEqual([expect.objectContaining({ ruleId: 'X1', moduleId: 'test-general', trigger: 'inc-1' })]);
    expect(outcome.findings).toBe(1);
  });

  it('counts a redelivered event once', () => {
    const outcome = processor().process([record(event(), 'acme:unknown'), record(event(), 'acme:unknown')]);

    expect(outcome.evaluated).toBe(2);
    expect(outcome.findings).toBe(1);
  });

  it('reports the latest model_deployment of each inventory model, and none for unknown models', () => {
    const deployment = (id: string, timestamp: string, modelId: string, version: string) =>
      record(event({ event_id: id, event_type: 'model_deployment', timestamp, model_id: modelId, payload: { version, hash: `sha256:${version}` } }), `acme:${modelId}`);
    const outcome = processor().process([
      deployment('d1', '2025-10-01T00:00:02Z', 'known', '2.0.0'),
      deployment('d2', '2025-10-01T00:00:01+00:00', 'known', '1.9.0'),
      deployment('d3', '2025-10-01T00:00:03Z', 'unknown', '9.0.0'),
      record(event({ event_id: 'p1', model_id: 'known' }), 'acme:known'),
    ]);
    expect(outcome.deployments).toEqual([{ tenantId: 'acme', modelId: 'known', version: '2.0.0', hash: 'sha256:2.0.0', deployedAt: '2025-10-01T00:00:02.000Z' }]);
  });

  it('skips a rule the overrides switch off for a model', () => {
    const evaluator = new PolicyEvaluator(SectorModuleRegistry.load([TestGeneralModule]), (rule, _tenant, modelId) =>
      rule.rule.id === 'U1' && modelId === 'quiet' ? undefined : rule.defaultArgs,
    );
    const outcome = new TelemetryBatchProcessor(evaluator, new StaticModelInventory([knownModel], ['acme']), 4096, keyring, roomy()).process([
      record(event({ event_id: 'q1', model_id: 'quiet' }), 'acme:quiet'),
      record(event({ event_id: 'l1', model_id: 'loud' }), 'acme:loud'),
    ]);
    expect(outcome.alertJobs.map((j) => j.model_id)).toEqual(['loud']);
  });

  it('reports the newest event time it evaluated, for the partition clock', () => {
    const outcome = processor().process([
      record(event({ event_id: 'a', timestamp: '2026-11-24T10:00:00Z' })),
      record(event({ event_id: 'b', timestamp: '2026-11-24T11:00:00Z' })),
      record(event({ event_id: 'c', timestamp: '2026-11-24T09:00:00Z' })),
    ]);
    expect(outcome.latestEventTime).toBe(Date.parse('2026-11-24T11:00:00Z'));
  });

  it('reports the newest event time per inventory model, and nothing for models outside it', () => {
    const outcome = processor().process([
      record(event({ model_id: 'known', timestamp: '2026-11-24T10:00:05Z' }), 'acme:known'),
      record(event({ model_id: 'known', timestamp: '2026-11-24T10:00:09Z' }), 'acme:known'),
      record(event({ model_id: 'known', timestamp: '2026-11-24T10:00:01Z' }), 'acme:known'),
      record(event({ model_id: 'unknown', timestamp: '2026-11-24T11:00:00Z' }), 'acme:unknown'),
    ]);
    expect(outcome.telemetrySeen).toEqual([{ tenantId: 'acme', modelId: 'known', lastEventAt: '2026-11-24T10:00:09.000Z' }]);
  });

  it('returns an empty outcome for an empty batch', () => {
    expect(processor().process([])).toEqual({ evaluated: 0, forwards: [], repartitionDuplicates: 0, misplacedEvaluated: 0, quotaBreaches: [], findings: 0, deadLetters: [], alertJobs: [], clearJobs: [], ruleFailures: [], deployments: [], latestEventTime: null, telemetrySeen: [], ruleVerdicts: [] });
  });
});
