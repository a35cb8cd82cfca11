import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { deleteQueueKeys } from '@kanshi/testing';
import { sampledRecords, TRACED_EVERY } from './bench-dataset';
import { round } from './bench-support';
import { countQueuedAlerts, CPU_PER_EVENT, cpuPerEventUs, engineRunSettings, runEngines } from './engine-run';
import type { BenchContext, Figure, Scenario, ScenarioResult } from './scenario';

/** The engine scenario's figures this one sets itself beside (same names there). */
const THROUGHPUT = 'throughput';

/** Largest export body the receiver reads (the exporter sends at most 512 spans, well under 1 MiB): beyond it, 413. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The array at `key` of a parsed JSON object, or none. */
function arrayAt(value: unknown, key: string): readonly unknown[] {
  const field: unknown = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return Array.isArray(field) ? field : [];
}

/** Spans in one OTLP/HTTP JSON export: `resourceSpans[].scopeSpans[].spans[]`. */
function spansIn(body: unknown): number {
  let spans = 0;
  for (const resource of arrayAt(body, 'resourceSpans')) {
    for (const scope of arrayAt(resource, 'scopeSpans')) spans += arrayAt(scope, 'spans').length;
  }
  return spans;
}

interface OtlpReceiver {
  readonly url: string;
  /** Spans in the exports answered 200. */
  spans(): number;
  requests(): number;
  /** Requests answered otherwise (not a POST to /v1/traces, too large, not JSON). */
  rejected(): number;
  close(): Promise<void>;
}

/**
 * A collector's OTLP/HTTP traces endpoint on loopback, in the bench process: it answers 200 `{}`
 * to each JSON export and counts its spans; it keeps nothing. Work per request is bounded by
 * {@link MAX_BODY_BYTES}.
 */
async function startOtlpReceiver(): Promise<OtlpReceiver> {
  let spans = 0;
  let requests = 0;
  let rejected = 0;
  const answer = (res: ServerResponse, status: number, body: string) => {
    if (status !== 200) rejected += 1;
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    requests += 1;
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/traces') {
      req.resume();
      answer(res, 404, '{}');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) {
        answer(res, 413, '{}');
        return;
      }
      try {
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw, { maxOutputLength: MAX_BODY_BYTES }) : raw;
        spans += spansIn(JSON.parse(body.toString('utf8')));
        answer(res, 200, '{}');
      } catch {
        answer(res, 400, '{}');
      }
    });
  };
  const server = createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans: () => spans,
    requests: () => requests,
    rejected: () => rejected,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Tracing's cost: the built engine, as in (2), over the same data set with `KANSHI_TRACING=otlp`,
 * exporting to an OTLP/HTTP receiver in the bench process. Its own sample ratio is 0: it starts
 * no trace and follows the producers' sampled flags (1 % of the records); every record carries
 * a `traceparent`, so the engine reads one per record either way. Compared with the engine
 * scenario of the same run (tracing off).
 */
