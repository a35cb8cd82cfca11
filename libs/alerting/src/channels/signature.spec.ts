import { createHmac } from 'node:crypto';
import { SIGNATURE_HEADER, signPayload, verifySignature } from './signature';

const secret = 'whsec-0123456789abcdef';
const body = JSON.stringify({ type: 'kanshi.notification', id: 'n-1' });
const t = 1_767_000_000;
const at = (seconds: number): Date => new Date(seconds * 1000);

describe('webhook signature', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    const header = signPayload(secret, t, body);
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(header).toBe(`t=${t},v1=${expected}`);
    expect(SIGNATURE_HEADER).toBe('X-Kanshi-Signature');
  });

  it('verifies the body it signed, as a string or as raw bytes', () => {
    const header = signPayload(secret, t, body);
    expect(verifySignature(secret, header, body, { now: at(t) })).toBe(true);
    expect(verifySignature(secret, header, Buffer.from(body), { now: at(t + 10) })).toBe(true);
  });

  it('rejects a tampered body or another secret', () => {
    const header = signPayload(secret, t, body);
    expect(verifySignature(secret, header, body.replace('n-1', 'n-2'), { now: at(t) })).toBe(false);
    expect(verifySignature(`${secret}x`, header, body, { now: at(t) })).toBe(false);
  });

  it('rejects a timestamp outside the tolerance, either way', () => {
    const header = signPayload(secret, t, body);
    expect(verifySignature(secret, header, body, { now: at(t + 300) })).toBe(true);
    expect(verifySignature(secret, header, body, { now: at(t + 301) })).toBe(false);
    expect(verifySignature(secret, header, body, { now: at(t - 301) })).toBe(false);
    expect(verifySignature(secret, header, body, { now: at(t + 3600), toleranceSeconds: 3600 })).toBe(true);
  });

  it('rejects a changed timestamp, since the time is signed too', () => {
    const header = signPayload(secret, t, body).replace(`t=${t}`, `t=${t + 1}`);
    expect(verifySignature(secret, header, body, { now: at(t) })).toBe(false);
  });

  it('rejects malformed headers', () => {
    for (const header of ['', 'v1=abc', `t=${t}`, `t=${t},v1=zz`, `t=soon,v1=${'0'.repeat(64)}`, `t=${t},v1=${'0'.repeat(64)}`]) {
      expect(verifySignature(secret, header, body, { now: at(t) })).toBe(false);
    }
  });

  it('accepts a header with one valid entry among several (key rotation)', () => {
    const valid = signPayload(secret, t, body);
    const other = signPayload('another-secret-123', t, body).split(',')[1] ?? '';
    expect(verifySignature(secret, `${valid},${other}`, body, { now: at(t) })).toBe(true);
    expect(verifySignature(secret, `t=${t},${other}`, body, { now: at(t) })).toBe(false);
  });
});
