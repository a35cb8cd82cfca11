import { AssignerProtocol, type Kafka, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { TOPICS, telemetryKey, type TelemetryEvent } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf, TELEMETRY_PARTITIONER, telemetryPartition } from '@kanshi/messaging';
import { createDataSource, PolicyOverrideRepository } from '@kanshi/persistence';
import {
  alertTally,
  committedOffsets,
  createTenantFixture,
  deleteQueueKeys,
  expectedTally,
  groupCaughtUp,
  signedMessage,
  startGroupAtEnd,
  TcpFaultProxy,
  telemetryEvent,
  uniqueId,
  waitFor,
  type TenantFixture,
} from '@kanshi/testing';
import { localKafkaSasl } from '../../infra/scripts/local-kafka';
import { requireBuild, startBuiltApp, type RunningBuiltApp } from './run-built-app';

/** Longer than the engine's old session timeout (30 s), which an outage used to outlast. */
const OUTAGE_MS = 40_000;
/** G9 judges every 30 s window holding a violation, 10 s after it ends: several windows close during an outage. */
const WINDOW_MS = 30_000;
const G9_ARGS = { window: '30s', lateness: '10s', minSamples: 1, maxPerThousand: 0 };
/** One event per model every PACE_MS, from before the first outage until after the last. */
const PACE_MS = 500;
/**
 * How the proxies fail: `refuse` (the default: the server is down, connections fail at once) or
 * `blackhole` (KANSHI_TEST_OUTAGE_MODE=blackhole: connections hang until the dependency returns).
 */
const MODE = process.env['KANSHI_TEST_OUTAGE_MODE'] === 'blackhole' ? 'blackhole' : 'refuse';

const GUARDED = 'guarded';
/** No inventory entry: each of its events is one G1 finding. */
const SHADOW = 'shadow';

/** Produces one G9 violation (registered model) and one G1 event (unregistered model) at a steady pace. */
class SteadyTelemetry {
  readonly sent: TelemetryEvent[] = [];
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly producer: Producer,
    private readonly tenant: TenantFixture,
    private readonly runId: string,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    for (let n = 0; !this.stopping; n += 1) {
      const timestamp = new Date().toISOString();
      const events = [GUARDED, SHADOW].map((modelId) =>
        telemetryEvent({
          tenant_id: this.tenant.tenantId,
          model_id: modelId,
          event_id: `${this.runId}-${modelId}-${n}`,
          timestamp,
          payload: { input_hash: 'a3f1c2d4e5b6', score: 0.9, decision: 'decline', guardrail_violation: true },
        }),
      );
      await this.producer.send({ topic: TOPICS.telemetry, acks: -1, messages: events.map((e) => signedMessage(this.tenant.ingestKey, e)) });
      this.sent.push(...events);
      // The producer's pace, not a wait for a result.
      await new Promise((resolve) => setTimeout(resolve, PACE_MS));
    }
  }
}

/** How many batches the engine has logged as failed (on their first attempt). */
function failedBatches(engine: RunningBuiltApp): number {
  return (engine.output().match(/batch failed \(attempt 1\)/g) ?? []).length;
}

/** The group's one member: its id and the partitions it owns. */
async function groupMember(kafka: Kafka, groupId: string): Promise<{ memberId: string; partitions: number[] }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const members = groups[0]?.members ?? [];
    if (members.length !== 1) throw new Error(`group ${groupId} has ${members.length} members`);
    const member = members[0]!;
    const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
    return { memberId: member.memberId, partitions: [...(assignment?.assignment[TOPICS.telemetry] ?? [])].sort((a, b) => a - b) };
  } finally {
    await admin.disconnect();
  }
}

interface G9Finding {
  readonly observed: { readonly window_start: string; readonly responses: number; readonly violations: number };
}

/**
 * PostgreSQL and Redis go away for longer than the old session timeout while telemetry keeps
 * coming, each reached by the engine and the alert worker through a proxy that cuts them off.
 * The engine must stay up, in the group with the same partitions, go on within seconds of the
 * dependency's return, and lose or double nothing: G1 counts every event once, and each G9
 * window is judged on exactly the events stamped in it, including those held back by the outage.
 */