export const tracingScenario: Scenario = {
  id: 'tracing',
  title: 'Kanshi policy engine with tracing on (OTLP/HTTP) over the data set',
  deadlineMs: ({ quick, events }) => (quick ? 120_000 : 180_000 + events / 2),
  async run(context: BenchContext): Promise<ScenarioResult> {
    const dataset = await context.dataset();
    const groupId = `${context.runId}-tracing`;
    const queuePrefix = `${context.runId}-tracing`;
    const receiver = await startOtlpReceiver();
    try {
      const tracingEnv = { KANSHI_TRACING: 'otlp', KANSHI_TRACING_OTLP_URL: receiver.url, KANSHI_TRACING_SAMPLE_RATIO: '0' };
      const run = await runEngines(context, dataset, { instances: 1, groupId, queuePrefix, label: 'tracing', env: tracingEnv });
      // runEngines returns once the engine has stopped: its shutdown exported what it still held.
      const spans = receiver.spans();
      const queued = await countQueuedAlerts(context.config.values.redisUrl, queuePrefix);
      const throughput = run.records / run.seconds;
      const cpuUs = cpuPerEventUs(run);
      const engine = context.results.get('engine');
      const engineFigure = (name: string) => engine?.figures.find((f) => f.name === name)?.value;
      const engineThroughput = engineFigure(THROUGHPUT);
      const engineCpuPerEventUs = engineFigure(CPU_PER_EVENT);
      const expected = sampledRecords(dataset.events);
      const figures: Figure[] = [
        { name: THROUGHPUT, value: round(throughput), unit: 'events/s' },
        ...(engineThroughput === undefined ? [] : [{ name: 'ratio to engine (tracing off)', value: round(throughput / engineThroughput, 3), unit: 'x', goal: { op: '>=' as const, value: 0.95 } }]),
        { name: CPU_PER_EVENT, value: round(cpuUs, 1), unit: 'µs' },
        ...(engineCpuPerEventUs === undefined ? [] : [{ name: 'CPU per event, ratio to engine (tracing off)', value: round(cpuUs / engineCpuPerEventUs, 3), unit: 'x' }]),
        { name: 'spans received', value: spans, unit: 'spans' },
        { name: 'records traced', value: round((spans / Math.max(1, run.records)) * 100, 3), unit: '%' },
        { name: 'alert jobs', value: queued.jobs, unit: 'jobs' },
        { name: 'engine peak RSS', value: round(run.peakRssMb[0] ?? 0, 1), unit: 'MB', goal: { op: '<=', value: 300 } },
      ];
      const notes = [
        'Timed as the engine scenario is: from the engine printing "Nest microservice successfully started" to the poll (every 100 ms) that saw every end offset committed. Spans are exported in batches while it runs (and the rest at its shutdown, after the timing).',
        engineThroughput === undefined
          ? 'No ratio: the engine scenario did not run (or failed) in this run; run --only engine,tracing.'
          : 'Ratio: to the engine scenario of this run (one engine, tracing off, same records, run just before); goal >= 0.95, i.e. tracing costs under 5 % of throughput. Two runs of one engine differ by a few % on their own: compare several runs.',
        engineCpuPerEventUs === undefined
          ? `CPU per event: the engine's user + system CPU over the timed window, per record; the engine scenario reports no "${CPU_PER_EVENT}" in this run, so no CPU ratio.`
          : "CPU per event: the engine's user + system CPU over the timed window, per record, against the engine scenario's.",
        `Spans: counted by the receiver in the OTLP/HTTP JSON exports (${receiver.requests()} requests, ${receiver.rejected()} refused); the data set has ${expected} records with a sampled traceparent (1 in ${TRACED_EVERY}), one span each. Fewer arrive when a batch holds more than 64 sampled records (the engine's cap, policy-core BatchTraces: a backlog's batches of about 7,000 records hold about 70) or the exporter dropped some (a full queue); more when a batch was retried.`,
        'Every record carries a traceparent (unsampled on most): the engine parses each (until a batch has 64 spans) and gives a span to the sampled ones.',
        `Machine CPU busy over the timed window: ${round(run.machineBusy * 100)} % (the bench process, with the OTLP receiver, runs on the same machine).`,
      ];
      if (spans < expected) notes.push(`${expected - spans} of the ${expected} sampled records made no span that reached the receiver (see above).`);
      return {
        id: 'tracing',
        title: this.title,
        figures,
        settings: {
          ...engineRunSettings(dataset, run, groupId, queuePrefix),
          engineCpuSeconds: round(run.engineCpuSeconds, 2),
          machineBusy: round(run.machineBusy, 3),
          tracing: `KANSHI_TRACING=otlp, KANSHI_TRACING_SAMPLE_RATIO=0, KANSHI_TRACING_OTLP_URL=${receiver.url} (OTLP/HTTP JSON receiver in the bench process)`,
          sampledRecords: expected,
        },
        notes,
      };
    } finally {
      await receiver.close();
      await deleteQueueKeys(context.config.values.redisUrl, queuePrefix);
    }
  },
};
