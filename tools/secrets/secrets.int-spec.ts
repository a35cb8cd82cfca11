import { randomBytes } from 'node:crypto';
import { loadConfig } from '@kanshi/config';
import { createDataSource } from '@kanshi/persistence';
import { SecretBox, secretsKeyId } from '@kanshi/secrets';
import { createTenantFixture, uniqueId } from '@kanshi/testing';
import { formatResealReports, resealAll } from './secret-commands';

const dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-int-test');

beforeAll(async () => {
  await dataSource.initialize();
});
afterAll(async () => {
  await dataSource.destroy();
});

const SLACK_URL = 'https://hooks.slack.example/services/T0001/B0002/pl41nT3xt-sl4ck-t0k3n';
const HMAC_KEY = 'whsec-pl41nT3xt-hm4c-k3y-0123';

describe('secrets reseal (real PostgreSQL)', () => {
  it('seals a tenant’s plaintext channel values, then reseals them after a rotation, counting each', async () => {
    const tenantId = uniqueId('reseal');
    await createTenantFixture(dataSource, tenantId);
    // Rows as a release before sealing stored them.
    await dataSource.query(
      `INSERT INTO notification_channels (tenant_id, name, kind, config, secret, created_by) VALUES
         ($1, 'hook', 'webhook', $2, $3, 'test'), ($1, 'slack', 'slack', '{}', $4, 'test'), ($1, 'mail', 'email', '{"host": "smtp.bank.example"}', NULL, 'test')`,
      [tenantId, JSON.stringify({ url: 'https://receiver.example/hook?token=pl41nT3xt-qu3ry' }), HMAC_KEY, SLACK_URL],
    );
    const rows = async () => JSON.stringify(await dataSource.query(`SELECT secret, config FROM notification_channels WHERE tenant_id = $1`, [tenantId]));
    const oldKey = randomBytes(32);

    const first = await resealAll(dataSource, new SecretBox(oldKey), { tenantId });

    expect(first).toEqual([{ table: 'notification_channels', sealed: 3, resealed: 0, current: 0, failed: [] }]);
    expect(await rows()).not.toMatch(/pl41nT3xt/);
    const printed = formatResealReports(secretsKeyId(oldKey), first);
    expect(printed).toContain(`Sealing with key ${secretsKeyId(oldKey)} (KANSHI_SECRETS_KEY):`);
    expect(printed).toContain('notification_channels: 3 sealed (were plaintext), 0 resealed (were sealed with a previous key), 0 already current, 0 failed');

    const newKey = randomBytes(32);
    const second = await resealAll(dataSource, new SecretBox(newKey, [oldKey]), { tenantId });
    expect(second).toEqual([{ table: 'notification_channels', sealed: 0, resealed: 3, current: 0, failed: [] }]);
    expect(await rows()).not.toContain(`sealed:v1:${secretsKeyId(oldKey)}`);
    expect(await resealAll(dataSource, new SecretBox(newKey), { tenantId })).toEqual([{ table: 'notification_channels', sealed: 0, resealed: 0, current: 3, failed: [] }]);
  });

  it('lists what does not open by key id, never by value', async () => {
    const tenantId = uniqueId('reseal');
    await createTenantFixture(dataSource, tenantId);
    const lostKey = randomBytes(32);
    await dataSource.query(`INSERT INTO notification_channels (tenant_id, name, kind, config, secret, created_by) VALUES ($1, 'slack', 'slack', '{}', $2, 'test')`, [
      tenantId,
      SLACK_URL,
    ]);
    await resealAll(dataSource, new SecretBox(lostKey), { tenantId });

    const reports = await resealAll(dataSource, new SecretBox(randomBytes(32)), { tenantId });
    const printed = formatResealReports('00000000', reports);

    expect(reports[0]?.failed).toHaveLength(1);
    expect(printed).toContain('These did not open and were left as they are:');
    expect(printed).toContain(`sealed with key ${secretsKeyId(lostKey)}`);
    expect(printed).not.toContain('pl41nT3xt');
  });
});
