import { EventEmitter } from 'node:events';
import type { TelemetryEvent } from '@kanshi/contracts';
import { thrownBy } from '../test/thrown-by';
import type { Clock } from './backoff';
import { ClientClosedError, QueueFullError, RetryableTransportError, TelemetryValidationError, TerminalTransportError } from './errors';
import { telemetryEvents } from './event-builders';
import { TelemetryClient, type CommonClientOptions, type DeliveryReport } from './telemetry-client';
import type { EventOutcome, OutgoingEvent, TelemetryTransport } from './transport';

type Step = (batch: readonly OutgoingEvent[]) => readonly EventOutcome[] | Error | Promise<readonly EventOutcome[]>;

/** Records every batch; answers from `steps` in turn, then accepts everything. */
class FakeTransport implements TelemetryTransport {
  readonly description = 'fake transport';
  readonly batches: string[][] = [];
  readonly steps: Step[] = [];
  closedAfter: number | undefined;

  async send(batch: readonly OutgoingEvent[]): Promise<readonly EventOutcome[]> {
    this.batches.push(batch.map((e) => e.event.event_id));
    const step = this.steps.shift();
    const answer = step ? await step(batch) : batch.map((): EventOutcome => ({ status: 'accepted' }));
    if (answer instanceof Error) throw answer;
    return answer;
  }

  close(): Promise<void> {
    this.closedAfter = this.batches.length;
    return Promise.resolve();
  }

  get sizes(): number[] {
    return this.batches.map((b) => b.length);
  }
}

