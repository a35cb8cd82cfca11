import { alertFingerprint, findingId, raiseAlertJobId, raiseAlertSetJobId, raiseSets, type FindingRecord, type RaiseAlertJob } from './alert-job';

type Identity = [tenantId: string, modelId: string, ruleId: string, scope: string];

function finding(findingIdValue: string): FindingRecord {
  return {
    finding_id: findingIdValue,
    event_id: `evt-${findingIdValue}`,
    occurred_at: '2025-10-01T00:00:00Z',
    severity: 'high',
    observed: null,
  };
}

describe('alertFingerprint', () => {
  it('is stable: the same identity always gives the same fingerprint', () => {
    expect(alertFingerprint('acme', 'credit-score', 'G1', 'model')).toBe(alertFingerprint('acme', 'credit-score', 'G1', 'model'));
  });

  it('is a sha-256 hex digest', () => {
    expect(alertFingerprint('acme', 'credit-score', 'G1', 'model')).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['tenant', ['other', 'credit-score', 'G1', 'model']],
    ['model', ['acme', 'other', 'G1', 'model']],
    ['rule', ['acme', 'credit-score', 'G2', 'model']],
    ['scope', ['acme', 'credit-score', 'G1', 'feature:income']],
  ] satisfies [string, Identity][])('differs when only the %s differs', (_component, [tenant, model, rule, scope]) => {
    expect(alertFingerprint(tenant, model, rule, scope)).not.toBe(alertFingerprint('acme', 'credit-score', 'G1', 'model'));
  });

  it('does not depend on the order of the components', () => {
    expect(alertFingerprint('a', 'b', 'G1', 'model')).not.toBe(alertFingerprint('b', 'a', 'G1', 'model'));
  });

  // Valid tenant and model ids may hold letters, digits, ".", "_" and "-": moving the boundary
  // between two components across any of those must not give the same fingerprint.
  it.each([
    [['acme.x', 'bank', 'G1', 'model'], ['acme', 'x.bank', 'G1', 'model']],
    [['acme-x', 'bank', 'G1', 'model'], ['acme', 'x-bank', 'G1', 'model']],
    [['acme_x', 'bank', 'G1', 'model'], ['acme', 'x_bank', 'G1', 'model']],
    [['ab', 'c', 'G1', 'model'], ['a', 'bc', 'G1', 'model']],
    [['acme', 'bankG', '1', 'model'], ['acme', 'bank', 'G1', 'model']],
    [['acme', 'bank', 'G1m', 'odel'], ['acme', 'bank', 'G1', 'model']],
    [['acme', 'bank', 'G1', 'a b'], ['acme', 'bank', 'G1 a', 'b']],
  ] satisfies [Identity, Identity][])('cannot be made to collide by moving a component boundary: %j vs %j', (left, right) => {
    expect(alertFingerprint(...left)).not.toBe(alertFingerprint(...right));
  });

  it('keeps a free-text scope containing the separator apart from a different split', () => {
    // The scope is last and ids cannot hold a newline, so a newline in a scope is unambiguous.
    expect(alertFingerprint('acme', 'bank', 'G1', 'x\ny')).not.toBe(alertFingerprint('acme', 'bank', 'G1', 'x'));
  });
});

describe('findingId', () => {
  const fingerprint = alertFingerprint('acme', 'credit-score', 'G1', 'model');

  it('is stable for one fingerprint and event, so a redelivered event is recognised', () => {
    expect(findingId(fingerprint, 'evt-1')).toBe(findingId(fingerprint, 'evt-1'));
  });

  it('differs per event and per fingerprint', () => {
    const other = alertFingerprint('acme', 'credit-score', 'G2', 'model');

    expect(findingId(fingerprint, 'evt-1')).not.toBe(findingId(fingerprint, 'evt-2'));
    expect(findingId(fingerprint, 'evt-1')).not.toBe(findingId(other, 'evt-1'));
  });

  it('is 40 hex characters', () => {
    expect(findingId(fingerprint, 'evt-1')).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('raiseAlertJobId', () => {
  const fingerprint = alertFingerprint('acme', 'credit-score', 'G1', 'model');

  it('does not depend on the order of the findings', () => {
    const forward = raiseAlertJobId({ fingerprint, findings: [finding('a'), finding('b'), finding('c')] });
    const backward = raiseAlertJobId({ fingerprint, findings: [finding('c'), finding('a'), finding('b')] });

    expect(forward).toBe(backward);
  });

  it('differs for other findings or another fingerprint', () => {
    const base = raiseAlertJobId({ fingerprint, findings: [finding('a')] });

    expect(raiseAlertJobId({ fingerprint, findings: [finding('b')] })).not.toBe(base);
    expect(raiseAlertJobId({ fingerprint, findings: [finding('a'), finding('b')] })).not.toBe(base);
    expect(raiseAlertJobId({ fingerprint: 'other', findings: [finding('a')] })).not.toBe(base);
  });

  it('is a valid BullMQ custom id: no ":" and not an integer', () => {
    const id = raiseAlertJobId({ fingerprint, findings: [finding('a'), finding('b')] });

    expect(id).not.toContain(':');
    expect(Number.isInteger(Number(id))).toBe(false);
    expect(id).toMatch(/^raise-[0-9a-f]{48}$/);
  });

  it('stays valid for a batch with no findings', () => {
    const id = raiseAlertJobId({ fingerprint, findings: [] });

    expect(id).not.toContain(':');
    expect(Number.isInteger(Number(id))).toBe(false);
  });
});

describe('raise sets', () => {
  const raise = (tenant: string, model: string, event = 'e1'): RaiseAlertJob => {
    const fingerprint = alertFingerprint(tenant, model, 'G1', 'model');
    return {
      fingerprint,
      tenant_id: tenant,
      model_id: model,
      rule_id: 'G1',
      module_id: 'general',
      sector: 'general',
      scope: 'model',
      title: 't',
      source: 's',
      args: {},
      due_at: null,
      findings: [{ finding_id: findingId(fingerprint, event), event_id: event, occurred_at: '2026-12-07T00:00:00.000Z', severity: 'high', observed: null }],
    };
  };

  it('groups raises per tenant in sets of at most the maximum, keeping their order', () => {
    const raises = [raise('a', 'm1'), raise('b', 'm1'), raise('a', 'm2'), raise('a', 'm3'), raise('b', 'm2')];
    const sets = raiseSets(raises, 2);
    expect(sets.map((s) => [s.tenant_id, s.raises.map((r) => r.model_id)])).toEqual([
      ['a', ['m1', 'm2']],
      ['a', ['m3']],
      ['b', ['m1', 'm2']],
    ]);
    expect(raiseSets([])).toEqual([]);
  });

  it('names a set by its raises, whatever their order', () => {
    const [x, y] = [raise('a', 'm1'), raise('a', 'm2')];
    expect(raiseAlertSetJobId([x, y])).toBe(raiseAlertSetJobId([y, x]));
    expect(raiseAlertSetJobId([x, y])).not.toBe(raiseAlertSetJobId([x, raise('a', 'm2', 'e2')]));
    expect(raiseAlertSetJobId([x])).toMatch(/^raises-[0-9a-f]{48}$/);
  });
});
