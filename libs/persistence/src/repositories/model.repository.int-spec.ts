import { loadConfig } from '@kanshi/config';
import type { RuleVerdict } from '@kanshi/contracts';
import { uniqueId } from '@kanshi/testing';
import { createDataSource } from '../data-source';
import { ModelRepository } from './model.repository';

const dataSource = createDataSource(loadConfig().values.databaseUrl, 'kanshi-int-test');
const models = new ModelRepository(dataSource);

beforeAll(async () => {
  await dataSource.initialize();
});
afterAll(async () => {
  await dataSource.destroy();
});

describe('ModelRepository rule verdicts (real PostgreSQL)', () => {
  const verdict = (tenantId: string, fields: Partial<RuleVerdict>): RuleVerdict => ({
    tenantId,
    modelId: 'device',
    ruleId: 'M10',
    scope: 'model',
    verdict: 'insufficient',
    observed: { n: 30, min_samples: 100, note: 'quote " and backslash \\ kept' },
    judgedAt: '2026-12-07T01:05:00.000Z',
    ...fields,
  });

  it('keeps the latest verdict per model, rule and scope, whatever order they arrive in, several of one key in a batch included', async () => {
    const tenantId = uniqueId('verdicts');
    await models.recordRuleVerdicts([
      verdict(tenantId, {}),
      verdict(tenantId, { verdict: 'pass', observed: null, judgedAt: '2026-12-07T00:05:00.000Z' }),
      verdict(tenantId, { ruleId: 'G5' }),
      verdict(tenantId, { modelId: 'other', ruleId: 'G9' }),
    ]);
    // An older verdict (a replayed batch) changes nothing; a newer one replaces.
    await models.recordRuleVerdicts([verdict(tenantId, { verdict: 'fail', judgedAt: '2026-12-06T23:05:00.000Z' }), verdict(tenantId, { ruleId: 'G5', verdict: 'pass', observed: null, judgedAt: '2026-12-07T02:05:00.000Z' })]);

    expect(await models.insufficientVerdicts(tenantId, ['device'])).toEqual([verdict(tenantId, {})]);
    expect((await models.insufficientVerdicts(tenantId, ['device', 'other'])).map((v) => [v.modelId, v.ruleId])).toEqual([
      ['device', 'M10'],
      ['other', 'G9'],
    ]);
    expect(await models.insufficientVerdicts(uniqueId('nobody'), ['device'])).toEqual([]);
    expect(await models.insufficientVerdicts(tenantId, [])).toEqual([]);
  });
});