/** A clock whose sleeps return at once and are recorded. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

let serial = 0;
function event(modelId = 'credit'): TelemetryEvent {
  serial += 1;
  return telemetryEvents.prediction({ tenant_id: 'acme', model_id: modelId, event_id: `e-${serial}`, payload: { score: serial / 1000 } });
}

const silent = { warn: jest.fn(), error: jest.fn() };

function setUp(options: Partial<CommonClientOptions> = {}) {
  const transport = new FakeTransport();
  const clock = fakeClock();
  const logger = { warn: jest.fn(), error: jest.fn() };
  const client = new TelemetryClient({ transport, clock, random: () => 0, logger, ...options });
  return { transport, clock, logger, client };
}

afterEach(() => jest.useRealTimers());

describe('TelemetryClient batching', () => {
  it('sends a batch as soon as maxEvents are queued, and the rest on flush', async () => {
    const { transport, client } = setUp({ batch: { maxEvents: 3, lingerMs: 60_000 } });
    const sent = Array.from({ length: 7 }, () => event());
    const reports = sent.map((e) => client.send(e));
    await new Promise((resolve) => setImmediate(resolve));
    expect(transport.sizes).toEqual([3, 3]);
    // flush() answers for the events still pending when it was called: the last one.
    expect(await client.flush()).toEqual({ accepted: 1, rejected: 0, failed: 0 });
    expect(client.stats()).toEqual({ accepted: 7, rejected: 0, failed: 0, pending: 0 });
    expect(transport.sizes).toEqual([3, 3, 1]);
    expect(transport.batches.flat()).toEqual(sent.map((e) => e.event_id));
    expect((await Promise.all(reports)).map((r) => r.status)).toEqual(Array(7).fill('accepted'));
    await client.close();
  });

  it('cuts batches at maxBytes', async () => {
    const sample = JSON.stringify(event()).length;
    const { transport, client } = setUp({ batch: { maxEvents: 100, maxBytes: Math.floor(sample * 2.5), lingerMs: 60_000 } });
    for (let i = 0; i < 5; i += 1) void client.send(event());
    await client.flush();
    expect(transport.sizes).toEqual([2, 2, 1]);
    await client.close();
  });

  it('waits lingerMs for more events before sending a partial batch', async () => {
    jest.useFakeTimers();
    const transport = new FakeTransport();
    const client = new TelemetryClient({ transport, batch: { maxEvents: 100, lingerMs: 50 }, logger: silent });
    void client.send(event());
    await jest.advanceTimersByTimeAsync(30);
    void client.send(event());
    await jest.advanceTimersByTimeAsync(19);
    expect(transport.sizes).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(transport.sizes).toEqual([2]);
    await client.close();
  });
});

describe('TelemetryClient retries', () => {
  it('retries a retryable failure with growing delays, then delivers', async () => {
    const onRetry = jest.fn();
    const { transport, clock, client } = setUp({ retry: { initialDelayMs: 100 }, onRetry });
    transport.steps.push(
      () => new RetryableTransportError('broker down'),
      () => new RetryableTransportError('broker down'),
      () => new RetryableTransportError('broker down'),
    );
    const report = client.send(event());
    await client.flush();
    expect(await report).toMatchObject({ status: 'accepted', attempts: 4 });
    expect(transport.sizes).toEqual([1, 1, 1, 1]);
    expect(clock.sleeps).toEqual([50, 100, 200]);
    expect(onRetry.mock.calls.map(([n]: [{ attempt: number; delayMs: number }]) => [n.attempt, n.delayMs])).toEqual([[1, 50], [2, 100], [3, 200]]);
    await client.close();
  });

  it("honours the server's Retry-After", async () => {
    const { transport, clock, client } = setUp();
    transport.steps.push(() => new RetryableTransportError('503 from gateway', 5000));
    await client.send(event()).then(() => undefined, () => undefined);
    await client.flush();
    expect(clock.sleeps).toEqual([5000]);
    await client.close();
  });

  it('gives up after maxAttempts and reports every event as failed, never dropping one silently', async () => {
    const onDelivery = jest.fn();
    const { transport, clock, logger, client } = setUp({ retry: { maxAttempts: 3 }, onDelivery });
    for (let i = 0; i < 3; i += 1) transport.steps.push(() => new RetryableTransportError('connection refused'));
    const reports = [client.send(event()), client.send(event())];
    expect(await client.flush()).toEqual({ accepted: 0, rejected: 0, failed: 2 });
    const settled = await Promise.all(reports);
    expect(settled.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect((settled[0] as Extract<DeliveryReport, { status: 'failed' }>).error.message).toMatch(/gave up after 3 attempts: connection refused/);
    expect(transport.sizes).toEqual([2, 2, 2]);
    expect(clock.sleeps).toHaveLength(2);
    expect(onDelivery).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('2 events not sent'));
    expect(client.stats()).toEqual({ accepted: 0, rejected: 0, failed: 2, pending: 0 });
    await client.close();
  });

  it('does not retry a terminal failure', async () => {
    const { transport, clock, client } = setUp();
    transport.steps.push(() => new TerminalTransportError('gateway answered 401: invalid API key', 401));
    const report = client.send(event());
    await client.flush();
    expect(await report).toMatchObject({ status: 'failed', attempts: 1, error: { message: 'gateway answered 401: invalid API key' } });
    expect(transport.sizes).toEqual([1]);
    expect(clock.sleeps).toEqual([]);
    await client.close();
  });

  it('reports per-event rejections to the caller and does not send them again', async () => {
    const { transport, client } = setUp();
    const issue = { pointer: '/payload/score', rule: 'type', message: 'must be number' };
    transport.steps.push(() => [{ status: 'accepted' }, { status: 'rejected', errors: [issue] }]);
    const reports = [client.send(event()), client.send(event())];
    expect(await client.flush()).toEqual({ accepted: 1, rejected: 1, failed: 0 });
    expect(await reports[1]).toMatchObject({ status: 'rejected', errors: [issue] });
    expect(transport.sizes).toEqual([2]);
    await client.close();
  });

  it('splits a batch the receiver finds too large and sends the halves', async () => {
    const { transport, client } = setUp();
    transport.steps.push(() => new TerminalTransportError('413', 413, { batchTooLarge: true }));
    const sent = Array.from({ length: 5 }, () => event());
    for (const e of sent) void client.send(e);
    expect(await client.flush()).toEqual({ accepted: 5, rejected: 0, failed: 0 });
    expect(transport.sizes).toEqual([5, 3, 2]);
    expect(transport.batches.slice(1).flat()).toEqual(sent.map((e) => e.event_id));
    await client.close();
  });
});

describe('TelemetryClient send, capacity and close', () => {
  it('throws the contract issues at once and never queues an invalid event', async () => {
    const { transport, client } = setUp();
    const bad = { ...event(), payload: { score: 'high' } };
    expect(() => client.send(bad)).toThrow(TelemetryValidationError);
    expect(thrownBy(() => client.send(bad))).toMatchObject({ issues: [{ pointer: '/payload/score', rule: 'type' }] });
    expect(client.pending).toBe(0);
    await client.close();
    expect(transport.batches).toEqual([]);
  });

  it('refuses an event over maxEventBytes as TOO_LARGE', async () => {
    const { client } = setUp({ maxEventBytes: 300 });
    const big = telemetryEvents.prediction({ tenant_id: 'acme', model_id: 'credit', payload: { output: 'x'.repeat(400) } });
    expect(thrownBy(() => client.send(big))).toMatchObject({ reason: 'TOO_LARGE', issues: [{ rule: 'maxBytes', expected: 300 }] });
    await client.close();
  });

  it('keys each event tenant:model', async () => {
    const transport = new FakeTransport();
    const keys: string[] = [];
    transport.steps.push((batch) => {
      keys.push(...batch.map((e) => e.key));
      return batch.map(() => ({ status: 'accepted' }));
    });
    const client = new TelemetryClient({ transport, logger: silent });
    void client.send(event('credit'));
    void client.send(event('triage'));
    await client.close();
    expect(keys).toEqual(['acme:credit', 'acme:triage']);
  });

  it('bounds the queue: QueueFullError when full, waitForCapacity once a batch is through', async () => {
    let release!: () => void;
    const { transport, client } = setUp({ maxQueuedEvents: 2, batch: { maxEvents: 2, lingerMs: 60_000 } });
    transport.steps.push((batch) => new Promise((resolve) => (release = () => resolve(batch.map(() => ({ status: 'accepted' }))))));
    void client.send(event());
    void client.send(event());
    expect(() => client.send(event())).toThrow(QueueFullError);
    let room = false;
    const waiting = client.waitForCapacity().then(() => (room = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(room).toBe(false);
    release();
    await waiting;
    expect(client.pending).toBe(0);
    await client.close();
  });

  it('close() delivers everything queued, then closes the transport, and refuses new events', async () => {
    const { transport, client } = setUp({ batch: { maxEvents: 2, lingerMs: 60_000 } });
    transport.steps.push(() => new RetryableTransportError('blip'));
    const reports = Array.from({ length: 5 }, () => client.send(event()));
    const closing = client.close();
    expect(client.close()).toBe(closing);
    expect(await closing).toEqual({ accepted: 5, rejected: 0, failed: 0 });
    expect((await Promise.all(reports)).every((r) => r.status === 'accepted')).toBe(true);
    expect(transport.closedAfter).toBe(transport.batches.length);
    expect(transport.sizes).toEqual([2, 2, 2, 1]);
    expect(() => client.send(event())).toThrow(ClientClosedError);
  });

  it('close({ discardQueued }) reports queued events failed at once and lets the batch in flight finish', async () => {
    let release!: () => void;
    const { transport, client } = setUp({ batch: { maxEvents: 2, lingerMs: 60_000 } });
    transport.steps.push((batch) => new Promise((resolve) => (release = () => resolve(batch.map(() => ({ status: 'accepted' }))))));
    const reports = Array.from({ length: 5 }, () => client.send(event()));
    const closing = client.close({ discardQueued: true });
    release();
    expect(await closing).toEqual({ accepted: 2, rejected: 0, failed: 3 });
    expect((await Promise.all(reports)).map((r) => [r.status, r.attempts])).toEqual([
      ['accepted', 1],
      ['accepted', 1],
      ['failed', 0],
      ['failed', 0],
      ['failed', 0],
    ]);
    expect(transport.sizes).toEqual([2]);
  });

  it('after close({ discardQueued }) nothing is sent later, not even when the linger time passes', async () => {
    jest.useFakeTimers();
    const transport = new FakeTransport();
    const client = new TelemetryClient({ transport, batch: { lingerMs: 1000 }, logger: silent });
    void client.send(event());
    expect(await client.close({ discardQueued: true })).toEqual({ accepted: 0, rejected: 0, failed: 1 });
    await jest.advanceTimersByTimeAsync(5000);
    expect(transport.batches).toEqual([]);
    expect(transport.closedAfter).toBe(0);
  });

  it('with flushOnSignals, a SIGTERM drains the queue, then the signal is raised again', async () => {
    const target = Object.assign(new EventEmitter(), { pid: 4242, kill: jest.fn() });
    const { transport, client } = setUp({ flushOnSignals: true, signalTarget: target, batch: { lingerMs: 60_000 } });
    expect(target.listenerCount('SIGINT')).toBe(1);
    const report = client.send(event());
    target.emit('SIGTERM', 'SIGTERM');
    expect(await report).toMatchObject({ status: 'accepted' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(transport.closedAfter).toBe(1);
    expect(target.kill).toHaveBeenCalledWith(4242, 'SIGTERM');
    expect(target.listenerCount('SIGINT') + target.listenerCount('SIGTERM')).toBe(0);
  });
});
