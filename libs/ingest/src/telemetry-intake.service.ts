import { Injectable, Logger, Optional } from '@nestjs/common';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  TOPICS,
  telemetryKey,
  validateTelemetryEvent,
  type ValidationIssue,
} from '@kanshi/contracts';
import { AppConfig } from '@kanshi/config';
import { KafkaProducer, type OutgoingRecord } from '@kanshi/messaging';
import { exceedsJsonDepth, MAX_JSON_DEPTH, SpanKind, TRACEPARENT, Tracing } from '@kanshi/runtime';
import { GatewaySigner } from './gateway-signer';
import { IssueBudget, shownEventId } from './intake-answer';

export type EventFate =
  | { readonly index: number; readonly event_id: string | null; readonly status: 'accepted' }
  | {
      readonly index: number;
      readonly event_id: string | null;
      readonly status: 'rejected';
      /** The first issues (see `ANSWER_LIMITS`). */
      readonly errors: readonly ValidationIssue[];
      /** Issues not listed, when there were more. */
      readonly errors_omitted?: number;
    };

export interface IntakeResult {
  readonly accepted: number;
  readonly rejected: number;
  readonly results: readonly EventFate[];
}

/** Thrown when an event names another tenant than the caller's key. */
export class TenantMismatchError extends Error {
  override readonly name = 'TenantMismatchError';
}

/** Thrown when Kafka did not take the accepted events; nothing was acknowledged. */
export class TelemetryUnavailableError extends Error {
  override readonly name = 'TelemetryUnavailableError';
}

/**
 * Validates events sent over HTTP and writes the valid ones to Kafka before answering, so an
 * event reported as accepted is durable. Each record is signed for the caller's tenant, so the
 * engine knows who speaks.
 */
@Injectable()
export class TelemetryIntakeService {
  private readonly logger = new Logger(TelemetryIntakeService.name);

  private readonly tracing: Tracing;

  constructor(
    private readonly producer: KafkaProducer,
    private readonly config: AppConfig,
    private readonly signer: GatewaySigner,
    @Optional() tracing?: Tracing,
  ) {
    this.tracing = tracing ?? Tracing.off;
  }

  /**
   * `traceparent`: the caller's W3C trace context, if it sent one. The request's span continues
   * it (or starts a trace, sampled), and every record written carries the span's context for the
   * engine to continue.
   */
  async submit(tenantId: string, items: readonly unknown[], traceparent?: string): Promise<IntakeResult> {
    const span = this.tracing.startSpan('kanshi.ingest', {
      parent: this.tracing.contextOf(traceparent),
      kind: SpanKind.PRODUCER,
      attributes: { 'kanshi.tenant_id': tenantId, 'messaging.system': 'kafka', 'messaging.destination.name': TOPICS.telemetry, 'messaging.batch.message_count': items.length },
    });
    try {
      // A trace this gateway does not record is passed on as the caller sent it: the engine follows its sampled flag.
      const result = await this.write(tenantId, items, this.tracing.traceparentOf(span) ?? Tracing.wellFormed(traceparent));
      span.setAttributes({ 'kanshi.events.accepted': result.accepted, 'kanshi.events.rejected': result.rejected });
      return result;
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  }

  private async write(tenantId: string, items: readonly unknown[], traceparent: string | undefined): Promise<IntakeResult> {
    const maxBytes = this.config.values.maxEventBytes;
    const results: EventFate[] = [];
    const accepted: OutgoingRecord[] = [];
    const budget = new IssueBudget();
    const reject = (index: number, item: unknown, issues: readonly ValidationIssue[]): void => {
      const { errors, omitted } = budget.list(issues);
      results.push({ index, event_id: shownEventId(item), status: 'rejected', errors, ...(omitted > 0 && { errors_omitted: omitted }) });
    };
    items.forEach((item, index) => {
      // Measured before the schema check, as the engine does: an event over the limit is refused
      // without listing the thousands of issues it may hold. An item nested too deep to encode
      // safely is left to the contract, which refuses it for its depth (objects past 32 levels).
      const value = exceedsJsonDepth(item, MAX_JSON_DEPTH) ? undefined : JSON.stringify(item);
      const size = value === undefined ? 0 : Buffer.byteLength(value);
      if (size > maxBytes) {
        reject(index, item, [{ pointer: '', rule: 'maxBytes', message: `event is ${size} bytes; the limit is ${maxBytes}`, expected: maxBytes }]);
        return;
      }
      const checked = validateTelemetryEvent(item);
      if (!checked.ok) {
        reject(index, item, checked.issues);
        return;
      }
      const { event } = checked;
      if (event.tenant_id !== tenantId) {
        throw new TenantMismatchError(`events[${index}].tenant_id is "${event.tenant_id}" but the API key belongs to tenant "${tenantId}"`);
      }
      const key = telemetryKey(event.tenant_id, event.model_id);
      const encoded = value ?? JSON.stringify(event);
      const headers = this.signer.headers(event.tenant_id, key, encoded);
      accepted.push({ key, value: encoded, headers: traceparent === undefined ? headers : { ...headers, [TRACEPARENT]: traceparent } });
      results.push({ index, event_id: event.event_id, status: 'accepted' });
    });
    try {
      // One deadline for the whole request, so a Kafka outage answers 503 instead of hanging.
      await this.producer.send(TOPICS.telemetry, accepted, { timeoutMs: this.config.values.gatewayKafkaTimeoutMs });
    } catch (error) {
      this.logger.error(`could not write ${accepted.length} events to Kafka: ${String(error)}`);
      throw new TelemetryUnavailableError(
        'Kafka did not accept the events. Retry the whole request: events already stored are recognised by event_id and not counted twice.',
      );
    }
    return { accepted: accepted.length, rejected: results.length - accepted.length, results };
  }
}
