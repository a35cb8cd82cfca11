import { parseEvidenceArgs, UsageError } from './evidence-args';

describe('npm run evidence arguments', () => {
  it('reads verify with a tenant, a period and --json, in either form', () => {
    expect(parseEvidenceArgs(['verify', '--tenant', 'bank-a'])).toEqual({ command: 'verify', tenantId: 'bank-a', json: false });
    expect(parseEvidenceArgs(['verify', '--tenant=bank-a', '--from', '2026-12-01', '--to=2026-12-02T00:00:00+09:00', '--json'])).toEqual({
      command: 'verify',
      tenantId: 'bank-a',
      from: new Date('2026-12-01T00:00:00Z'),
      to: new Date('2026-12-01T15:00:00Z'),
      json: true,
    });
  });

  it('reads verify with a public key file', () => {
    expect(parseEvidenceArgs(['verify', '--tenant', 'bank-a', '--public-key', 'evidence.pub.pem'])).toEqual({ command: 'verify', tenantId: 'bank-a', publicKeyFile: 'evidence.pub.pem', json: false });
  });

  it('reads checkpoint for every tenant or one', () => {
    expect(parseEvidenceArgs(['checkpoint'])).toEqual({ command: 'checkpoint' });
    expect(parseEvidenceArgs(['checkpoint', '--tenant', 'bank-a'])).toEqual({ command: 'checkpoint', tenantId: 'bank-a' });
  });

  it('reads bundle and verify-bundle', () => {
    expect(parseEvidenceArgs(['bundle', '--tenant', 'bank-a', '--out', 'out/dir', '--from', '2026-12-01'])).toEqual({
      command: 'bundle',
      tenantId: 'bank-a',
      out: 'out/dir',
      from: new Date('2026-12-01T00:00:00Z'),
      report: true,
    });
    expect(parseEvidenceArgs(['bundle', '--tenant', 'bank-a', '--out', 'o', '--model', 'credit_v2'])).toMatchObject({ modelId: 'credit_v2', report: true });
    expect(parseEvidenceArgs(['bundle', '--tenant', 'bank-a', '--out', 'o', '--no-report'])).toMatchObject({ report: false });
    expect(parseEvidenceArgs(['verify-bundle', 'out/dir', '--public-key', 'k.pem', '--json'])).toEqual({ command: 'verify-bundle', dir: 'out/dir', publicKeyFile: 'k.pem', json: true });
    expect(parseEvidenceArgs(['verify-bundle', 'out/dir'])).toEqual({ command: 'verify-bundle', dir: 'out/dir', json: false });
  });

  it.each([
    [['bundle', '--tenant', 'a'], '--out <dir> is required'],
    [['bundle', '--tenant', 'a', '--out', 'o', '--model', 'm', '--sector', 'finance'], 'give --model or --sector, not both'],
    [['bundle', '--tenant', 'a', '--out', 'o', '--sector', 'finance', '--no-report'], 'make no sense with --no-report'],
    [['bundle', '--tenant', 'a', '--out', 'o', '--sector', 'insurance'], '--sector "insurance" is none of general, finance, medical, platform'],
    [['verify-bundle', '--public-key', 'k.pem'], 'the bundle directory comes first'],
    [[], 'missing command'],
    [['export'], 'unknown command "export"'],
    [['verify'], '--tenant <tenant-id> is required'],
    [['verify', '--tenant'], '--tenant needs a value'],
    [['verify', '--tenant', 'a', '--tenant', 'b'], '--tenant given twice'],
    [['verify', '--tenant', 'a', '--from', 'yesterday'], '--from must be a time in ISO 8601'],
    [['verify', '--tenant', 'a', '--from', '2026-12-02', '--to', '2026-12-01'], '--to must be after --from'],
    [['checkpoint', '--json'], 'unexpected argument "--json"'],
  ])('refuses %j, saying why', (argv, message) => {
    expect(() => parseEvidenceArgs(argv)).toThrow(UsageError);
    expect(() => parseEvidenceArgs(argv)).toThrow(message);
  });

  it('answers --help with the usage', () => {
    expect(parseEvidenceArgs(['verify', '--help'])).toEqual({ command: 'help' });
  });
});
