import { auditDetails, isSecretField, MAX_DETAILS_BYTES, REDACTED, redact } from './audit-details';

const KEY = `kanshi_0123456789ab_${'S3cr3tPart-'.repeat(4)}`;

describe('isSecretField', () => {
  it.each(['secret', 'Secret', 'client_secret', 'password', 'PASSWORD', 'passwd', 'token', 'access_token', 'refreshToken', 'key', 'api_key', 'apiKey', 'private-key', 'authorization', 'credentials', 'signing_key'])(
    'treats %j as a secret',
    (name) => {
      expect(isSecretField(name)).toBe(true);
    },
  );

  it.each(['name', 'roles', 'comment', 'key_id', 'keys', 'rule_id', 'monkey', 'url', 'reason'])('keeps %j', (name) => {
    expect(isSecretField(name)).toBe(false);
  });
});

describe('redact', () => {
  it('replaces secret-like fields at any depth and keeps the rest', () => {
    expect(redact({ name: 'ops', secret: 'whsec-1', config: { url: 'https://x', password: 'p', nested: [{ token: 't', ok: 1 }] } })).toEqual({
      name: 'ops',
      secret: REDACTED,
      config: { url: 'https://x', password: REDACTED, nested: [{ token: REDACTED, ok: 1 }] },
    });
  });

  it('keeps empty and null secret fields as they are (clearing a secret is worth recording)', () => {
    expect(redact({ secret: null, token: '' })).toEqual({ secret: null, token: '' });
  });

  it('cuts the secret part of an API key out of any string, keeping its public id', () => {
    const redacted = JSON.stringify(redact({ comment: `rotated ${KEY} today`, list: [KEY] }));

    expect(redacted).not.toContain('S3cr3tPart');
    expect(redacted).toContain('kanshi_0123456789ab_(redacted)');
  });

  it('removes NUL characters, which PostgreSQL jsonb refuses', () => {
    expect(redact({ comment: 'a\u0000b' })).toEqual({ comment: 'ab' });
  });

  it('stops at a bounded depth', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 50; i += 1) deep = { next: deep };
    expect(JSON.stringify(redact(deep))).toContain('(nested too deep)');
  });

  it('walks a body nested far past any stack without recursing into it', () => {
    let deep: unknown = { secret: 'never-shown' };
    for (let i = 0; i < 200_000; i += 1) deep = i % 2 === 0 ? { next: deep } : [deep];
    const details = auditDetails({ comment: 'ok', deep }, {});
    expect(JSON.stringify(details)).toContain('(nested too deep)');
    expect(JSON.stringify(details)).not.toContain('never-shown');
  });
});

describe('auditDetails', () => {
  it('holds the redacted body and the query, leaving out empty ones', () => {
    expect(auditDetails({ comment: 'ok', secret: 'x' }, { scope: 'tenant' })).toEqual({ body: { comment: 'ok', secret: REDACTED }, query: { scope: 'tenant' } });
    expect(auditDetails({}, {})).toEqual({});
    expect(auditDetails(undefined, {})).toEqual({});
  });

  it(`truncates details larger than ${MAX_DETAILS_BYTES} bytes to a preview that stays redacted and valid UTF-8`, () => {
    const body = { secret: 'never-shown', comment: '監視'.repeat(5000) };

    const details = auditDetails(body, {});

    expect(details['truncated']).toBe(true);
    expect(details['bytes']).toBeGreaterThan(MAX_DETAILS_BYTES);
    expect(Buffer.byteLength(JSON.stringify(details), 'utf8')).toBeLessThanOrEqual(MAX_DETAILS_BYTES + 200);
    expect(JSON.stringify(details)).not.toContain('never-shown');
    expect(String(details['preview'])).not.toContain('\uFFFD');
  });
});
