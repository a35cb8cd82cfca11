import type { Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { TOPICS, telemetryKey } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createKafkaClient, TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import { createDataSource } from '@kanshi/persistence';
import { createTenantFixture, startGroupAtEnd, telemetryEvent, uniqueId, waitFor } from '@kanshi/testing';
import { requireBuild, startBuiltApp, type RunningBuiltApp } from './run-built-app';

const PLUGIN = './dist/examples/acme-credit-override/src/index.js';

/**
 * A window straddling a `kill -9` of the engine: its state is checkpointed with the offsets in
 * PostgreSQL, so after the restart the count goes on from exactly where it was, neither lost nor
 * counted twice. The example plug-in's ACME-1 counts overrides per reviewer and day.
 */
describe('rule state across an engine kill -9 (built engine, real Kafka and PostgreSQL)', () => {
  const config = loadConfig();
  const kafka = createKafkaClient(config.values.kafkaBrokers, uniqueId('restart-e2e'));
  const groupId = uniqueId('restart-engine');
  const modelId = 'credit-limit';
  let dataSource: DataSource;
  let producer: Producer;
  let tenantId: string;
  let engine: RunningBuiltApp | undefined;

  const start = async () => {
    engine = startBuiltApp('policy-engine', { KANSHI_SECTOR_MODULES: PLUGIN, KANSHI_ENGINE_GROUP_ID: groupId, KANSHI_LOG_LEVEL: 'log', KANSHI_INVENTORY_REFRESH_MS: '500' });
    await engine.waitForOutput(/Nest microservice successfully started/);
  };

  const overrides = async (count: number, from: number) => {
    const day = Date.parse('2026-11-24T00:00:00Z');
    await producer.send({
      topic: TOPICS.telemetry,
      acks: -1,
      messages: Array.from({ length: count }, (_, i) => {
        const event = telemetryEvent({
          tenant_id: tenantId,
          model_id: modelId,
          event_id: `${groupId}-override-${from + i}`,
          event_type: 'human_override',
          timestamp: new Date(day + (from + i) * 1000).toISOString(),
          payload: { action: 'override', reviewer_role: 'credit_officer' },
        });
        return { key: telemetryKey(tenantId, modelId), value: JSON.stringify(event) };
      }),
    });
  };

  /** The override count ACME-1 has checkpointed for the reviewer, or undefined. */
  const checkpointedCount = async (): Promise<number | undefined> => {
    const rows = await dataSource.query<{ state: { buckets: { values: Record<string, number> }[] } }[]>(
      `SELECT state FROM rule_states WHERE consumer_group = $1 AND tenant_id = $2 AND model_id = $3 AND rule_id = 'ACME-1'`,
      [groupId, tenantId, modelId],
    );
    const buckets = rows[0]?.state.buckets ?? [];
    return buckets.length === 0 ? undefined : buckets.reduce((n, b) => n + (b.values['credit_officer'] ?? 0), 0);
  };

  beforeAll(async () => {
    requireBuild();
    dataSource = createDataSource(config.values.databaseUrl, 'kanshi-e2e-restart');
    await dataSource.initialize();
    tenantId = (await createTenantFixture(dataSource, uniqueId('bank'), [{ modelId, sectors: ['finance'], riskTier: 'T1' }])).tenantId;
    await startGroupAtEnd(kafka, groupId, TOPICS.telemetry);
    producer = kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER });
    await producer.connect();
  });

  afterAll(async () => {
    await engine?.stop('SIGKILL');
    await producer?.disconnect();
    await dataSource?.destroy();
  });

  it('counts 15 overrides, is killed, and after the restart counts the next 10 on top: 25, not 10 or 40', async () => {
    await start();
    await overrides(15, 0);
    await waitFor('the first 15 overrides to be checkpointed', async () => ((await checkpointedCount()) === 15 ? true : undefined));

    await engine!.stop('SIGKILL');
    await overrides(10, 15);
    await start();
    await waitFor('all 25 overrides to be checkpointed', async () => ((await checkpointedCount()) === 25 ? true : undefined), 80_000);

    // Settled: nothing more arrives, nothing is counted twice.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await checkpointedCount()).toBe(25);
    // The killed member holds its partitions until its session times out (30 s) before the
    // restarted engine gets them.
  }, 150_000);
});
