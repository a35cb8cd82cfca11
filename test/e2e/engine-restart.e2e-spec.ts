import type { Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { TOPICS } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf, TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import { createDataSource } from '@kanshi/persistence';
import { committedOffsets, createTenantFixture, deleteQueueKeys, signedMessage, startGroupAtEnd, telemetryEvent, uniqueId, waitFor } from '@kanshi/testing';
import { requireBuild, startBuiltApp, type RunningBuiltApp } from './run-built-app';

const PLUGIN = './dist/examples/acme-credit-override/src/index.js';

/**
 * A window straddling a `kill -9` of the engine: its state is checkpointed with the offsets in
 * PostgreSQL, so after the restart the count goes on from exactly where it was, neither lost nor
 * counted twice. The example plug-in's ACME-1 counts overrides per reviewer and day.
 */
describe('rule state across an engine kill -9 (built engine, real Kafka and PostgreSQL)', () => {
  const config = loadConfig();
  const kafka = createKafkaClient(kafkaConnectionOf(config), uniqueId('restart-e2e'));
  const groupId = uniqueId('restart-engine');
  const modelId = 'credit-limit';
  const movedModelId = 'credit-limit-moved';
  const rewoundModelId = 'credit-limit-rewound';
  let dataSource: DataSource;
  let producer: Producer;
  let tenantId: string;
  let ingestKey: string;
  const engines: RunningBuiltApp[] = [];

  // Queues of this suite's own, drained by an alert worker of its own.
  const queuePrefix = `kanshi-test-${groupId}`;
  const start = async (group = groupId, app = 'policy-engine') => {
    const engine = startBuiltApp(app, {
      KANSHI_SECTOR_MODULES: PLUGIN,
      KANSHI_ENGINE_GROUP_ID: group,
      KANSHI_QUEUE_PREFIX: queuePrefix,
      KANSHI_LOG_LEVEL: 'log',
      KANSHI_INVENTORY_REFRESH_MS: '500',
    });
    engines.push(engine);
    await engine.waitForOutput(app === 'alert-worker' ? /processing queue "alerts"/ : /Nest microservice successfully started/);
    return engine;
  };

  /** ACME-1 alerts of a model: how many, and their occurrence counts. */
  const acmeAlerts = async (model: string) =>
    dataSource.query<{ occurrence_count: number }[]>(`SELECT occurrence_count FROM alerts WHERE tenant_id = $1 AND model_id = $2 AND rule_id = 'ACME-1'`, [tenantId, model]);

  const overrides = async (count: number, from: number, model = modelId) => {
    const day = Date.parse('2026-11-24T00:00:00Z');
    await producer.send({
      topic: TOPICS.telemetry,
      acks: -1,
      messages: Array.from({ length: count }, (_, i) => {
        const event = telemetryEvent({
          tenant_id: tenantId,
          model_id: model,
          event_id: `${groupId}-${model}-override-${from + i}`,
          event_type: 'human_override',
          timestamp: new Date(day + (from + i) * 1000).toISOString(),
          payload: { action: 'override', reviewer_role: 'credit_officer' },
        });
        return signedMessage(ingestKey, event);
      }),
    });
  };

  /** The override count ACME-1 has checkpointed for the reviewer, or undefined. */
  const checkpointedCount = async (group = groupId, model = modelId): Promise<number | undefined> => {
    const rows = await dataSource.query<{ state: { buckets: { values: Record<string, number> }[] } }[]>(
      `SELECT state FROM rule_states WHERE consumer_group = $1 AND tenant_id = $2 AND model_id = $3 AND rule_id = 'ACME-1'`,
      [group, tenantId, model],
    );
    const buckets = rows[0]?.state.buckets ?? [];
    return buckets.length === 0 ? undefined : buckets.reduce((n, b) => n + (b.values['credit_officer'] ?? 0), 0);
  };

  beforeAll(async () => {
    requireBuild();
    dataSource = createDataSource(config.values.databaseUrl, 'kanshi-e2e-restart');
    await dataSource.initialize();
    ({ tenantId, ingestKey } = await createTenantFixture(dataSource, uniqueId('bank'), [
      { modelId, sectors: ['finance'], riskTier: 'T1' },
      { modelId: movedModelId, sectors: ['finance'], riskTier: 'T1' },
      { modelId: rewoundModelId, sectors: ['finance'], riskTier: 'T1' },
    ]));
    await startGroupAtEnd(kafka, groupId, TOPICS.telemetry);
    producer = kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER });
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(engines.map((e) => e.stop('SIGKILL')));
    await deleteQueueKeys(config.values.redisUrl, queuePrefix);
    await producer?.disconnect();
    await dataSource?.destroy();
  });

  it('counts 15 overrides, is killed, and after the restart counts the next 10 on top: 25, not 10 or 40, and fires once', async () => {
    await start(groupId, 'alert-worker');
    await start();
    await overrides(15, 0);
    await waitFor('the first 15 overrides to be checkpointed', async () => ((await checkpointedCount()) === 15 ? true : undefined));

    expect(await acmeAlerts(modelId)).toEqual([]);
    await engines[1]!.stop('SIGKILL');
    await overrides(10, 15);
    await start();
    await waitFor('all 25 overrides to be checkpointed', async () => ((await checkpointedCount()) === 25 ? true : undefined), 80_000);

    // Settled: nothing more arrives, nothing is counted twice.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await checkpointedCount()).toBe(25);
    // The 21st override of the day crossed ACME-1's limit of 20, after the restart: one alert.
    await waitFor('the ACME-1 alert', async () => ((await acmeAlerts(modelId)).length > 0 ? true : undefined));
    expect(await acmeAlerts(modelId)).toEqual([{ occurrence_count: 1 }]);
    // The killed member holds its partitions until its session times out
    // (KANSHI_ENGINE_SESSION_TIMEOUT_MS, 8 s) before the restarted engine gets them.
  }, 150_000);

  it('hands the partition to another instance with its state: 15 counted by one, 10 more by the other, 25', async () => {
    const group = uniqueId('move-engine');
    await startGroupAtEnd(kafka, group, TOPICS.telemetry);
    const first = await start(group);
    await overrides(15, 0, movedModelId);
    await waitFor('the first instance to checkpoint 15', async () => ((await checkpointedCount(group, movedModelId)) === 15 ? true : undefined));

    // A second instance joins the group, then the first leaves: the second ends up owning every
    // partition and must take the model's state over from the checkpoint.
    const second = await start(group);
    await first.stop('SIGTERM');
    await overrides(10, 15, movedModelId);
    await waitFor('the second instance to reach 25', async () => ((await checkpointedCount(group, movedModelId)) === 25 ? true : undefined), 80_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await checkpointedCount(group, movedModelId)).toBe(25);
    await second.stop('SIGTERM');
  }, 150_000);

  it('skips what its checkpoint already counts when Kafka redelivers it (offsets rewound): 25, not 40', async () => {
    const group = uniqueId('rewind-engine');
    await startGroupAtEnd(kafka, group, TOPICS.telemetry);
    const before = await committedOffsets(kafka, group, TOPICS.telemetry);
    const engine = await start(group);
    await overrides(15, 0, rewoundModelId);
    await waitFor('15 checkpointed', async () => ((await checkpointedCount(group, rewoundModelId)) === 15 ? true : undefined));
    await engine.stop('SIGTERM');

    // As if the engine had died after its checkpoint but before the Kafka commit: Kafka's offsets
    // go back, and the 15 are delivered again.
    const admin = kafka.admin();
    await admin.connect();
    try {
      const partitions = [...before].map(([partition, offset]) => ({ partition, offset: offset.toString() }));
      await waitFor('the group to be empty so its offsets can be set', async () => {
        await admin.setOffsets({ groupId: group, topic: TOPICS.telemetry, partitions });
        return true;
      });
    } finally {
      await admin.disconnect();
    }
    await overrides(10, 15, rewoundModelId);
    await start(group);
    await waitFor('25 checkpointed', async () => ((await checkpointedCount(group, rewoundModelId)) === 25 ? true : undefined), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await checkpointedCount(group, rewoundModelId)).toBe(25);
  }, 150_000);
});