describe('outages of PostgreSQL and Redis (built engine and alert worker behind fault proxies)', () => {
  const config = loadConfig();
  const kafka = createKafkaClient(kafkaConnectionOf(config), uniqueId('outage-e2e'));
  const runId = uniqueId('outage');
  const groupId = `kanshi-policy-engine-${runId}`;
  const queuePrefix = `kanshi-test-${runId}`;
  const database = new URL(config.values.databaseUrl);
  const redisUrl = new URL(config.values.redisUrl);
  let dataSource: DataSource;
  let producer: Producer;
  let tenant: TenantFixture;
  let postgresProxy: TcpFaultProxy;
  let redisProxy: TcpFaultProxy;
  const apps: RunningBuiltApp[] = [];

  beforeAll(async () => {
    requireBuild();
    dataSource = createDataSource(config.values.databaseUrl, 'kanshi-e2e-outage');
    await dataSource.initialize();
    tenant = await createTenantFixture(dataSource, uniqueId('outage'), [{ modelId: GUARDED, sectors: ['finance'], riskTier: 'T2', owner: 'model-risk@bank.example', intendedUse: 'Outage drill' }]);
    await new PolicyOverrideRepository(dataSource).put({ tenantId: tenant.tenantId, scope: 'tenant', target: '', ruleId: 'G9' }, { enabled: null, args: G9_ARGS });
    postgresProxy = await TcpFaultProxy.start({ targetHost: database.hostname, targetPort: Number(database.port || 5432) });
    redisProxy = await TcpFaultProxy.start({ targetHost: redisUrl.hostname, targetPort: Number(redisUrl.port || 6379) });
    await startGroupAtEnd(kafka, groupId, TOPICS.telemetry);
    producer = kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER });
    await producer.connect();
    const env = {
      KANSHI_DATABASE_URL: postgresProxy.proxiedUrl(config.values.databaseUrl),
      KANSHI_REDIS_URL: redisProxy.proxiedUrl(config.values.redisUrl),
      KANSHI_ENGINE_GROUP_ID: groupId,
      KANSHI_QUEUE_PREFIX: queuePrefix,
      KANSHI_INVENTORY_REFRESH_MS: '500',
      KANSHI_LOG_LEVEL: 'log',
    };
    const worker = startBuiltApp('alert-worker', env);
    apps.push(worker);
    const engineSasl = process.env['KANSHI_TEST_LOCAL_KAFKA'] === '1' ? localKafkaSasl('kanshi-engine') : undefined;
    const engine = startBuiltApp('policy-engine', { ...env, ...engineSasl });
    apps.push(engine);
    await worker.waitForOutput(/processing queue "alerts"/);
    await engine.waitForOutput(/joined group \S+ as /);
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop('SIGTERM')));
    await postgresProxy?.close();
    await redisProxy?.close();
    await deleteQueueKeys(config.values.redisUrl, queuePrefix);
    await producer?.disconnect();
    await dataSource?.destroy();
  });

  it('stays up with the same partitions through 40 s without PostgreSQL, then without Redis, resumes within seconds and counts every event once', async () => {
    const [worker, engine] = apps as [RunningBuiltApp, RunningBuiltApp];
    const admin = kafka.admin();
    await admin.connect();
    const partitions = (await admin.fetchTopicMetadata({ topics: [TOPICS.telemetry] }).finally(() => admin.disconnect())).topics[0]?.partitions.length ?? 0;
    const guardedPartition = telemetryPartition(telemetryKey(tenant.tenantId, GUARDED), partitions);
    const committedOn = async (partition: number) => (await committedOffsets(kafka, groupId, TOPICS.telemetry)).get(partition) ?? -1n;

    const telemetry = new SteadyTelemetry(producer, tenant, runId);
    telemetry.start();
    try {
      await scenario();
    } catch (error) {
      // What the apps said is the first thing to read when this fails.
      throw new Error(`${String(error)}\n--- engine (last lines) ---\n${engine.output().slice(-8000)}\n--- alert worker (last lines) ---\n${worker.output().slice(-4000)}`);
    } finally {
      await telemetry.stop();
    }

    async function scenario(): Promise<void> {
      // Running normally: the first events are processed and committed.
      const started = await committedOn(guardedPartition);
      await waitFor('the engine to process the first events', async () => ((await committedOn(guardedPartition)) > started ? true : undefined), 30_000);
      const member = await groupMember(kafka, groupId);
      expect(member.partitions).toHaveLength(partitions);

      const resumed: Record<string, { firstCommitMs: number; backlogDoneMs: number }> = {};
      for (const [name, proxy] of [
        ['PostgreSQL', postgresProxy],
        ['Redis', redisProxy],
      ] as const) {
        const failuresBefore = failedBatches(engine);
        proxy.cut(MODE);
        const cutAt = Date.now();
        const heldAt = await committedOn(guardedPartition);
        // A refused connection fails the batch at once; a black hole holds it until restore().
        if (MODE === 'refuse') await waitFor(`the engine to feel the ${name} outage`, () => Promise.resolve(failedBatches(engine) > failuresBefore || undefined), 20_000);
        // Throughout the outage: the engine stays up and keeps its membership.
        const seen = await waitFor(
          `${OUTAGE_MS / 1000} s of ${name} outage`,
          async () => {
            const now = { engine: engine.exited(), worker: worker.exited(), member: await groupMember(kafka, groupId) };
            const broken = now.engine !== undefined || now.worker !== undefined || JSON.stringify(now.member) !== JSON.stringify(member);
            return broken || Date.now() - cutAt >= OUTAGE_MS ? now : undefined;
          },
          OUTAGE_MS + 20_000,
          1000,
        );
        expect(seen).toEqual({ engine: undefined, worker: undefined, member });
        const endsAdmin = kafka.admin();
        await endsAdmin.connect();
        const ends = await endsAdmin.fetchTopicOffsets(TOPICS.telemetry).finally(() => endsAdmin.disconnect());
        proxy.restore();
        const restoredAt = Date.now();
        await waitFor(`the engine to go on after ${name} returned`, async () => ((await committedOn(guardedPartition)) > heldAt ? true : undefined), 30_000, 100);
        const firstCommitMs = Date.now() - restoredAt;
        await waitFor(
          `the engine to process what came during the ${name} outage`,
          async () => {
            const committed = await committedOffsets(kafka, groupId, TOPICS.telemetry);
            return ends.every((p) => (committed.get(p.partition) ?? -1n) >= BigInt(p.high)) || undefined;
          },
          60_000,
          100,
        );
        resumed[name] = { firstCommitMs, backlogDoneMs: Date.now() - restoredAt };
        expect(await groupMember(kafka, groupId)).toEqual(member);
      }

      await telemetry.stop();
      await groupCaughtUp(kafka, groupId, TOPICS.telemetry, 60_000);
      // The figure to report; the timing is not asserted (a shared machine).
      console.log(`after ${OUTAGE_MS / 1000} s outages (${MODE}), processing resumed: ${JSON.stringify(resumed)}`);

      // G1: one finding per event of the unregistered model, none lost, none twice.
      const shadowEvents = telemetry.sent.filter((e) => e.model_id === SHADOW);
      const expectedG1 = expectedTally(shadowEvents);
      await waitFor(
        'every G1 finding to be stored',
        async () => ((await alertTally(dataSource, tenant.tenantId, 'G1')).get(SHADOW)?.occurrences ?? 0) >= shadowEvents.length || undefined,
        90_000,
      );
      expect(await alertTally(dataSource, tenant.tenantId, 'G1')).toEqual(expectedG1);

      // G9: every window judged once, on exactly the events stamped in it.
      const expectedWindows = new Map<string, number>();
      for (const e of telemetry.sent.filter((s) => s.model_id === GUARDED)) {
        const start = new Date(Math.floor(Date.parse(e.timestamp) / WINDOW_MS) * WINDOW_MS).toISOString();
        expectedWindows.set(start, (expectedWindows.get(start) ?? 0) + 1);
      }
      const g9Findings = async () =>
        dataSource.query<G9Finding[]>(
          `SELECT f.observed FROM alert_findings f JOIN alerts a ON a.id = f.alert_id WHERE a.tenant_id = $1 AND a.model_id = $2 AND a.rule_id = 'G9'`,
          [tenant.tenantId, GUARDED],
        );
      const findings = await waitFor('G9 to judge every window', async () => ((await g9Findings()).length >= expectedWindows.size ? g9Findings() : undefined), 90_000);
      const judged = new Map(findings.map((f) => [f.observed.window_start, f.observed.responses]));
      expect(findings).toHaveLength(judged.size);
      expect(new Map([...judged].sort())).toEqual(new Map([...expectedWindows].sort()));
      expect(findings.every((f) => f.observed.violations === f.observed.responses)).toBe(true);

      // One group join in the engine's life: no rebalance, no rejoin.
      expect(engine.output().match(/joined group \S+ as /g)).toHaveLength(1);
      expect(engine.exited()).toBeUndefined();
    }
  }, 360_000);
});
