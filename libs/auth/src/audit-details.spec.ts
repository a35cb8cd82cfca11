import { auditDetails, isSecretField, isUrlField, MAX_DETAILS_BYTES, REDACTED, redact } from './audit-details';

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

describe('isUrlField', () => {
  it.each(['url', 'URL', 'webhook_url', 'webhookUrl', 'callback_uri', 'endpoint', 'slack_webhook', 'href'])('treats %j as a URL', (name) => {
    expect(isUrlField(name)).toBe(true);
  });

  it.each(['name', 'rule_id', 'host', 'urgency'])('keeps %j', (name) => {
    expect(isUrlField(name)).toBe(false);
  });
});

describe('redact: notification channels', () => {
  const HOOK_TOKEN = 'T0K3N-in-the-path';
  const QUERY_TOKEN = 'QU3RY-t0k3n';
  const SLACK_TOKEN = 'xoxb-sl4ck-w3bh00k-t0k3n';

  it('keeps only the scheme, host and port of a webhook URL, and none of a channel secret', () => {
    const created = {
      name: 'ops',
      kind: 'webhook',
      config: { url: `https://hooks.example:8443/kanshi/${HOOK_TOKEN}?sig=${QUERY_TOKEN}`, timeout_ms: 5000 },
      secret: 'whsec-0123456789abcdef',
    };

    const details = auditDetails(created, {});

    expect(details).toEqual({ body: { name: 'ops', kind: 'webhook', config: { url: 'https://hooks.example:8443/…', timeout_ms: 5000 }, secret: REDACTED } });
    for (const leak of [HOOK_TOKEN, QUERY_TOKEN, 'whsec-0123456789abcdef']) expect(JSON.stringify(details)).not.toContain(leak);
  });

  it('redacts a Slack webhook URL given as the secret, and a changed URL in a PATCH', () => {
    const slack = auditDetails({ name: 'risk', kind: 'slack', secret: `https://hooks.slack.com/services/T01/B02/${SLACK_TOKEN}` }, {});
    const patched = auditDetails({ config: { url: `https://user:${QUERY_TOKEN}@receiver.example/${HOOK_TOKEN}` } }, {});

    expect(slack).toEqual({ body: { name: 'risk', kind: 'slack', secret: REDACTED } });
    expect(patched).toEqual({ body: { config: { url: 'https://receiver.example/…' } } });
    for (const leak of [SLACK_TOKEN, HOOK_TOKEN, QUERY_TOKEN]) expect(JSON.stringify([slack, patched])).not.toContain(leak);
  });

  it('cuts the password of a URL out of any text', () => {
    expect(redact({ comment: `moved to https://bot:${QUERY_TOKEN}@receiver.example/hook today` })).toEqual({
      comment: `moved to https://${REDACTED}@receiver.example/hook today`,
    });
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
