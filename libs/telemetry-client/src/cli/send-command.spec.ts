import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { RetryableTransportError } from '../errors';
import { telemetryEvents } from '../event-builders';
import type { EventOutcome, OutgoingEvent, TelemetryTransport } from '../transport';
import { runKanshi, runSend, type CliIo } from './send-command';
import { parseKanshiArgs, type SendCommand } from './send-args';

class FakeTransport implements TelemetryTransport {
  readonly description = 'fake transport';
  readonly received: string[] = [];
  closed = false;
  constructor(private readonly answer: (e: OutgoingEvent) => EventOutcome | Error = () => ({ status: 'accepted' })) {}

  send(batch: readonly OutgoingEvent[]): Promise<readonly EventOutcome[]> {
    const outcomes = batch.map((e) => this.answer(e));
    const error = outcomes.find((o): o is Error => o instanceof Error);
    if (error) return Promise.reject(error);
    this.received.push(...batch.map((e) => e.event.event_id));
    return Promise.resolve(outcomes as EventOutcome[]);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function io(extra: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, env: {}, ...extra };
  return { io: value, stdout: () => out.join(''), stderr: () => err.join('') };
}

const good = (id: string) => JSON.stringify(telemetryEvents.prediction({ tenant_id: 'acme', model_id: 'credit', event_id: id, payload: { score: 0.5 } }));
const badMetric = JSON.stringify({ ...JSON.parse(good('bad-1')), event_type: 'drift_metric', payload: { feature: 'f', metric: 'emd', value: 1 } });

const INGEST_KEY = `kanshi_ingest_0123456789ab_${'i'.repeat(43)}`;
let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'kanshi-send-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function command(path: string, extra: string[] = []): SendCommand {
  return parseKanshiArgs(['send', path, '--kafka', '127.0.0.1:9092', '--ingest-key', INGEST_KEY, ...extra]) as SendCommand;
}

describe('kanshi send (fake transport)', () => {
  it('sends the good lines and reports rejected, unparsable and blank lines with their numbers', async () => {
    const path = file('mixed.jsonl', [good('g-1'), good('g-2'), badMetric, '{"not json', '', good('g-3'), good('refuse-me')].join('\r\n'));
    const transport = new FakeTransport((e) =>
      e.event.event_id === 'refuse-me' ? { status: 'rejected', errors: [{ pointer: '/tenant_id', rule: 'unknown', message: 'unknown tenant' }] } : { status: 'accepted' },
    );
    const run = io();
    const code = await runSend(command(path), run.io, transport);
    expect(code).toBe(1);
    expect(transport.received).toEqual(['g-1', 'g-2', 'g-3', 'refuse-me']);
    expect(transport.closed).toBe(true);
    const summary = run.stdout();
    expect(summary).toContain('  read        6 lines (and 1 blank)\n');
    expect(summary).toContain('  sent        3\n');
    expect(summary).toContain('  rejected    2\n');
    expect(summary).toContain('    1 × SCHEMA_INVALID /payload/metric: must be equal to one of the allowed values (expected ["psi","ks","js"]) (line 3)\n');
    expect(summary).toContain('    1 × refused by the gateway: /tenant_id: unknown tenant (line 7)\n');
    expect(summary).toMatch(/ {2}unparsable {2}1\n {4}line 4: .*JSON/);
    expect(summary).toContain('  unsent      0\n');
    expect(run.stderr()).toContain('kanshi send: 100%');
  });

  it('exits 0 when every line is sent, at the rate asked for', async () => {
    const path = file('good.jsonl', `${[1, 2, 3, 4, 5].map((i) => good(`ok-${i}`)).join('\n')}\n`);
    let time = 0;
    const clock = { now: () => time, sleep: (ms: number) => ((time += ms), Promise.resolve()) };
    const transport = new FakeTransport();
    const run = io({ clock });
    expect(await runSend(command(path, ['--rate', '2']), run.io, transport)).toBe(0);
    expect(transport.received).toHaveLength(5);
    expect(time).toBe(2000);
    expect(run.stdout()).toContain('  sent        5\n');
  });

  it('stops reading at the first batch that cannot be delivered, and counts it unsent', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => good(`x-${i}`)).join('\n');
    const path = file('down.jsonl', lines);
    const transport = new FakeTransport(() => new RetryableTransportError('connection refused'));
    const sleeps: number[] = [];
    const clock = { now: () => 0, sleep: (ms: number) => (sleeps.push(ms), Promise.resolve()) };
    const run = io({ clock });
    const code = await runSend(command(path, ['--batch', '5']), run.io, transport);
    expect(code).toBe(1);
    const summary = run.stdout();
    const read = Number(/read {8}(\d+) lines/.exec(summary)?.[1]);
    expect(read).toBeLessThan(50);
    expect(summary).toContain(`  unsent      ${read}\n`);
    expect(summary).toMatch(/ {4}\d+ × gave up after 5 attempts: connection refused \(lines 1, 2, 3, 4, 5(, …)?\)/);
    // What was still queued is not retried again, only reported.
    expect(summary).toMatch(/ {4}\d+ × not sent: sending stopped after the failure above/);
    expect(summary).toMatch(/stopped early: a batch could not be delivered; lines from \d+ on were not sent/);
    expect(summary).toContain('  sent        0\n');
    expect(sleeps.length % 4).toBe(0);
  });

  it('reads standard input with "-"', async () => {
    const transport = new FakeTransport();
    const run = io({ stdin: () => Readable.from([Buffer.from(`${good('in-1')}\n${good('in-2')}`)]) });
    expect(await runSend(command('-'), run.io, transport)).toBe(0);
    expect(transport.received).toEqual(['in-1', 'in-2']);
  });

  it('says so when the file cannot be read', async () => {
    const run = io();
    expect(await runSend(command(join(dir, 'missing.jsonl')), run.io, new FakeTransport())).toBe(1);
    expect(run.stderr()).toMatch(/cannot read .*missing\.jsonl: ENOENT/);
  });

  it('prints help, and exits 2 on a bad command line', async () => {
    const help = io();
    expect(await runKanshi(['--help'], help.io)).toBe(0);
    expect(help.stdout()).toContain('Usage: kanshi send <file.jsonl>');
    const bad = io();
    expect(await runKanshi(['send', 'f.jsonl'], bad.io)).toBe(2);
    expect(bad.stderr()).toBe('kanshi: send: give exactly one of --kafka and --gateway\nRun kanshi --help for usage.\n');
  });
});
