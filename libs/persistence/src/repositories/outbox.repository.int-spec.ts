import { randomUUID } from 'node:crypto';
import { loadConfig } from '@kanshi/config';
import { createTenantFixture, uniqueId, waitFor } from '@kanshi/testing';
import { createDataSource } from '../data-source';
import { addToOutbox, OutboxRepository, type OutboxEntry } from './outbox.repository';

const dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-int-test');
const outbox = new OutboxRepository(dataSource);

beforeAll(async () => {
  await dataSource.initialize();
});
afterAll(async () => {
  await dataSource.destroy();
});

describe('OutboxRepository (real PostgreSQL)', () => {
  it('announces committed entries to a listener on another connection, and only once they commit', async () => {
    const { tenantId } = await createTenantFixture(dataSource, uniqueId('outbox'));
    let heard = 0;
    const listener = await outbox.listen(() => (heard += 1));
    try {
      const entry: OutboxEntry = { tenantId, kind: 'alert', subjectId: randomUUID() };
      // Rolled back: nothing is announced (NOTIFY is delivered at commit).
      await expect(
        dataSource.transaction(async (m) => {
          await addToOutbox(m, [entry]);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await dataSource.transaction((m) => addToOutbox(m, [entry, { ...entry, subjectId: randomUUID() }]));
      await waitFor('the announcement', () => Promise.resolve(heard > 0 ? true : undefined));
      // One announcement per transaction, however many entries; the rolled-back one made none.
      expect(heard).toBe(1);
      expect(listener.broken).toBe(false);

      // Relays of other specs share the table: read this tenant's entries, never relay them here.
      const stored = await dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM alert_outbox WHERE tenant_id = $1', [tenantId]);
      expect(stored[0]?.n).toBe(2);
      await dataSource.query('DELETE FROM alert_outbox WHERE tenant_id = $1', [tenantId]);
    } finally {
      listener.close();
    }
  });
});
