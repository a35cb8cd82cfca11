import { smtpOptions, type EmailTarget } from './email.sender';

const target = (host: string, secure = false): EmailTarget => ({
  kind: 'email',
  config: { to: ['risk@bank.example'], from: 'kanshi@bank.example', host, port: 587, secure, timeout_ms: 5000, max_attempts: 3, backoff_ms: 1000, username: 'kanshi' },
  secret: 'smtp-password',
});

describe('smtpOptions', () => {
  it('connects to the checked address while TLS names and verifies the configured host', () => {
    const options = smtpOptions(target('smtp.bank.example'), '203.0.113.25');
    expect(options).toMatchObject({ host: '203.0.113.25', port: 587, requireTLS: true, tls: { servername: 'smtp.bank.example' } });
    expect(options.tls).not.toHaveProperty('rejectUnauthorized');
    expect(smtpOptions(target('smtp.bank.example', true), '2001:db8::25')).toMatchObject({ host: '2001:db8::25', secure: true, tls: { servername: 'smtp.bank.example' } });
  });

  it('gives no server name for a server configured by address', () => {
    expect(smtpOptions(target('203.0.113.25'), '203.0.113.25').tls).toEqual({ servername: undefined });
  });

  it('accepts any certificate from a relay on loopback only', () => {
    expect(smtpOptions(target('127.0.0.1'), '127.0.0.1')).toMatchObject({ requireTLS: false, tls: { rejectUnauthorized: false } });
  });
});
