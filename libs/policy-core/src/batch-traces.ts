import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { RaiseAlertJob } from '@kanshi/contracts';
import { SpanKind, TRACEPARENT, type Tracing } from '@kanshi/runtime';
import type { TelemetryRecord } from './telemetry-batch.processor';

/** Traced records a batch follows at most: producers choose which records carry a `traceparent`, so it is bounded here. */
export const MAX_TRACED_RECORDS = 64;

function headerText(record: TelemetryRecord, name: string): string | undefined {
  const value = record.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/**
 * The event id of a record, read only for the few traced ones and only when within the event
 * size limit (the batch decodes them anyway; a second parse is cheap at that count and size).
 */
function eventIdOf(record: TelemetryRecord, maxValueBytes: number): string | undefined {
  if (!record.value || record.value.length > maxValueBytes) return undefined;
  try {
    const parsed = JSON.parse(record.value?.toString() ?? '') as { event_id?: unknown };
    return typeof parsed.event_id === 'string' ? parsed.event_id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The spans of one engine batch for the records that carry a `traceparent` (the gateway sets it,
 * a producer may): one `kanshi.engine.evaluate` span per traced record, continuing its trace, from
 * the batch's start to its checkpoint (its offsets are committed right after). An alert job raised by a traced event carries that span's
 * `traceparent`, so the worker's span that stores the alert continues the same trace.
 */
export class BatchTraces {
  private readonly byEvent = new Map<string, Span>();
  private readonly spans: Span[] = [];

  constructor(
    private readonly tracing: Tracing,
    records: readonly TelemetryRecord[],
    maxValueBytes: number,
  ) {
    if (!tracing.enabled) return;
    for (const record of records) {
      if (this.spans.length >= MAX_TRACED_RECORDS) break;
      const parent = tracing.contextOf(headerText(record, TRACEPARENT));
      if (!parent) continue;
      const span = tracing.startSpan('kanshi.engine.evaluate', {
        parent,
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': record.topic,
          'messaging.destination.partition.id': String(record.partition),
          'messaging.kafka.offset': Number(record.offset),
          'messaging.kafka.message.key': record.key?.toString() ?? '',
        },
      });
      if (!span.isRecording()) continue;
      this.spans.push(span);
      const eventId = eventIdOf(record, maxValueBytes);
      if (eventId !== undefined) {
        span.setAttribute('kanshi.event_id', eventId);
        this.byEvent.set(eventId, span);
      }
    }
  }

  /** The alert jobs, each raised by a traced event marked with the `traceparent` that continues its trace. */
  label(jobs: readonly RaiseAlertJob[]): RaiseAlertJob[] {
    if (this.byEvent.size === 0) return [...jobs];
    return jobs.map((job) => {
      for (const finding of job.findings) {
        for (const eventId of [finding.event_id, ...(finding.evidence_event_ids ?? [])]) {
          const span = this.byEvent.get(eventId);
          if (!span) continue;
          span.addEvent('alert job queued', { 'kanshi.rule_id': job.rule_id, 'kanshi.fingerprint': job.fingerprint });
          return { ...job, traceparent: this.tracing.traceparentOf(span) };
        }
      }
      return job;
    });
  }

  /** The batch is committed (or `error` made it fail, to be retried). */
  end(error?: unknown): void {
    const failure = error === undefined ? undefined : error instanceof Error ? error.message : JSON.stringify(error);
    for (const span of this.spans) {
      if (failure !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
      span.end();
    }
  }
}
