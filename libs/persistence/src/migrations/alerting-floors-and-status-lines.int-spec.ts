import { loadConfig } from '@kanshi/config';
import { uniqueId } from '@kanshi/testing';
import { createDataSource } from '../data-source';
import { dropDatabase, ensureDatabase, migrate } from '../database-admin';
import { TenantRepository } from '../repositories/tenant.repository';

// Rows as a release before the limits stored them, migrated in a database of their own.
describe('migration AlertingFloorsAndStatusLines1765100000000 (real PostgreSQL)', () => {
  const scratch = new URL(loadConfig().values.databaseMigrationUrl);
  scratch.pathname = `/${uniqueId('kanshi_floors').replace(/-/g, '_')}`;
  const url = scratch.toString();
  const dataSource = createDataSource(url, 'kanshi-migration-test');

  beforeAll(async () => {
    await ensureDatabase(url);
    await migrate(url);
    await dataSource.initialize();
    // Back to the schema before this migration (its down changes nothing; later ones are undone
    // first), then rows of that time.
    const executed = async () => (await dataSource.query<{ name: string }[]>('SELECT name FROM typeorm_migrations')).map((m) => m.name);
    while ((await executed()).includes('AlertingFloorsAndStatusLines1765100000000')) await dataSource.undoLastMigration();
  });

  afterAll(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await dropDatabase(url);
  });

  it('moves stored durations and retry settings into their limits, and cuts stored delivery errors to a status line', async () => {
    const tenantId = 'floors-tenant';
    await new TenantRepository(dataSource).ensure(tenantId, 'Floors tenant');
    const settings = {
      severities: {
        high: { group_wait: '0ms', repeat_interval: '0ms', ack_sla: '1s' },
        low: { group_wait: '5m', repeat_interval: '1d', ack_sla: null },
        medium: { group_wait: '2h', repeat_interval: '90d', ack_sla: '8h' },
      },
      max_escalation_level: 2,
      clock_reminders: ['3d', '10s'],
      silence_reminder: '100ms',
    };
    await dataSource.query(`INSERT INTO alerting_settings (tenant_id, settings, updated_by) VALUES ($1, $2, 'test')`, [tenantId, JSON.stringify(settings)]);
    const [channel] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO notification_channels (tenant_id, name, kind, config, secret, created_by) VALUES ($1, 'hook', 'webhook', $2, 'whsec-0123456789abcdef', 'test') RETURNING id`,
      [tenantId, JSON.stringify({ url: 'http://127.0.0.1:6379/', timeout_ms: 100, max_attempts: 20, backoff_ms: 10 })],
    );
    const legacy = [
      ['the webhook http://127.0.0.1:6379 answered HTTP 502: -ERR unknown command GET, with args beginning with', 502],
      ['the Slack webhook answered HTTP 404: no_service', 404],
      ['the SMTP server 127.0.0.1:6379: Invalid greeting. response=-ERR wrong number of arguments: -ERR wrong number of arguments (EPROTOCOL)', null],
      ['the SMTP server 127.0.0.1:9092: Connection closed unexpectedly: \u0010kafka broker', null],
      ['the SMTP server smtp.bank.example:587 rejected nobody@bank.example', null],
      ['the webhook https://hooks.example: no answer within 10000 ms', null],
    ] as const;
    for (const [error, httpStatus] of legacy) {
      const [n] = await dataSource.query<{ id: string }[]>(
        `INSERT INTO notifications (tenant_id, channel_id, kind, status, last_error) VALUES ($1, $2, 'firing', 'failed', $3) RETURNING id`,
        [tenantId, channel?.id, error],
      );
      await dataSource.query(`INSERT INTO delivery_attempts (notification_id, tenant_id, attempt, duration_ms, ok, http_status, error) VALUES ($1, $2, 1, 5, false, $3, $4)`, [
        n?.id,
        tenantId,
        httpStatus,
        error,
      ]);
    }

    await dataSource.runMigrations({ transaction: 'each' });

    const [stored] = await dataSource.query<{ settings: typeof settings }[]>(`SELECT settings FROM alerting_settings WHERE tenant_id = $1`, [tenantId]);
    expect(stored?.settings).toEqual({
      severities: {
        high: { group_wait: '1s', repeat_interval: '1m', ack_sla: '1m' },
        low: { group_wait: '5m', repeat_interval: '1d', ack_sla: null },
        medium: { group_wait: '1h', repeat_interval: '30d', ack_sla: '8h' },
      },
      max_escalation_level: 2,
      clock_reminders: ['3d', '1m'],
      silence_reminder: '1m',
    });
    const [config] = await dataSource.query<{ config: Record<string, unknown> }[]>(`SELECT config FROM notification_channels WHERE id = $1`, [channel?.id]);
    expect(config?.config).toEqual({ url: 'http://127.0.0.1:6379/', timeout_ms: 1000, max_attempts: 20, backoff_ms: 1000 });

    const expected = [
      'HTTP 502',
      'HTTP 404',
      'SMTP: failed (EPROTOCOL)',
      'SMTP: failed',
      'the SMTP server smtp.bank.example:587 rejected nobody@bank.example',
      'the webhook https://hooks.example: no answer within 10000 ms',
    ];
    const notifications = await dataSource.query<{ last_error: string }[]>(`SELECT last_error FROM notifications WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]);
    const attempts = await dataSource.query<{ error: string }[]>(`SELECT error FROM delivery_attempts WHERE tenant_id = $1 ORDER BY id`, [tenantId]);
    expect(attempts.map((a) => a.error)).toEqual(expected);
    expect(notifications.map((n) => n.last_error).sort()).toEqual([...expected].sort());

    // Delivery attempts are append-only again.
    await expect(dataSource.query(`UPDATE delivery_attempts SET error = 'x' WHERE tenant_id = $1`, [tenantId])).rejects.toThrow();
  });
});
