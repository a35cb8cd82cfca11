import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { TelemetryEvent } from '@kanshi/contracts';
import { systemClock, type Clock } from '../backoff';
import { errorMessage, TelemetryValidationError } from '../errors';
import { GatewayTransport } from '../http-transport';
import { KafkaTransport } from '../kafka-transport';
import { TelemetryClient, type DeliveryReport } from '../telemetry-client';
import type { TelemetryTransport } from '../transport';
import { DEFAULT_MAX_LINE_LENGTH, readJsonlLines } from './jsonl-reader';
import { Progress, type ProgressStream } from './progress';
import { RateLimiter } from './rate-limiter';
import { parseKanshiArgs, UsageError, USAGE, type SendCommand, type SendTarget } from './send-args';
import { rejectionReason, SendSummary } from './send-summary';

/** What the command line talks to, so it runs in-process in tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: ProgressStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Standard input, for `kanshi send -`. */
  readonly stdin?: () => Readable;
  /** Aborted on Ctrl-C: stop reading, send what is queued, print the summary. */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
}

/** A CLI should not spend minutes retrying a mistyped broker address: fewer, shorter retries than the library's. */
const CLI_RETRY = { maxAttempts: 5, maxDelayMs: 10_000 } as const;

function transportFor(target: SendTarget, env: CliIo['env']): TelemetryTransport {
  switch (target.kind) {
    case 'kafka':
      return new KafkaTransport({
        brokers: target.brokers,
        topic: target.topic,
        ingestKey: target.ingestKey,
        ...target.security,
        clientId: 'kanshi-cli',
        // The client's retry notes say what went wrong; kafkajs' own lines would break the progress bar.
        logLevel: env['KANSHI_LOG_LEVEL'] === 'debug' ? 'debug' : 'nothing',
      });
    case 'gateway':
      return new GatewayTransport({ url: target.url, apiKey: target.apiKey });
  }
}

async function openInput(command: SendCommand, io: CliIo): Promise<{ stream: Readable; size?: number }> {
  if (command.file === '-') return { stream: io.stdin ? io.stdin() : process.stdin };
  const info = await stat(command.file);
  if (!info.isFile()) throw new Error('not a regular file');
  return { stream: createReadStream(command.file, { highWaterMark: 64 * 1024 }), size: info.size };
}

/** `kanshi send`: streams the file through a {@link TelemetryClient}; 0 when every line was sent. */
export async function runSend(command: SendCommand, io: CliIo, transport?: TelemetryTransport): Promise<number> {
  const clock = io.clock ?? systemClock;
  let input: { stream: Readable; size?: number };
  try {
    input = await openInput(command, io);
  } catch (error) {
    io.stderr.write(`kanshi send: cannot read ${command.file}: ${errorMessage(error)}\n`);
    return 1;
  }
  const { stream } = input;
  const summary = new SendSummary();
  const progress = new Progress(io.stderr, input.size, clock);
  const client = new TelemetryClient({
    transport: transport ?? transportFor(command.target, io.env),
    batch: { maxEvents: command.batch },
    maxQueuedEvents: command.batch * 4,
    retry: CLI_RETRY,
    clock,
    logger: { warn: (m) => progress.note(m), error: (m) => progress.note(m) },
    onRetry: ({ error, events, delayMs }) => progress.note(`kanshi send: ${error.message}; retrying ${events} events in ${(delayMs / 1000).toFixed(1)} s`),
  });
  const limiter = command.rate === undefined ? undefined : new RateLimiter(command.rate, clock);
  let failure: string | undefined;
  const record = (line: number, report: DeliveryReport): void => {
    switch (report.status) {
      case 'accepted':
        summary.sent += 1;
        break;
      case 'rejected':
        summary.rejected.add(`refused by the gateway: ${rejectionReason(report.errors)}`, line);
        break;
      case 'failed':
        if (report.attempts === 0) {
          summary.unsent.add('not sent: sending stopped after the failure above', line);
        } else {
          summary.unsent.add(report.error.message, line);
          failure ??= report.error.message;
        }
        break;
    }
  };
  const bytesRead = (): number => (stream as Readable & { bytesRead?: number }).bytesRead ?? 0;
  const showProgress = (): void =>
    progress.update({ bytes: bytesRead(), read: summary.read, sent: summary.sent, rejected: summary.rejected.total + summary.unparsable, unsent: summary.unsent.total });

  try {
    for await (const item of readJsonlLines(stream)) {
      if (io.signal?.aborted) {
        summary.stoppedEarly = `interrupted; lines from ${item.line} on were not read`;
        break;
      }
      if (failure !== undefined) {
        summary.stoppedEarly = `a batch could not be delivered; lines from ${item.line} on were not sent`;
        break;
      }
      showProgress();
      if ('tooLong' in item) {
        summary.read += 1;
        summary.addUnparsable(item.line, `longer than ${DEFAULT_MAX_LINE_LENGTH} characters`);
        continue;
      }
      if (item.text.trim() === '') {
        summary.blank += 1;
        continue;
      }
      summary.read += 1;
      let value: unknown;
      try {
        value = JSON.parse(item.text);
      } catch (error) {
        summary.addUnparsable(item.line, errorMessage(error));
        continue;
      }
      await limiter?.take();
      await client.waitForCapacity();
      const line = item.line;
      try {
        void client.send(value as TelemetryEvent).then((report) => record(line, report));
      } catch (error) {
        if (!(error instanceof TelemetryValidationError)) throw error;
        summary.rejected.add(rejectionReason(error.issues, error.reason), line);
      }
    }
  } catch (error) {
    summary.stoppedEarly = `reading ${command.file} failed: ${errorMessage(error)}`;
  } finally {
    stream.destroy();
  }
  // After a failed batch, the queued events would only fail the same way, one retry series each.
  await client.close({ discardQueued: failure !== undefined });
  showProgress();
  progress.done();
  io.stdout.write(summary.format(client.transport.description));
  return summary.ok ? 0 : 1;
}

/** The `kanshi` command line: parses `argv`, prints help or runs `send`. Resolves with the exit code. */
export async function runKanshi(argv: readonly string[], io: CliIo): Promise<number> {
  let command;
  try {
    command = parseKanshiArgs(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`kanshi: ${error.message}\nRun kanshi --help for usage.\n`);
    return 2;
  }
  if (command.command === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  return runSend(command, io);
}
