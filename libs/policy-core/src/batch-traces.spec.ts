import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { loadConfig } from '@kanshi/config';
import type { RaiseAlertJob } from '@kanshi/contracts';
import { planRaiseSets } from '@kanshi/queue';
import { Tracing } from '@kanshi/runtime';
import { findingRecord, g1Fingerprint, raiseAlertJob } from '@kanshi/testing';
import { BatchTraces, MAX_TRACED_RECORDS } from './batch-traces';
import type { TelemetryRecord } from './telemetry-batch.processor';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceparent = (trace: string, flags = '01') => `00-${trace}-00f067aa0ba902b7-${flags}`;

function record(offset: number, eventId: string, header?: string): TelemetryRecord {
  return {
    topic: 'kanshi.telemetry.v1',
    partition: 2,
    offset: String(offset),
    key: Buffer.from('acme:m1'),
    value: Buffer.from(JSON.stringify({ event_id: eventId, tenant_id: 'acme', model_id: 'm1' })),
    ...(header !== undefined && { headers: { traceparent: header } }),
  };
}

function raiseFor(eventId: string): RaiseAlertJob {
  return raiseAlertJob('acme', 'm1', [{ ...findingRecord(g1Fingerprint('acme', 'm1'), 'high'), event_id: eventId }]);
}

describe('BatchTraces', () => {
  let exporter: InMemorySpanExporter;
  let tracing: Tracing;

  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    tracing = Tracing.fromConfig('policy-engine', loadConfig({ KANSHI_TRACING_SAMPLE_RATIO: '0' }), exporter);
  });

  const finished = async () => {
    await tracing.flush();
    return exporter.getFinishedSpans();
  };

  it('continues the trace of each record carrying a sampled traceparent, and marks the alert jobs its events raised', async () => {
    const traces = new BatchTraces(tracing, [record(10, 'e-traced', traceparent(TRACE)), record(11, 'e-plain'), record(12, 'e-unsampled', traceparent('1'.repeat(32), '00'))], 4096);
    const [traced, plain] = traces.label([raiseFor('e-traced'), raiseFor('e-plain')]);
    traces.end();

    const spans = await finished();
    expect(spans.map((s) => s.name)).toEqual(['kanshi.engine.evaluate']);
    const [span] = spans;
    expect(span?.spanContext().traceId).toBe(TRACE);
    expect(span?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span?.attributes).toMatchObject({ 'kanshi.event_id': 'e-traced', 'messaging.kafka.offset': 10, 'messaging.destination.partition.id': '2' });
    expect(traced?.traceparent).toBe(`00-${TRACE}-${span?.spanContext().spanId}-01`);
    expect(plain?.traceparent).toBeUndefined();
  });

  it('leaves the alert jobs’ ids as they are: a redelivered batch, traced anew, queues the same jobs', () => {
    const jobs = [raiseFor('e-traced'), raiseFor('e-plain')];
    const traces = new BatchTraces(tracing, [record(10, 'e-traced', traceparent(TRACE))], 4096);
    const labelled = traces.label(jobs);
    traces.end();
    expect(labelled[0]?.traceparent).toBeDefined();
    expect(planRaiseSets(labelled).map((p) => p.jobId)).toEqual(planRaiseSets(jobs).map((p) => p.jobId));
  });

  it('reads no event id from a record over the size limit (it still continues the trace)', async () => {
    const big = { ...record(5, 'e-big', traceparent(TRACE)), value: Buffer.from(JSON.stringify({ event_id: 'e-big', pad: 'x'.repeat(5000) })) };
    const traces = new BatchTraces(tracing, [big], 4096);
    expect(traces.label([raiseFor('e-big')])[0]?.traceparent).toBeUndefined();
    traces.end();
    expect((await finished())[0]?.attributes['kanshi.event_id']).toBeUndefined();
  });

  it('marks the spans of a failed batch as errors', async () => {
    const traces = new BatchTraces(tracing, [record(1, 'e1', traceparent(TRACE))], 4096);
    traces.end(new Error('PostgreSQL is away'));
    expect((await finished())[0]?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'PostgreSQL is away' });
  });

  it('follows at most a bounded number of records a batch, and ignores malformed contexts', async () => {
    const records = Array.from({ length: MAX_TRACED_RECORDS + 10 }, (_, i) => record(i, `e${i}`, traceparent(i.toString(16).padStart(32, 'a'))));
    const traces = new BatchTraces(tracing, [record(999, 'bad', 'not-a-traceparent'), ...records], 4096);
    traces.end();
    expect(await finished()).toHaveLength(MAX_TRACED_RECORDS);
  });

  it('makes nothing with tracing off', () => {
    const traces = new BatchTraces(Tracing.off, [record(1, 'e1', traceparent(TRACE))], 4096);
    const jobs = [raiseFor('e1')];
    expect(traces.label(jobs)).toEqual(jobs);
    traces.end();
  });
});
